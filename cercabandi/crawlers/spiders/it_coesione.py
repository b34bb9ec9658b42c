"""Dipartimento per le politiche di coesione: "Finanziamenti, avvisi e bandi" (HTML, CC BY 4.0).

The list links one page per call or funding line; a call page has an introduction, the call's
dates in prose ("Possono candidarsi, dal 02/03 al 03/06/2026, ...") and the notice with its
annexes as PDFs. Dates, money and applicants are the verbatim sentences that state them; the
notice's text (first PDF) goes into the record for the facts that only it holds.
"""

from __future__ import annotations

import re
from datetime import datetime

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.vocab import DateLabel
from cercabandi.crawlers.htmlcalls import (
    HtmlCallsSpider,
    Page,
    applicant_sentences,
    first_paragraph,
    raw_call_from_page,
)
from cercabandi.crawlers.textfacts import amount_facts, date_facts

SITE = "https://politichecoesione.governo.it"
LISTING = f"{SITE}/it/finanziamenti-avvisi-e-bandi/"
# A new edition of a measure is published as a sub-page of the measure ("<measure>/<edition>/").
CALL_PATH = re.compile(
    r"^/it/(?:finanziamenti-avvisi-e-bandi"
    r"|documenti-ed-esiti-istituzionali/documenti-di-attuazione-dei-finanziamenti-avvisi-e-bandi)/[^/]+(?:/[^/]+)?/?$"
)
ISSUER = "Presidenza del Consiglio dei ministri - Dipartimento per le politiche di coesione e per il Sud"


def build_item(page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
    dates: list[Labelled] = []
    if page.published:
        dates.append(Labelled(label=DateLabel.PUBLISHED, value=page.published))
    dates.extend(date_facts(page.text))
    return raw_call_from_page(
        page,
        source="it_coesione",
        fetched_at=fetched_at,
        listing_text=listing_text,
        dates=dates,
        amounts=amount_facts(page.text),
        extra={},
        summary=first_paragraph(page.html),
        applicants=applicant_sentences(page.text),
        issuer=ISSUER,
    )


class ItCoesioneSpider(HtmlCallsSpider):
    name = "it_coesione"
    allowed_domains = ("politichecoesione.governo.it",)
    listing_url = LISTING
    # What other scrapers of the live site record: "#main-page .card" with "h2.card-header-custom > a",
    # and no stable <main> (the generic fallback reads a page none of content_css matches).
    card_css = "#main-page .card, .card, article, .list-item, li.item"
    link_css = "h2.card-header-custom > a, a[href]"
    detail_path = CALL_PATH
    content_css = ("main .content-page", "main article", "main", "#main-content", "#main-page")

    def build_item(self, page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
        return build_item(page, listing_text=listing_text, fetched_at=fetched_at)
