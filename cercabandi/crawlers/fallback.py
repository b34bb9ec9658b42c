"""The generic reading of a call page whose own selectors found nothing (the publisher's layout drifted).

A spider's selectors are precise and brittle: a redesign renames the classes they rely on. Rather
than lose the call, its page is read the way a reader-mode would: the main content found by
trafilatura (boilerplate, menus and footers left out), the title from the page's metadata or its
first heading. The spider then labels the text's sentences with ``textfacts`` as usual. A record
read this way says so (``extra["extraction"] = "fallback"``) and is counted in the crawl stats
(``cercabandi/fallbacks``), so the source shows as ``degraded`` until its spider is fixed.

Pure functions: no Scrapy, no network (trafilatura works on the HTML it is given), no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import trafilatura
from parsel import Selector

from cercabandi.core.models import RawCall
from cercabandi.crawlers.base import FALLBACKS
from cercabandi.crawlers.textfacts import clean, node_text

FALLBACK = "fallback"  # the value of extra["extraction"] for records read this way
MIN_TEXT = 200  # fewer characters of main text: not a call page (an error page, a menu)


@dataclass(frozen=True)
class GenericReading:
    title: str
    text: str  # the main content, one paragraph a line
    visible: str  # all the page's visible text outside navigation: a facts box trafilatura left out is here


def _title(html: str, found: str | None) -> str:
    page = Selector(text=html)
    return (
        clean(" ".join(page.css("h1 ::text").getall()))
        or clean(found)
        or clean(page.css("meta[property='og:title']::attr(content)").get())
        or clean(page.css("title::text").get()).split(" | ")[0]
    )


def visible_text(html: str) -> str:
    """The text of ``<body>`` without navigation, header, footer and forms."""
    body = Selector(text=html).xpath("//body")
    if not body:
        return ""
    for node in body[0].xpath(".//nav | .//header | .//footer | .//form"):
        node.drop()
    return node_text(body[0])


def read_generic(html: str, url: str) -> GenericReading | None:
    """The page's title and main text, or None when it does not read as a page with content."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        with_metadata=True,
        as_dict=False,
    )
    if document is None:
        return None
    found = document if isinstance(document, dict) else document.as_dict()
    raw_text = str(found.get("text") or "")
    text = "\n".join(line for line in (clean(part) for part in raw_text.split("\n")) if line)
    title = _title(html, found.get("title"))
    if not title or len(text) < MIN_TEXT:
        return None
    # trafilatura's date is a guess (htmldate): the prose's labelled sentences say more, and truly.
    return GenericReading(title=title, text=text, visible=visible_text(html))


def marked_fallback(item: RawCall) -> RawCall:
    return item.model_copy(update={"extra": {**item.extra, "extraction": FALLBACK}})


def count_fallback(spider: Any) -> None:
    """Count a page read by the fallback in the crawl stats (outside a crawl there are none)."""
    stats = getattr(getattr(spider, "crawler", None), "stats", None)
    if stats is not None:
        stats.inc_value(FALLBACKS)
