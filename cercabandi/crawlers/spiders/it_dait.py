"""Ministero dell'Interno, DAIT finanza locale: news on contributions to comuni (HTML, Drupal).

The news list (``/finanza-locale/notizie?page=N``, newest first) carries "Comunicato del ..."
items; many announce a decree that allocates money to comuni (rigenerazione urbana, progettazione,
messa in sicurezza). Each record says what it is in ``extra["kind"]``: ``decree`` when the item
publishes or adopts a decree, ``communication`` otherwise; the decree sentence is in
``extra["decree"]``. Only the first pages are read each night (``max_pages``): older news was read
on earlier nights.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.vocab import DateLabel
from cercabandi.crawlers.htmlcalls import HtmlCallsSpider, Page, applicant_sentences, raw_call_from_page
from cercabandi.crawlers.textfacts import amount_facts, date_facts, sentences

SITE = "https://dait.interno.gov.it"
LISTING = f"{SITE}/finanza-locale/notizie"
NEWS_PATH = re.compile(r"^/finanza-locale/notizie/[^/]+$")
ISSUER = "Ministero dell'Interno - Dipartimento per gli Affari Interni e Territoriali, Direzione Centrale della Finanza Locale"

_DECREE_TITLE = re.compile(r"^\s*(?:decreto|d\.\s?m\.|d\.\s?p\.\s?c\.\s?m\.|dpcm)\b", re.IGNORECASE)
_DECREE_ACT = re.compile(
    r"(?:pubblicat[oi]|adottat[oi]|emanat[oi]|firmat[oi]|registrat[oi]|diffus[oi])\s+(?:\w+\s+){0,3}decret[oi]"
    r"|decret[oi]\s+(?:\w+\s+){0,12}(?:è|sono)\s+stat[oi]\s+(?:pubblicat|adottat|emanat|firmat)"
    r"|sezione\s+[«\"“]?\s*i\s+decreti",
    re.IGNORECASE,
)
_LISTED_DATE = re.compile(r"\b\d{1,2}\s+[A-Za-z]+,?\s+\d{4}\b")
# The news name who gets the money rather than who "may apply": "ai Comuni…", "al comune di
# Catania", "agli enti locali", "per province e per città metropolitane" (45 real items, 2026).
_LOCAL_AUTHORITIES = re.compile(
    r"\b(?:comun[ei]|comunal[ei]|enti\s+local[ei]|ente\s+locale|province|provincial[ei]"
    r"|città\s+metropolitan[ea]|unioni\s+di\s+comuni|comunità\s+montan[ea]|enti\s+in\s+condizione)\b",
    re.IGNORECASE,
)
# A news item about money that names no recipient: the directorate's measures all go to local
# authorities (its remit), so that is who the item concerns; the record says the publisher is the source.
_MONEY_NEWS = re.compile(
    r"\b(?:fond[oi]|contribut[oi]|risorse|ripart[oi]|ripartizione|assegnazion[ei]|rimbors[oi]|erogazion[ei]"
    r"|interventi|opere|pagament[oi]|oneri)\b",
    re.IGNORECASE,
)
PUBLISHER_APPLICANTS = (
    "Enti locali (comuni, province, città metropolitane): le misure della Direzione Centrale della Finanza Locale"
    " sono destinate agli enti locali"
)


def kind_of(title: str, text: str) -> tuple[str, str | None]:
    """("decree", the sentence) when the news publishes, adopts or is a decree, else ("communication", None).

    The title is often only "Comunicato del …": a body that opens a sentence with "Decreto del
    Ministro …" (24 Dec 2025, 7 May 2026) announces a decree just as a decree title does.
    """
    if _DECREE_TITLE.search(title):
        return "decree", title
    for sentence in sentences(text):
        if _DECREE_ACT.search(sentence) or _DECREE_TITLE.search(sentence):
            return "decree", sentence
    return "communication", None


def recipients(title: str, text: str, limit: int = 2) -> tuple[str | None, str | None]:
    """Who the news concerns and where that was read: ("…", "text"), ("…", "publisher") or (None, None).

    The sentences saying who may apply come first, then those naming local authorities; a news
    item about money that names none concerns the local authorities the directorate funds.
    """
    stated = applicant_sentences(text) or " ".join([s for s in sentences(text) if _LOCAL_AUTHORITIES.search(s)][:limit])
    if stated:
        return stated, "text"
    if _MONEY_NEWS.search(f"{title}\n{text}"):
        return PUBLISHER_APPLICANTS, "publisher"
    return None, None


def build_item(page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
    kind, decree = kind_of(page.title, page.text)
    dates: list[Labelled] = []
    if page.published:
        dates.append(Labelled(label=DateLabel.PUBLISHED, value=page.published))
    elif listed := _LISTED_DATE.search(listing_text):
        dates.append(Labelled(label=DateLabel.PUBLISHED, value=listed.group(0)))
    # The news' own date ("Notizia 27 Luglio, 2026") is publication, not a deadline: only cue words count.
    dates.extend(d for d in date_facts(page.text) if d.label != DateLabel.PUBLISHED)
    extra = {"kind": kind}
    if decree:
        extra["decree"] = decree
    applicants, applicants_from = recipients(page.title, page.text)
    if applicants_from == "publisher":
        extra["applicants_from"] = "publisher"
    body_start = page.text.split(page.title, 1)[-1].strip() if page.title in page.text else page.text
    return raw_call_from_page(
        page,
        source="it_dait",
        fetched_at=fetched_at,
        listing_text=listing_text,
        dates=dates,
        amounts=amount_facts(page.text),
        extra=extra,
        summary=next(iter(sentences(body_start)), None),
        applicants=applicants,
        issuer=ISSUER,
    )


class ItDaitSpider(HtmlCallsSpider):
    name = "it_dait"
    allowed_domains = ("dait.interno.gov.it",)
    listing_url = LISTING
    card_css = ".views-row, article.node--type-notizia, article"
    link_css = "h2 a[href], h3 a[href], .field--name-title a[href], a[href]"
    detail_path = NEWS_PATH
    content_css = ("main article", "article.node", "main", "#block-dait-content")
    max_pages = 3
    follow_pdfs = False  # the decrees themselves are long tables of comuni; the news text says what they do

    def __init__(self, *args: Any, pdfs: str = "no", **kwargs: Any) -> None:
        super().__init__(*args, pdfs=pdfs, **kwargs)

    def build_item(self, page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall:
        return build_item(page, listing_text=listing_text, fetched_at=fetched_at)
