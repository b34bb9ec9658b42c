"""Publishers with an HTML list of calls and one HTML page per call (ministries, foundations).

``read_listing`` finds the links to call pages and the next page of the list; ``read_page`` takes
a call page apart (title, main text, publication date, attachments). ``HtmlCallsSpider`` wires
them: listing -> call pages -> main PDF -> ``RawCall``. Each source's spider says where its calls
are (CSS and a URL pattern) and turns a ``Page`` into a ``RawCall``; facts in the prose (money,
dates, applicants) are the verbatim sentences found by ``cercabandi.crawlers.textfacts``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response
from twisted.python.failure import Failure

from cercabandi.core.models import Attachment, Labelled, RawCall
from cercabandi.crawlers.base import LISTED, CercabandiSpider
from cercabandi.crawlers.fallback import FALLBACK, GenericReading, count_fallback, marked_fallback, read_generic
from cercabandi.crawlers.spiderkit import MainPdfMixin, attachment, report_problem
from cercabandi.crawlers.textfacts import (
    PageShapeError,
    amount_facts,
    clean,
    date_facts,
    node_text,
    sentences,
    unique,
)

NEXT_PAGE_CSS = (
    "a[rel~=next]",
    "li.pager__item--next a",
    "li.pager-next a",
    ".pagination .next a",
    ".pagination a.next",
    "a.next",
)
ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".zip", ".p7m")
_APPLICANTS = re.compile(
    r"possono\s+(?:candidarsi|partecipare|presentare|accedere)|soggetti\s+(?:ammissibili|beneficiari|destinatari|proponenti)"
    r"|beneficiari|destinatari|rivolt[oa]\s+a|who\s+can\s+apply|may\s+apply"
    r"|\beligible\s+(?:are|applicants|authorities|bodies|entities|partners)|\bare\s+eligible"
    r"|\b(?:applications?|calls?|participation)\s+(?:are|is)\s+open\s+to\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ListingLink:
    url: str
    text: str  # the card's visible text (title, date, teaser) as listed


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    text: str
    html: str
    published: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # labelled facts of the page ("Scadenza": ...)
    prose: str = ""  # the main text without the labelled-facts box (facts are not read twice)


def read_listing(
    html: str, base_url: str, *, card_css: str, link_css: str, path: re.Pattern[str]
) -> tuple[list[ListingLink], str | None]:
    """Links to call pages (first occurrence, in page order) and the next page of the list."""
    selector = Selector(text=html)
    links: list[ListingLink] = []
    seen: set[str] = set()
    for card in selector.css(card_css):
        for anchor in card.css(link_css):
            href = (anchor.attrib.get("href") or "").strip()
            if not href or href.startswith(("#", "mailto:", "javascript:")):
                continue
            url = urljoin(base_url, href)
            if not path.search(urlsplit(url).path) or url in seen:
                continue
            seen.add(url)
            links.append(ListingLink(url=url, text=node_text(card).replace("\n", " | ")))
            break
    following: str | None = None
    for css in NEXT_PAGE_CSS:
        next_href = selector.css(css).attrib.get("href")
        if next_href and next_href.strip() not in ("#", ""):
            following = urljoin(base_url, next_href.strip())
            break
    return links, following


def read_page(html: str, url: str, *, content_css: Sequence[str], field_css: str = "") -> Page:
    """Title, main text, publication date, attachments and labelled fields of one call page."""
    selector = Selector(text=html)
    main = None
    for css in content_css:
        found = selector.css(css)
        if found:
            main = found[0]
            break
    if main is None:
        raise PageShapeError(f"{url}: none of {', '.join(content_css)} found: the page layout changed")
    title: str = (
        clean(" ".join(main.css("h1 ::text").getall()))
        or clean(" ".join(selector.css("h1 ::text").getall()))
        or clean(selector.css("meta[property='og:title']::attr(content)").get())
        or clean(selector.css("title::text").get()).split(" | ")[0]
    )
    if not title:
        raise PageShapeError(f"{url}: a call page without a title (h1)")
    published = (
        selector.css("meta[property='article:published_time']::attr(content)").get()
        or main.css("time::attr(datetime)").get()
        or selector.css("time::attr(datetime)").get()
    )
    attachments: list[Attachment] = []
    seen: set[str] = set()
    for anchor in main.css("a[href]"):
        href = anchor.attrib["href"].strip()
        full = urljoin(url, href)
        if full in seen or not urlsplit(full).path.lower().endswith(ATTACHMENT_SUFFIXES):
            continue
        seen.add(full)
        attachments.append(attachment(full, clean(" ".join(anchor.css("::text").getall()))))
    fields: dict[str, str] = {}
    if field_css:
        for node in main.css(field_css):
            label = clean(" ".join(node.css(".label ::text, dt ::text, strong ::text").getall())).rstrip(":")
            value = clean(" ".join(node.css(".value ::text, dd ::text").getall()))
            if not value:
                whole = clean(" ".join(node.css("::text").getall()))
                value = whole[len(label) :].lstrip(": ").strip() if whole.startswith(label) else whole
            if label and value:
                fields[label] = value
    prose = node_text(main)
    if field_css:
        without_box = Selector(text=main.get())
        for node in without_box.css(field_css):
            node.drop()
        prose = node_text(without_box)
    return Page(
        url=url,
        title=title,
        text=node_text(main),
        prose=prose,
        html=main.get(),
        published=clean(published) or None,
        attachments=attachments,
        fields=fields,
    )


def page_from_generic(reading: GenericReading, url: str, html: str) -> Page:
    """A ``Page`` from the generic reading: no labelled box, attachments still found by their links."""
    attachments: list[Attachment] = []
    seen: set[str] = set()
    for anchor in Selector(text=html).css("a[href]"):
        full = urljoin(url, anchor.attrib["href"].strip())
        if full not in seen and urlsplit(full).path.lower().endswith(ATTACHMENT_SUFFIXES):
            seen.add(full)
            attachments.append(attachment(full, clean(" ".join(anchor.css("::text").getall()))))
    body = "".join(f"<p>{escape(line)}</p>" for line in reading.text.split("\n"))
    return Page(
        url=url, title=reading.title, text=reading.text, prose=reading.visible, html=body, attachments=attachments
    )


def applicant_sentences(text: str, limit: int = 4) -> str | None:
    """The sentences saying who may apply, verbatim, joined by a space."""
    found = [s for s in sentences(text) if _APPLICANTS.search(s)]
    return " ".join(found[:limit]) or None


def first_paragraph(html: str) -> str | None:
    for paragraph in Selector(text=html).css("p"):
        text = clean(" ".join(paragraph.css("::text").getall()))
        if len(text) > 40:
            return text
    return None


def native_id_from_url(url: str) -> str:
    """The last meaningful path segment, without extension: stable across re-publications."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        raise PageShapeError(f"{url}: no path to take an id from")
    return re.sub(r"\.(html?|php|aspx?)$", "", segments[-1])


class HtmlCallsSpider(MainPdfMixin, CercabandiSpider):
    """Listing pages -> call pages -> main PDF. Subclasses set where and how; ``build_item`` makes the record."""

    listing_url: ClassVar[str]
    card_css: ClassVar[str] = "article, .views-row, .card, li"
    link_css: ClassVar[str] = "a[href]"
    detail_path: ClassVar[re.Pattern[str]]
    content_css: ClassVar[tuple[str, ...]] = ("main article", "article", "main", "#content")
    field_css: ClassVar[str] = ""
    max_pages: int = 5

    def __init__(self, *args: Any, max_pages: int | str | None = None, pdfs: str = "yes", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if max_pages is not None:
            self.max_pages = int(max_pages)
        self.follow_pdfs = str(pdfs).lower() not in ("no", "false", "0")
        self._pages = 0
        self._calls = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.listing_request(self.listing_url)

    def page_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """Every page's request; ``BrowserFallbackMixin`` puts its browser switch here."""
        return scrapy.Request(url, callback=callback, **kwargs)

    def listing_request(self, url: str) -> scrapy.Request:
        return self.page_request(url, callback=self.parse, errback=self.page_failed)

    def detail_request(self, link: ListingLink) -> scrapy.Request:
        return self.page_request(
            link.url, callback=self.parse_detail, errback=self.page_failed, cb_kwargs={"listing_text": link.text}
        )

    def parse(self, response: Response) -> Iterator[Any]:
        self._pages += 1
        links, following = read_listing(
            response.text, response.url, card_css=self.card_css, link_css=self.link_css, path=self.detail_path
        )
        if not links:
            if self._pages == 1:
                report_problem(
                    self, "empty_listing", f"{response.url}: no links to calls found, the list changed?", listing=True
                )
            return
        if self._pages == 1:
            self.stat(LISTED, len(links))
        if self.check:  # a live check reads one call page of the first listing page, nothing more
            yield self.detail_request(links[0])
            return
        self._calls += len(links)
        for link in links:
            previous = self.unchanged(link)
            yield self.carry_over(previous) if previous is not None else self.detail_request(link)
        if following and following != response.url and self._pages < self.max_pages:
            yield self.listing_request(following)

    def unchanged(self, link: ListingLink) -> dict[str, Any] | None:
        """The stored record of a call whose listing entry reads as when it was stored, else None.

        The listing entry's text (title, date, teaser) is the fingerprint, kept in
        ``extra["listing_text"]``: while it is the same, the call page and its PDF are not
        fetched again. A record whose PDF could not be read is fetched again.
        """
        try:
            previous = self.previous(native_id_from_url(link.url)) if link.text else None
        except PageShapeError:
            return None
        extra = (previous or {}).get("extra") or {}
        if previous is None or extra.get("listing_text") != link.text or "attachment_error" in extra:
            return None
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value("cercabandi/carried_over")
        return previous

    def parse_detail(self, response: Response, listing_text: str = "") -> Iterator[Any]:
        try:
            page, how = self.read_detail(response)
            item = self.build_item(page, listing_text=listing_text, fetched_at=self.now)
        except (PageShapeError, ValueError) as exc:
            report_problem(self, "bad_page", str(exc))
            return
        if item is not None and how == FALLBACK:
            item = marked_fallback(item)
            count_fallback(self)
        if item is not None:
            yield from self.with_main_pdf(item)

    def read_detail(self, response: Response) -> tuple[Page, str]:
        """The page by the source's own selectors, else by the generic reading ("fallback")."""
        try:
            return read_page(response.text, response.url, content_css=self.content_css, field_css=self.field_css), ""
        except PageShapeError as exc:
            generic = read_generic(response.text, response.url)
            if generic is None:
                raise PageShapeError(f"{exc}; the generic reading found no content either") from exc
            self.logger.warning("%s; read by the generic fallback", exc)
            return page_from_generic(generic, response.url, response.text), FALLBACK

    def build_item(self, page: Page, *, listing_text: str, fetched_at: datetime) -> RawCall | None:
        raise NotImplementedError

    def page_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        # A lost list page hides calls; a lost call page loses only that call.
        is_listing = request is not None and request.callback == self.parse
        report_problem(self, "page_failed", f"{url}: {failure.getErrorMessage()}", listing=is_listing)


def facts_from_fields(fields: dict[str, str], mapping: dict[str, tuple[str, str]]) -> dict[str, list[Any]]:
    """Sort a page's labelled fields ("Scadenza": "26 febbraio 2027") into dates, amounts, status and extra.

    ``mapping`` maps a lower-case field label to (kind, label), kind being ``dates``, ``amounts``,
    ``status`` or ``extra``. Unknown fields go to ``extra`` under their own label.
    """
    out: dict[str, list[Any]] = {"dates": [], "amounts": [], "status": [], "extra": []}
    for name, value in fields.items():
        kind, label = mapping.get(name.lower(), ("extra", name))
        if kind in ("dates", "amounts"):
            out[kind].append(Labelled(label=label, value=value))
        elif kind == "status":
            out["status"].append(value)
        else:
            out["extra"].append((label, value))
    return out


def raw_call_from_page(
    page: Page,
    *,
    source: str,
    fetched_at: datetime,
    listing_text: str,
    dates: list[Labelled],
    amounts: list[Labelled],
    extra: dict[str, Any],
    **fields: Any,
) -> RawCall:
    """The record of one call page: what every HTML publisher's record shares, plus its own ``fields``.

    The page itself is the payload; the id is the page's last path segment; the listing's card text
    is kept in ``extra["listing_text"]``; repeated facts are dropped.
    """
    if listing_text:
        extra = {**extra, "listing_text": listing_text}
    return RawCall(
        source=source,
        url=page.url,
        fetched_at=fetched_at,
        native_id=native_id_from_url(page.url),
        title=page.title,
        body=page.text,
        dates=unique(dates),
        amounts=unique(amounts),
        attachments=page.attachments,
        extra=extra,
        payload=page.html,
        payload_type="html",
        **fields,
    )


def raw_call_from_box_page(
    page: Page,
    mapping: dict[str, tuple[str, str]],
    *,
    applicants_field: str,
    source: str,
    fetched_at: datetime,
    listing_text: str,
    **fields: Any,
) -> RawCall:
    """The record of a page with a labelled-facts box (see ``facts_from_fields``), read before the prose.

    Dates and money come from the box, then from the prose's sentences (the box is not read twice);
    who may apply is the box's ``applicants_field`` or else the prose's sentences that say so.
    """
    facts = facts_from_fields(page.fields, mapping)
    extra = dict(facts["extra"])
    return raw_call_from_page(
        page,
        source=source,
        fetched_at=fetched_at,
        listing_text=listing_text,
        dates=[*facts["dates"], *date_facts(page.prose)],
        amounts=[*facts["amounts"], *amount_facts(page.prose)],
        summary=first_paragraph(page.html),
        applicants=extra.pop(applicants_field, None) or applicant_sentences(page.prose),
        status=(facts["status"] or [None])[0],
        extra=extra,
        **fields,
    )
