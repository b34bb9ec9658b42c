"""European Urban Initiative: key facts box, prose facts in English, Terms of Reference PDF."""

from __future__ import annotations

from scrapy.http import Request
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from cercabandi.crawlers.spiders.eu_urban_initiative import EuUrbanInitiativeSpider
from tests.crawlers.kit import (
    check_expected,
    detail,
    fixture_response,
    follow_pdf,
    labels,
    split_output,
)

SOURCE = "eu_urban_initiative"


def test_listing() -> None:
    spider = EuUrbanInitiativeSpider()
    items, requests = split_output(spider.parse(fixture_response(SOURCE, "listing.html")))
    assert items == []
    assert [r.url for r in requests] == [
        "https://www.urban-initiative.eu/calls-proposals/fourth-call-proposals-innovative-actions",
        "https://www.urban-initiative.eu/calls-proposals/third-call-proposals-innovative-actions",
    ]


def test_call_page_key_facts_and_prose() -> None:
    spider = EuUrbanInitiativeSpider()
    _, (pdf_request,) = detail(spider, SOURCE, "detail_fourth_call.html")
    (item,) = follow_pdf(spider, pdf_request, SOURCE, "EUI-IA-Call4-Terms-of-Reference.pdf")
    check_expected(SOURCE, "detail_fourth_call.html", [item])
    assert labels(item, "dates")[:2] == [("opening", "2 October 2026"), ("deadline", "26 January 2027, 14:00 CET")]
    amounts = labels(item, "amounts")
    assert amounts[:3] == [
        ("budget", "EUR 120 million ERDF"),
        ("grant_max", "EUR 5 million"),
        ("cofinancing", "80%"),
    ]
    assert ("grant_max", "Each project can receive up to EUR 5 million ERDF.") in amounts
    assert item.status == "Open"
    assert item.applicants and item.applicants.startswith("Eligible are urban authorities")
    assert item.extra["topic"].startswith("Affordable and sustainable housing")
    assert "Deadline for submission: 26 January 2027" in (item.attachments[0].text or "")


def test_pdf_download_failure_keeps_the_record() -> None:
    spider = EuUrbanInitiativeSpider()
    _, (pdf_request,) = detail(spider, SOURCE, "detail_fourth_call.html")
    failure = Failure(TwistedTimeoutError("took too long"))
    failure.request = pdf_request  # type: ignore[attr-defined]
    (item,) = list(spider._pdf_failed(failure))
    assert item.native_id == "fourth-call-proposals-innovative-actions"
    assert "TimeoutError" in item.extra["attachment_error"]


def test_failed_listing_marks_nothing_and_is_reported(caplog) -> None:  # type: ignore[no-untyped-def]
    spider = EuUrbanInitiativeSpider()
    failure = Failure(TwistedTimeoutError("listing down"))
    failure.request = Request(spider.listing_url, callback=spider.parse)  # type: ignore[attr-defined]
    spider.page_failed(failure)
    assert "page_failed" in caplog.text


def test_the_spider_asks_the_live_host() -> None:
    """Issue #15: the site lives at www.urban-initiative.eu; the bare domain is a redirect at best."""
    request = EuUrbanInitiativeSpider().listing_request(EuUrbanInitiativeSpider.listing_url)
    assert request.url.startswith("https://www.urban-initiative.eu/")
    assert "www.urban-initiative.eu" in EuUrbanInitiativeSpider.allowed_domains
