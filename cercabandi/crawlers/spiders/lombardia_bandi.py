"""Regione Lombardia: the open-data index of regional calls, enriched with Bandi Online detail pages.

Index: Socrata dataset ``bukx-h2uy`` (``$limit``/``$offset`` pages ordered by
``codice_bando``), minus "Concorsi Pubblici e Avvisi sul Personale" (job
competitions, not funding). It has no status, description or applicants.

Detail: for each call that is new or whose index row changed, and that is not long
closed, the Bandi Online page adds the closing hour (hidden ``input.checkCloseDate``
and ``strong[data-entity=...]``), the status chip, "Chi può partecipare"
(``#partecipanti``), the funding sources, the meta description and the
attachments. Detail URLs come from the site's ``sitemap.xml`` (code -> URL), fetched
only when some detail is needed. An unknown code answers HTTP 200 with an
"Errore" page: detected, counted as an error, and the index record is kept.
Without a detail page the index row still yields a call.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from parsel import Selector
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from cercabandi.core.models import Attachment, Labelled, RawCall
from cercabandi.core.sources import LOMBARDIA_DATA_INDEX, bandi_online_page
from cercabandi.core.vocab import AmountLabel, DateLabel
from cercabandi.crawlers.base import LISTED, CercabandiSpider, labelled, raw_call
from cercabandi.crawlers.fallback import FALLBACK, GenericReading, count_fallback, read_generic
from cercabandi.crawlers.textfacts import amount_facts, date_facts, node_text

INDEX_URL = LOMBARDIA_DATA_INDEX
SITE = "https://www.bandi.regione.lombardia.it"
SITEMAP_URL = f"{SITE}/sitemap.xml"
DETAIL_PATH = "/servizi/servizio/bandi/dettaglio/"
PAGE_SIZE = 1000
MAX_PAGES = 50
EXCLUDED_TYPES = frozenset({"Concorsi Pubblici e Avvisi sul Personale"})
DETAIL_AFTER_CLOSING = timedelta(days=30)  # a call closed longer ago gets no detail request
ROLLING_DETAIL_YEARS = 3  # "a sportello" calls (no closing date) opened longer ago get none either
_SPACES = re.compile(r"\s+")
_CODE_IN_URL = re.compile(r"-([A-Za-z0-9]+)/?$")


def index_url(offset: int) -> str:
    query = {"$limit": PAGE_SIZE, "$offset": offset, "$order": "codice_bando"}
    return f"{INDEX_URL}?{urlencode(query, safe='$')}"


def record_url(code: str) -> str:
    """The open-data record of a call (kept as ``extra["data_url"]``; the call's url is a page to read)."""
    return f"{INDEX_URL}?{urlencode({'codice_bando': code})}"


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = _SPACES.sub(" ", text).strip()
    return cleaned or None


def _date_part(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:10])
    except ValueError:
        return None


def wants_detail(row: dict[str, Any], now: datetime) -> bool:
    """Whether a row is worth a detail request: open, forthcoming or recently closed."""
    closing = _date_part(row.get("chiusura_adesione"))
    today = now.replace(tzinfo=None)
    if closing is not None:
        return closing >= today - DETAIL_AFTER_CLOSING
    opening = _date_part(row.get("apertura_adesione"))
    return opening is None or opening >= today - timedelta(days=365 * ROLLING_DETAIL_YEARS)


def sitemap_map(xml_text: str) -> dict[str, str]:
    """code -> detail URL, from the ``<loc>`` entries of the sitemap."""
    found: dict[str, str] = {}
    for loc in re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", xml_text):
        if DETAIL_PATH not in loc:
            continue
        match = _CODE_IN_URL.search(loc)
        if match:
            found.setdefault(match.group(1), loc)
    return found


# ------------------------------------------------------------ detail extraction


def is_error_page(page: Selector) -> bool:
    title = _clean(page.css("title::text").get()) or ""
    return title.lower().startswith("errore")


def _parse_close_date(page: Selector) -> str | None:
    return _clean(page.css("input.checkCloseDate::attr(value)").get())


def _entity_line(page: Selector, entity: str) -> str | None:
    """The whole line around ``strong[data-entity=X]``: "Scade il: 07/09/2026 , ore 12:00"."""
    strong = page.css(f'strong[data-entity="{entity}"]')
    if not strong:
        return None
    parent = strong.xpath("..")
    return _clean(" ".join(parent.xpath(".//text()").getall())) or _clean(" ".join(strong.xpath(".//text()").getall()))


# The line's opening words, for pages of the older layout (2021) whose ``strong`` has no data-entity.
_LINE_STARTS = {"pubblicazione": "Pubblicato il", "apertura": "Domande dal", "chiusura": "Scade il"}


def _date_line(page: Selector, entity: str) -> str | None:
    """The line of a date: by ``data-entity`` (2026 layout), else by its words ("Scade il: 29/10/2021 ,")."""
    line = _entity_line(page, entity)
    if line:
        return line
    found = page.xpath(f'//p[starts-with(normalize-space(.), "{_LINE_STARTS[entity]}")]')
    return _clean(" ".join(found[0].xpath(".//text()").getall())) if found else None


def _parse_dates(page: Selector | None, row: dict[str, Any]) -> list[Labelled]:
    dates: list[Labelled] = []
    published = _date_line(page, "pubblicazione") if page is not None else None
    opening = _date_line(page, "apertura") if page is not None else None
    closing_input = _parse_close_date(page) if page is not None else None
    closing_line = _date_line(page, "chiusura") if page is not None else None
    dates += labelled(DateLabel.PUBLISHED, published)
    dates += labelled(DateLabel.OPENING, opening or row.get("apertura_adesione"))
    # The hidden input holds date and hour unambiguously; the line is the fallback.
    dates += labelled(DateLabel.DEADLINE, closing_input or closing_line or row.get("chiusura_adesione"))
    return dates


def _parse_status(page: Selector) -> str | None:
    """The status chip (2026 layout) or the ``small.badge`` of the older one ("Aperto")."""
    return _clean(page.css(".chip .chip-label::text").get()) or _clean(
        " ".join(page.css("small.badge ::text").getall())
    )


def _parse_amounts(page: Selector) -> list[Labelled]:
    """The "Dotazione finanziaria" section (``#dotazioni``): its money sentences, else its whole text as budget."""
    block = page.css("#dotazioni .collapse-body") or page.css("#dotazioni")
    if not block:
        return []
    text = node_text(block[0])
    return amount_facts(text) or labelled(AmountLabel.BUDGET, _clean(text))


def _parse_applicants(page: Selector) -> str | None:
    block = page.css("#partecipanti")
    if not block:
        return None
    return _clean(" ".join(block.xpath(".//text()").getall()))


def _parse_funding_sources(page: Selector) -> str | None:
    label = page.xpath('//small[contains(normalize-space(.), "Fonti di finanziamento")]')
    if not label:
        return None
    rows = label.xpath("following::div[contains(concat(' ', normalize-space(@class), ' '), ' row ')][1]")
    sources = [_clean(t) for t in rows.css("span::text").getall()]
    return "; ".join(s for s in sources if s) or None


def _parse_description(page: Selector) -> str | None:
    return _clean(page.css('meta[name="description"]::attr(content)').get())


def _parse_body(page: Selector) -> str | None:
    """The accordion sections (what, who, how much...) as published, headings kept."""
    parts = []
    for header in page.css(".collapse-header"):
        target = header.css("button::attr(data-target)").get() or ""
        heading = _clean(" ".join(header.css(".head-text ::text").getall()))
        body = page.css(f"{target} .collapse-body").get() if target.startswith("#") else None
        if body:
            parts.append(f"<h3>{heading or ''}</h3>{body}")
    return "\n".join(parts) or None


def _parse_attachments(page: Selector, base_url: str) -> list[Attachment]:
    attachments: list[Attachment] = []
    seen: set[str] = set()
    for link in page.css('a[href*="/servizi/servizio/bandi/download/"]'):
        href = link.attrib.get("href", "")
        url = href if href.startswith("http") else SITE + href if href.startswith("/") else base_url + href
        if url in seen:
            continue
        seen.add(url)
        title = _clean(" ".join(link.xpath(".//text()").getall())) or _clean(link.attrib.get("title"))
        attachments.append(Attachment(url=url, title=title))
    return attachments


def build_call(
    row: dict[str, Any],
    *,
    fetched_at: datetime,
    detail_url: str | None = None,
    html: str | None = None,
    note: dict[str, str] | None = None,
) -> RawCall:
    """One call from its index row and, when fetched and valid, its detail page."""
    code = str(row.get("codice_bando") or "").strip()
    page = Selector(text=html) if html else None
    extra = {
        key: str(row[key])
        for key in ("tipo_strumento", "direzione_generale", "ente", "presentato", "chiusura_adesione")
        if row.get(key) not in (None, "")
    }
    extra.update(note or {})
    extra["data_url"] = record_url(code)
    if page is not None:
        closing_line = _date_line(page, "chiusura")
        if closing_line:
            extra["closing_text"] = closing_line
    return raw_call(
        source="lombardia_bandi",
        url=detail_url if page is not None and detail_url else bandi_online_page(code),
        fetched_at=fetched_at,
        native_id=code,
        title=_clean(row.get("titolo_bando")),
        summary=_parse_description(page) if page is not None else None,
        body=_parse_body(page) if page is not None else None,
        dates=_parse_dates(page, row),
        amounts=_parse_amounts(page) if page is not None else [],
        applicants=_parse_applicants(page) if page is not None else None,
        territory="Lombardia",
        programme=_parse_funding_sources(page) if page is not None else None,
        issuer=_clean(row.get("ente")),
        status=_parse_status(page) if page is not None else None,
        attachments=_parse_attachments(page, detail_url or SITE) if page is not None else [],
        extra=extra,
        payload={"index": row, "detail_url": detail_url if page is not None else None, "detail_html": html},
        payload_type="json",
    )


def recognised(page: Selector) -> bool:
    """Whether the page has the structure this spider reads (either layout): chip or badge, dates, sections.

    Lines found only by their words ("Scade il: …") do not count: on a page whose structure is gone
    they are still read, but the body and who may apply come from the generic reading.
    """
    return bool(
        _parse_close_date(page) or _parse_status(page) or page.css("[data-entity], #partecipanti, .collapse-header")
    )


def with_generic_reading(call: RawCall, reading: GenericReading) -> RawCall:
    """The call with the page's main text and its labelled sentences, marked as read by the fallback."""
    return call.model_copy(
        update={
            "body": reading.text,
            "dates": [*call.dates, *date_facts(reading.text)],
            "amounts": [*call.amounts, *amount_facts(reading.text)],
            "extra": {**call.extra, "extraction": FALLBACK},
        }
    )


# --------------------------------------------------------------------- spider


class LombardiaBandiSpider(CercabandiSpider):
    name = "lombardia_bandi"
    allowed_domains = ("www.dati.lombardia.it", "dati.lombardia.it", "www.bandi.regione.lombardia.it")
    # Bandi Online asks for one request every two seconds (SOURCES.md); replay lifts it.
    custom_settings = {"DOWNLOAD_DELAY": 2.0}  # noqa: RUF012 - Scrapy reads a plain dict

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: set[str] = set()
        self.waiting: list[dict[str, Any]] = []

    def index_request(self, offset: int) -> Request:
        return Request(
            index_url(offset),
            headers={"Accept": "application/json"},
            callback=self.parse_index,
            errback=self.index_failed,
            cb_kwargs={"offset": offset},
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.index_request(0)

    def parse_index(self, response: Response, offset: int) -> Iterator[Any]:
        try:
            rows = json.loads(response.text)
            if not isinstance(rows, list):
                raise ValueError("not a JSON list of rows")
        except ValueError as exc:
            self.mark_incomplete(f"index page at offset {offset} unreadable: {exc}")
            yield from self.after_index()
            return
        if offset == 0:
            self.stat(LISTED, len(rows))
        if self.check:  # a live check reads one call page: the first row that has one worth reading
            self.waiting = [
                r for r in rows if isinstance(r, dict) and r.get("codice_bando") and wants_detail(r, self.now)
            ][:1]
            yield from self.after_index()
            return
        for row in rows:
            yield from self.handle_row(row)
        if len(rows) >= PAGE_SIZE and offset // PAGE_SIZE < MAX_PAGES:
            yield self.index_request(offset + PAGE_SIZE)
            return
        yield from self.after_index()

    def handle_row(self, row: Any) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("cercabandi/listing_records")
        if not isinstance(row, dict) or not str(row.get("codice_bando") or "").strip():
            self.count_error("row_without_code", f"index row without codice_bando: {str(row)[:200]}")
            return
        if row.get("tipo_strumento") in EXCLUDED_TYPES:
            stats.inc_value("cercabandi/skipped/personnel_competition")
            return
        code = str(row["codice_bando"]).strip()
        if code in self.seen:
            stats.inc_value("cercabandi/skipped/duplicate")
            return
        self.seen.add(code)
        previous = self.previous(code)
        if previous is not None and self._unchanged(previous, row):
            stats.inc_value("cercabandi/carried_over")
            yield self.carry_over(previous)
        elif wants_detail(row, self.now):
            self.waiting.append(row)
        else:
            yield build_call(row, fetched_at=self.now)

    @staticmethod
    def _unchanged(previous: dict[str, Any], row: dict[str, Any]) -> bool:
        payload = previous.get("payload") or {}
        return payload.get("index") == row and "detail_error" not in (previous.get("extra") or {})

    def index_failed(self, failure: Failure) -> Iterator[Any]:
        offset = failure.request.cb_kwargs.get("offset")  # type: ignore[attr-defined]
        self.mark_incomplete(f"index page at offset {offset} failed: {failure.getErrorMessage()}")
        yield from self.after_index()

    def after_index(self) -> Iterator[Any]:
        if self.waiting:
            yield Request(SITEMAP_URL, callback=self.parse_sitemap, errback=self.sitemap_failed)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        urls = sitemap_map(response.text)
        if not urls:
            self.count_error("sitemap_empty", f"{response.url} lists no detail page")
        for row in self.waiting:
            code = str(row["codice_bando"]).strip()
            url = urls.get(code)
            if url is None:
                self.crawler.stats.inc_value("cercabandi/detail_not_in_sitemap")  # type: ignore[union-attr]
                yield build_call(row, fetched_at=self.now, note={"detail_missing": "not in sitemap"})
            else:
                yield Request(
                    url, callback=self.parse_detail, errback=self.detail_failed, cb_kwargs={"row": row, "url": url}
                )
        self.waiting = []

    def sitemap_failed(self, failure: Failure) -> Iterator[Any]:
        self.count_error("sitemap_failed", f"{SITEMAP_URL}: {failure.getErrorMessage()}")
        for row in self.waiting:
            yield build_call(row, fetched_at=self.now, note={"detail_error": "sitemap unavailable"})
        self.waiting = []

    def parse_detail(self, response: Response, row: dict[str, Any], url: str) -> Iterator[Any]:
        page = Selector(text=response.text)
        if is_error_page(page):
            self.count_error("error_page", f"{url} answered an 'Errore' page for {row.get('codice_bando')}")
            yield build_call(row, fetched_at=self.now, note={"detail_error": "error page"})
            return
        call = build_call(row, fetched_at=self.now, detail_url=url, html=response.text)
        if not recognised(page):
            generic = read_generic(response.text, url)
            if generic is None:
                self.count_error("detail_unrecognised", f"{url}: none of the expected detail fields found")
            else:
                self.logger.warning("%s: none of the expected detail fields found; read by the generic fallback", url)
                call = with_generic_reading(call, generic)
                count_fallback(self)
        yield call

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        self.count_error("detail_failed", f"{request.url}: {failure.getErrorMessage()}")
        yield build_call(request.cb_kwargs["row"], fetched_at=self.now, note={"detail_error": "download failed"})
