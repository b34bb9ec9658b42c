"""Fondazione Cariplo: its open calls (HTML, a few a year; behind Cloudflare for plain clients).

A call page has a box of labelled facts (Scadenza, Budget, Area, Stato), the text of the call and
the call's PDF. Budget, minimum and maximum contribution and co-financing (often 30-50%) are taken
as the verbatim sentences that state them, from the box and the text; the PDF's text is kept for
what only it says. Blocks (403, challenge pages) are retried through the headless browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response

from cercabandi.core.models import RawCall
from cercabandi.core.vocab import AmountLabel, DateLabel
from cercabandi.crawlers.browser import BrowserFallbackMixin, looks_blocked
from cercabandi.crawlers.htmlcalls import (
    HtmlCallsSpider,
    Page,
    raw_call_from_box_page,
)
from cercabandi.crawlers.spiderkit import report_problem

SITE = "https://www.fondazionecariplo.it"
LISTING = f"{SITE}/it/bandi.html"
# A call page, not a category of calls ("/it/bandi/bandi-ricerca-scientifica.html" lists calls).
CALL_PATH = re.compile(r"^/it/bandi/(?:[^/]+/)*(?!bandi-)[^/]+\.html$")
ISSUER = "Fondazione Cariplo"
FIELDS: dict[str, tuple[str, str]] = {
    "scadenza": ("dates", DateLabel.DEADLINE),
    "scadenza prima fase": ("dates", f"{DateLabel.DEADLINE}: prima fase"),
    "scadenza seconda fase": ("dates", f"{DateLabel.DEADLINE}: seconda fase"),
    "apertura": ("dates", DateLabel.OPENING),
    "pubblicazione": ("dates", DateLabel.PUBLISHED),
    "data di pubblicazione": ("dates", DateLabel.PUBLISHED),
    "budget": ("amounts", AmountLabel.BUDGET),
    "budget disponibile": ("amounts", AmountLabel.BUDGET),
    "risorse disponibili": ("amounts", AmountLabel.BUDGET),
    "contributo massimo": ("amounts", AmountLabel.GRANT_MAX),
    "contributo minimo": ("amounts", AmountLabel.GRANT_MIN),
    "cofinanziamento": ("amounts", AmountLabel.COFINANCING),
    "stato": ("status", "status"),
    "area": ("extra", "area"),
    "destinatari": ("extra", "destinatari"),
}


def build_item(page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
    return raw_call_from_box_page(
        page,
        FIELDS,
        applicants_field="destinatari",
        source="fnd_cariplo",
        fetched_at=fetched_at,
        listing_text=listing_text,
        territory="Lombardia e province di Novara e del Verbano-Cusio-Ossola",
        issuer=ISSUER,
    )


class FndCariploSpider(BrowserFallbackMixin, HtmlCallsSpider):
    name = "fnd_cariplo"
    allowed_domains = ("www.fondazionecariplo.it",)
    listing_url = LISTING
    card_css = ".bando-card, .card, article, li.bando"
    detail_path = CALL_PATH
    content_css = ("main article", "article.bando", "main", "#content")
    field_css = ".info, .bando-info li, dl > div"
    browser_wait_for = "main, article"
    max_pages = 3

    def __init__(self, *args: Any, browser: str = "fallback", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.browser = browser

    def parse(self, response: Response) -> Iterator[Any]:
        if looks_blocked(response):
            yield from self._unblock(response)
            return
        yield from super().parse(response)

    def parse_detail(self, response: Response, listing_text: str = "") -> Iterator[Any]:
        if looks_blocked(response):
            yield from self._unblock(response)
            return
        yield from super().parse_detail(response, listing_text=listing_text)

    def _unblock(self, response: Response) -> Iterator[scrapy.Request]:
        retry = self.retry_in_browser(response)
        if retry is None:
            report_problem(self, "blocked", f"{response.url} answered {response.status} (bot protection)", listing=True)
            return
        self.logger.warning("HTTP %s from %s: asking again through the browser", response.status, response.url)
        yield retry

    def build_item(self, page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
        return build_item(page, listing_text=listing_text, fetched_at=fetched_at)
