"""A night after the first: the HTML spiders fetch only the calls whose listing entry changed.

The known state is what the runner hands a spider: ``{native_id: last stored record}``. A call
whose listing entry (title, date, teaser: ``extra["listing_text"]``) reads as when it was stored is
yielded again from the store, with no request for its page or its PDF; a changed entry is fetched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import scrapy

from cercabandi.core.models import RawCall
from cercabandi.crawlers.htmlcalls import HtmlCallsSpider, native_id_from_url
from cercabandi.crawlers.spiders.eu_urban_initiative import EuUrbanInitiativeSpider
from cercabandi.crawlers.spiders.fnd_cariplo import FndCariploSpider
from cercabandi.crawlers.spiders.it_coesione import ItCoesioneSpider
from cercabandi.crawlers.spiders.it_dait import ItDaitSpider
from tests.crawlers.kit import FETCHED_AT, fixture_response, follow_pdf, meta, split_output

# source: (spider, a listing page, the call page recorded for one of its entries, that call's PDF)
CASES: dict[str, tuple[type[HtmlCallsSpider], str, str, str | None]] = {
    "it_coesione": (ItCoesioneSpider, "listing_p1.html", "detail_priga.html", "avviso-priga-2026.pdf"),
    "it_dait": (ItDaitSpider, "listing_p0.html", "detail_decree.html", None),
    "fnd_cariplo": (
        FndCariploSpider,
        "listing.html",
        "detail_spazi_verdi.html",
        "bando-spazi-verdi-e-comunita-2026.pdf",
    ),
    "eu_urban_initiative": (
        EuUrbanInitiativeSpider,
        "listing.html",
        "detail_fourth_call.html",
        "EUI-IA-Call4-Terms-of-Reference.pdf",
    ),
}

MakeSpider = Callable[..., Any]


def first_night(make_spider: MakeSpider, source: str) -> tuple[list[scrapy.Request], dict[str, dict[str, Any]]]:
    """Crawl the listing with nothing known; store what the call pages give (the recorded one for real)."""
    cls, listing, detail, pdf = CASES[source]
    spider = make_spider(cls)
    items, requests = split_output(spider.parse(fixture_response(source, listing)))
    assert items == []
    pages = [r for r in requests if r.callback == spider.parse_detail]
    assert len(pages) >= 2
    known: dict[str, dict[str, Any]] = {}
    recorded = meta(source, detail)["url"]
    assert recorded in [r.url for r in pages], "the recorded call page is listed"
    for request in pages:
        if request.url == recorded:
            calls, pdf_requests = split_output(
                spider.parse_detail(fixture_response(source, detail), listing_text=request.cb_kwargs["listing_text"])
            )
            if pdf:
                calls = follow_pdf(spider, pdf_requests[0], source, pdf)
            (call,) = calls
        else:  # stored on an earlier night from its own page
            call = RawCall(
                source=source,
                url=request.url,
                fetched_at=FETCHED_AT,
                native_id=native_id_from_url(request.url),
                title=request.cb_kwargs["listing_text"][:80],
                extra={"listing_text": request.cb_kwargs["listing_text"]},
            )
        known[call.native_id] = call.model_dump(mode="json")  # as the database hands it back
    return requests, known


def next_night(
    make_spider: MakeSpider, source: str, known: dict[str, Any], tmp_path: Path
) -> tuple[Any, list[RawCall], list[scrapy.Request]]:
    cls, listing, _, _ = CASES[source]
    path = tmp_path / "known.json"
    path.write_text(json.dumps(known), encoding="utf-8")
    spider = make_spider(cls, known=str(path))
    items, requests = split_output(spider.parse(fixture_response(source, listing)))
    return spider, items, requests


@pytest.mark.parametrize("source", sorted(CASES))
def test_unchanged_entries_are_not_fetched_again(make_spider: MakeSpider, source: str, tmp_path: Path) -> None:
    first_requests, known = first_night(make_spider, source)
    spider, items, requests = next_night(make_spider, source, known, tmp_path)

    assert [r.callback for r in requests if r.callback == spider.parse_detail] == []  # no call page, no PDF
    listing_pages = [r.url for r in first_requests if getattr(r.callback, "__name__", "") == "parse"]
    assert [r.url for r in requests] == listing_pages  # only the next listing page, if any
    assert sorted(i.native_id for i in items) == sorted(known)  # every call still yielded
    # The same records as stored: the night ends with 0 changed.
    assert sorted(i.payload_hash() for i in items) == sorted(
        RawCall.model_validate(r).payload_hash() for r in known.values()
    )
    assert all(i.fetched_at == spider.now for i in items)
    assert spider.crawler.stats.get_value("cercabandi/carried_over") == len(known)


@pytest.mark.parametrize("source", sorted(CASES))
def test_a_changed_entry_is_fetched_again(make_spider: MakeSpider, source: str, tmp_path: Path) -> None:
    _, known = first_night(make_spider, source)
    changed = meta(source, CASES[source][2])["url"]
    record = known[native_id_from_url(changed)]
    record["extra"]["listing_text"] = record["extra"]["listing_text"].replace("2026", "2025", 1) + " (before)"
    spider, items, requests = next_night(make_spider, source, known, tmp_path)

    assert [r.url for r in requests if r.callback == spider.parse_detail] == [changed]
    assert sorted(i.native_id for i in items) == sorted(set(known) - {record["native_id"]})
    assert spider.crawler.stats.get_value("cercabandi/carried_over") == len(known) - 1


def test_a_call_whose_pdf_failed_is_fetched_again(make_spider: MakeSpider, tmp_path: Path) -> None:
    _, known = first_night(make_spider, "it_coesione")
    changed = meta("it_coesione", "detail_priga.html")["url"]
    known[native_id_from_url(changed)]["extra"]["attachment_error"] = "HTTP 503 for the notice"
    spider, items, requests = next_night(make_spider, "it_coesione", known, tmp_path)
    assert [r.url for r in requests if r.callback == spider.parse_detail] == [changed]
    assert len(items) == len(known) - 1


def test_a_new_entry_is_fetched(make_spider: MakeSpider, tmp_path: Path) -> None:
    _, known = first_night(make_spider, "it_dait")
    gone = sorted(known)[0]
    del known[gone]  # a call the store has never seen
    spider, items, requests = next_night(make_spider, "it_dait", known, tmp_path)
    assert [native_id_from_url(r.url) for r in requests if r.callback == spider.parse_detail] == [gone]
    assert len(items) == len(known)
