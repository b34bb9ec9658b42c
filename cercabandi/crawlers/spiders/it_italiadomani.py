"""Italia Domani (PNRR): the calls of the owning administrations, an HTML fragment of 20 per page.

One record is a ``div.item-wrapper``: a row of labelled columns (description with the link,
"Amministrazione titolare", "Data di chiusura", "Stato") and an accordion of label/value pairs
("Data di apertura", "Area geografica", "Tipologia", "Destinatari") beside the PNRR measure
(``h5.item-title`` with its description). Pages follow with ``resultsOffset`` += 20 until a page
holds fewer than 20 records.

The site is reported to answer 403 to plain clients: the spider falls back to a headless browser
(``cercabandi.crawlers.browser``) and crawls slowly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.vocab import DateLabel
from cercabandi.crawlers.base import LISTED, CercabandiSpider
from cercabandi.crawlers.browser import BrowserFallbackMixin, looks_blocked
from cercabandi.crawlers.spiderkit import report_problem
from cercabandi.crawlers.textfacts import PageShapeError, clean, node_text, slugify

SITE = "https://www.italiadomani.gov.it"
FRAGMENT = (
    f"{SITE}/content/sogei-ng/it/it/opportunita/bandi-amministrazioni-titolari/"
    "jcr:content/root/container/newnoticessearch.searchResults.html"
)
PAGE_SIZE = 20
MAX_PAGES = 60  # 1,200 calls: far more than the site has; a guard against a pager that loops


def page_url(offset: int) -> str:
    return f"{FRAGMENT}?{urlencode({'orderby': '@jcr:content/status', 'sort': 'asc', 'resultsOffset': offset})}"


def offset_of(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("resultsOffset", ["0"])
    try:
        return int(values[0])
    except ValueError:
        return 0


def _label_key(text: str) -> str:
    return clean(text).rstrip(":").lower()


# Header columns: ``div.column`` in our first reading; what other scrapers of the live site record
# is bare ``col-lg-3`` / ``col-lg-2`` columns whose label is the first ``<p>`` (no ``.label`` class).
_COLUMNS_CSS = "div.column, div.col-lg-5, div.col-lg-3, div.col-lg-2"
_STATUS_BY_SCRIPT = "status left to the page's JavaScript (div.status-item.loading): only the browser sees it"


def _column_label(column: Selector) -> str:
    return clean(" ".join(column.css(".label ::text").getall())) or clean(
        " ".join(column.xpath("./p[1]//text()").getall())
    )


def _column_value(column: Selector) -> str:
    value_node = column.css(".status-item, p.text, .value") or column.xpath("./p[2]")
    return clean(" ".join(value_node[0].css("::text").getall())) if value_node else ""


def parse_columns(row: Selector) -> dict[str, str]:
    """The labelled columns of the record's header row (label -> value text)."""
    columns: dict[str, str] = {}
    for column in row.css(_COLUMNS_CSS):
        if column.css("div.accordion") or column.xpath("ancestor::div[contains(@class, 'accordion')]"):
            continue
        label, value = _column_label(column), _column_value(column)
        if label and value and _label_key(label) not in columns:
            columns[_label_key(label)] = value
    return columns


def status_left_to_script(row: Selector) -> bool:
    """The status element is an empty placeholder the page's JavaScript fills in."""
    return any(not clean(" ".join(n.css("::text").getall())) for n in row.css("div.status-item.loading"))


def parse_accordion(row: Selector) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for info in row.css("div.accordion .info-time, div.accordion .info-item"):
        label = clean(" ".join(info.css(".info-label ::text").getall()))
        value = clean(" ".join(info.css(".value ::text").getall()))
        if label and value:
            pairs[_label_key(label)] = value
    return pairs


def parse_measure(row: Selector) -> tuple[str | None, str | None]:
    focus = row.css(".focus-item")
    if not focus:
        return None, None
    title = clean(" ".join(focus[0].css("h5.item-title ::text").getall())) or None
    description = node_text(focus[0].css(".single-info")[0]) if focus[0].css(".single-info") else ""
    return title, clean(description) or None


def parse_item(row: Selector, *, base_url: str, fetched_at: datetime) -> RawCall:
    # The description column (title and link) is the first of the row; other columns reuse its classes.
    description = row.css("div.column.description, div.col-lg-5.column") or row.xpath(
        ".//div[contains(@class, 'col-lg-5')][.//p[contains(@class, 'text')]//a]"
    )
    link_node = description.css("a[href]")
    title = clean(" ".join(description[0].css("p.text ::text").getall())) if description else ""
    href = link_node[0].attrib.get("href", "").strip() if link_node else ""
    if not title:
        raise PageShapeError("a record (div.item-wrapper) without a description/title")
    url = urljoin(base_url, href) if href else base_url
    row_id = row.attrib.get("id") or row.attrib.get("data-id")
    if row_id:
        native_id = row_id
    elif href:
        native_id = slugify(urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".html")) or slugify(title)
    else:
        native_id = slugify(title)
    columns = parse_columns(row)
    pairs = parse_accordion(row)
    measure, measure_text = parse_measure(row)
    dates = []
    if opening := pairs.get("data di apertura"):
        dates.append(Labelled(label=DateLabel.OPENING, value=opening))
    if closing := columns.get("data di chiusura") or pairs.get("data di chiusura"):
        dates.append(Labelled(label=DateLabel.DEADLINE, value=closing))
    extra = {}
    if kind := pairs.get("tipologia"):
        extra["tipologia"] = kind
    if measure_text:
        extra["misura_descrizione"] = measure_text
    if "stato" not in columns and status_left_to_script(row):
        extra["status_note"] = _STATUS_BY_SCRIPT
    for key, value in pairs.items():
        if key not in ("data di apertura", "data di chiusura", "area geografica", "tipologia", "destinatari"):
            extra[key] = value
    return RawCall(
        source="it_italiadomani",
        url=url,
        fetched_at=fetched_at,
        native_id=native_id,
        title=title,
        dates=dates,
        applicants=pairs.get("destinatari"),
        territory=pairs.get("area geografica"),
        programme=measure,
        issuer=columns.get("amministrazione titolare"),
        status=columns.get("stato"),
        extra=extra,
        payload=row.get(),
        payload_type="html",
    )


def parse_listing(html: str, *, base_url: str, fetched_at: datetime) -> tuple[list[RawCall], list[str], int]:
    """Records of one page, the problems met, and how many ``div.item-wrapper`` the page had."""
    selector = Selector(text=html)
    rows = selector.css("div.item-wrapper")
    items: list[RawCall] = []
    problems: list[str] = []
    for row in rows:
        try:
            items.append(parse_item(row, base_url=base_url, fetched_at=fetched_at))
        except (PageShapeError, ValueError) as exc:
            problems.append(str(exc))
    return items, problems, len(rows)


class ItItaliadomaniSpider(BrowserFallbackMixin, CercabandiSpider):
    name = "it_italiadomani"
    allowed_domains = ("www.italiadomani.gov.it",)
    browser_wait_for = "div.item-wrapper, .no-results, .search-results"

    def __init__(self, *args: Any, browser: str = "fallback", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.browser = browser
        self._seen: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.page_request(page_url(0), callback=self.parse)

    def parse(self, response: Response) -> Iterator[RawCall | scrapy.Request]:
        if looks_blocked(response):
            retry = self.retry_in_browser(response)
            if retry is not None:
                self.logger.warning("HTTP %s from %s: asking again through the browser", response.status, response.url)
                yield retry
            else:
                report_problem(
                    self, "blocked", f"{response.url} answered {response.status} even to the browser", listing=True
                )
            return
        items, problems, rows = parse_listing(response.text, base_url=response.url, fetched_at=self.now)
        for problem in problems:
            report_problem(self, "bad_record", f"{response.url}: {problem}")
        fresh = [item for item in items if item.native_id not in self._seen]
        for item in fresh:
            self._seen.add(item.native_id)
            yield item
        offset = offset_of(response.url)
        if offset == 0:
            self.stat(LISTED, rows)
        if rows >= PAGE_SIZE and fresh and offset // PAGE_SIZE + 1 < MAX_PAGES and not self.check:
            yield self.page_request(page_url(offset + PAGE_SIZE), callback=self.parse)
        elif rows == 0 and offset == 0:
            report_problem(
                self, "empty_listing", f"{response.url} lists no calls (div.item-wrapper): page changed?", listing=True
            )
