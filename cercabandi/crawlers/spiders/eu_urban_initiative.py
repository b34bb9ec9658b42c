"""European Urban Initiative: calls for Innovative Actions by urban authorities (HTML, about one a year).

A call page has a box of key facts (Call opening, Deadline, Total budget, Maximum ERDF per
project, ERDF co-financing rate) and a text restating them; both are kept as verbatim labelled
sentences. The Terms of Reference PDF is the main attachment and its text is kept too.
"""

from __future__ import annotations

import re
from datetime import datetime

from cercabandi.core.models import RawCall
from cercabandi.core.vocab import AmountLabel, DateLabel
from cercabandi.crawlers.htmlcalls import (
    HtmlCallsSpider,
    Page,
    raw_call_from_box_page,
)

SITE = "https://www.urban-initiative.eu"
LISTING = f"{SITE}/calls-proposals"
CALL_PATH = re.compile(r"^/calls-proposals/[^/]+$")
ISSUER = "European Urban Initiative (European Commission, DG REGIO; Entrusted Entity: Hauts-de-France Region)"
FIELDS: dict[str, tuple[str, str]] = {
    "call opening": ("dates", DateLabel.OPENING),
    "opening": ("dates", DateLabel.OPENING),
    "deadline": ("dates", DateLabel.DEADLINE),
    "application deadline": ("dates", DateLabel.DEADLINE),
    "published": ("dates", DateLabel.PUBLISHED),
    "total budget": ("amounts", AmountLabel.BUDGET),
    "budget": ("amounts", AmountLabel.BUDGET),
    "erdf budget": ("amounts", AmountLabel.BUDGET),
    "maximum erdf per project": ("amounts", AmountLabel.GRANT_MAX),
    "maximum grant": ("amounts", AmountLabel.GRANT_MAX),
    "minimum grant": ("amounts", AmountLabel.GRANT_MIN),
    "erdf co-financing rate": ("amounts", AmountLabel.COFINANCING),
    "co-financing rate": ("amounts", AmountLabel.COFINANCING),
    "status": ("status", "status"),
    "call status": ("status", "status"),
    "eligible applicants": ("extra", "eligible_applicants"),
    "topic": ("extra", "topic"),
    "topics": ("extra", "topic"),
}


def build_item(page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
    return raw_call_from_box_page(
        page,
        FIELDS,
        applicants_field="eligible_applicants",
        source="eu_urban_initiative",
        fetched_at=fetched_at,
        listing_text=listing_text,
        territory="EU Member States",
        programme="European Urban Initiative - Innovative Actions (ERDF)",
        issuer=ISSUER,
    )


class EuUrbanInitiativeSpider(HtmlCallsSpider):
    name = "eu_urban_initiative"
    allowed_domains = ("www.urban-initiative.eu", "urban-initiative.eu")
    listing_url = LISTING
    card_css = ".views-row, article, .card"
    detail_path = CALL_PATH
    content_css = ("main article", "article", "main")
    field_css = ".key-facts li, .key-facts .fact, dl > div"
    max_pages = 2

    def build_item(self, page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
        return build_item(page, listing_text=listing_text, fetched_at=fetched_at)
