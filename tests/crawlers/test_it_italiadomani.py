"""Italia Domani: the search fragment, its pages of 20, and the browser fallback on a block."""

from __future__ import annotations

import pytest

from cercabandi.crawlers.browser import CHROMIUM, browser_context, looks_blocked, playwright_settings
from cercabandi.crawlers.spiders.it_italiadomani import ItItaliadomaniSpider, page_url
from tests.crawlers.kit import check_expected, fixture_response, labels, split_output

SOURCE = "it_italiadomani"


def crawl(name: str, spider: ItItaliadomaniSpider | None = None, **meta: object) -> tuple[list, list]:
    spider = spider or ItItaliadomaniSpider()
    return split_output(spider.parse(fixture_response(SOURCE, name, request_meta=dict(meta))))


def test_listing_page_of_twenty_asks_for_the_next() -> None:
    items, requests = crawl("page_000.html")
    assert len(items) == 20
    assert [r.url for r in requests] == [page_url(20)]
    assert "playwright" not in requests[0].meta  # plain requests until the site blocks us
    check_expected(SOURCE, "page_000.html", items[:4])


def test_record_fields() -> None:
    items, _ = crawl("page_000.html")
    first = items[0]
    assert first.native_id == "avviso-rigenerazione-urbana-piccoli-comuni-2026"
    assert first.url == (
        "https://www.italiadomani.gov.it/it/opportunita/bandi-amministrazioni-titolari/"
        "avviso-rigenerazione-urbana-piccoli-comuni-2026.html"
    )
    assert first.issuer == "Ministero dell'Interno"
    assert first.status == "In corso"
    assert labels(first, "dates") == [("opening", "15/10/2026"), ("deadline", "31/01/2027")]
    assert first.applicants == "Comuni con popolazione superiore a 15.000 abitanti; Città metropolitane"
    assert first.territory == "Tutto il territorio nazionale"
    assert first.programme == "M5C2I2.1 - Investimenti in progetti di rigenerazione urbana"
    assert first.extra["tipologia"] == "Avviso"
    assert first.payload.startswith('<div class="item-wrapper"')


def test_last_page_stops_and_reports_a_broken_record(caplog: pytest.LogCaptureFixture) -> None:
    items, requests = crawl("page_020.html")
    assert [item.native_id for item in items] == ["avviso-biodiversita-parchi-urbani", "bando-cammini-religiosi"]
    assert requests == []
    assert "without a description/title" in caplog.text


def test_a_page_repeating_known_records_ends_the_crawl() -> None:
    spider = ItItaliadomaniSpider()
    crawl("page_000.html", spider)
    items, requests = crawl("page_000.html", spider)  # a pager that loops back to the first page
    assert items == [] and requests == []


def test_empty_listing_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    assert crawl("page_empty.html") == ([], [])
    assert "empty_listing" in caplog.text


def test_block_is_retried_through_the_browser() -> None:
    response = fixture_response(SOURCE, "blocked_403.html")
    assert looks_blocked(response)
    items, requests = crawl("blocked_403.html")
    assert items == []
    (retry,) = requests
    assert retry.url == response.url and retry.meta["playwright"] is True
    assert retry.dont_filter


def test_block_seen_by_the_browser_too_is_an_error(caplog: pytest.LogCaptureFixture) -> None:
    # through the browser the 403 may be the stale status of a passed challenge: the content decides
    assert crawl("blocked_403.html", playwright=True) == ([], [])
    assert "empty_listing" in caplog.text


def test_browser_never_means_no_retry() -> None:
    assert crawl("blocked_403.html", ItItaliadomaniSpider(browser="never")) == ([], [])


def test_browser_always_marks_the_first_request() -> None:
    spider = ItItaliadomaniSpider(browser="always")
    request = spider.page_request(page_url(0), callback=spider.parse)
    assert request.meta["playwright"] is True


def test_browser_settings_use_debian_chromium_and_our_user_agent() -> None:
    settings = playwright_settings()
    assert settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == CHROMIUM == "/usr/bin/chromium"
    assert "--no-sandbox" in settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]
    assert "PLAYWRIGHT_CONTEXTS" not in settings  # no browser launched unless a page needs it
    assert browser_context("cercabandi/0.1 (+x; a@b.it)")["user_agent"] == "cercabandi/0.1 (+x; a@b.it)"


def test_live_row_shape_columns_labelled_by_their_first_paragraph() -> None:
    """Issue #15: bare col-lg-3/col-lg-2 columns (label = first <p>) and a status left to JavaScript."""
    (item,), _ = crawl("page_live_shape.html")
    assert item.title == "Avviso pubblico per il potenziamento degli asili nido"
    assert item.issuer == "Ministero dell'Istruzione e del Merito"
    assert labels(item, "dates") == [("opening", "01/12/2026"), ("deadline", "28/02/2027")]
    assert item.applicants == "Comuni"
    assert item.status is None and "JavaScript" in item.extra["status_note"]
