"""Dipartimento per le politiche di coesione: list pages, call pages, the notice's PDF."""

from __future__ import annotations

import pytest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from cercabandi.crawlers.spiders.it_coesione import ItCoesioneSpider
from tests.crawlers.kit import (
    check_expected,
    detail,
    fixture_response,
    follow_pdf,
    labels,
    split_output,
)

SOURCE = "it_coesione"


def test_listing_links_calls_and_next_page() -> None:
    spider = ItCoesioneSpider()
    items, requests = split_output(spider.parse(fixture_response(SOURCE, "listing_p1.html")))
    assert items == []
    assert [r.url.rsplit("/", 2)[-2] for r in requests[:3]] == [
        "avviso-pubblico-non-competitivo-supporto-ai-priga",
        "avviso-pubblico-per-la-selezione-di-interventi-di-prevenzione-del-rischio-sismico",
        "contrasto-alla-poverta-educativa-fsc",
    ]  # the news link is not a call
    assert requests[3].url == "https://politichecoesione.governo.it/it/finanziamenti-avvisi-e-bandi/?page=2"
    assert requests[0].cb_kwargs["listing_text"].startswith("Pubblicato il 25/11/2026")


def test_last_listing_page_has_no_next() -> None:
    spider = ItCoesioneSpider()
    _, requests = split_output(spider.parse(fixture_response(SOURCE, "listing_p2.html")))
    assert [r.callback for r in requests] == [spider.parse_detail]


def test_max_pages_stops_the_listing() -> None:
    spider = ItCoesioneSpider(max_pages=1)
    _, requests = split_output(spider.parse(fixture_response(SOURCE, "listing_p1.html")))
    assert all(r.callback == spider.parse_detail for r in requests)


def test_empty_listing_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    assert split_output(ItCoesioneSpider().parse(fixture_response(SOURCE, "listing_empty.html"))) == ([], [])
    assert "empty_listing" in caplog.text


def test_call_page_then_pdf() -> None:
    spider = ItCoesioneSpider()
    items, requests = detail(spider, SOURCE, "detail_priga.html", "Pubblicato il 25/11/2026")
    assert items == []
    (pdf_request,) = requests
    assert pdf_request.url == "https://politichecoesione.governo.it/media/4821/avviso-priga-2026.pdf"
    (item,) = follow_pdf(spider, pdf_request, SOURCE, "avviso-priga-2026.pdf")
    check_expected(SOURCE, "detail_priga.html", [item])
    assert item.native_id == "avviso-pubblico-non-competitivo-supporto-ai-priga"
    assert ("period", item.applicants) in labels(item, "dates")
    assert labels(item, "dates")[0] == ("published", "2026-11-25T10:30:00+01:00")
    assert ("grant_max", "Il contributo massimo per ciascuna proposta è pari a 1.500.000 euro.") in labels(
        item, "amounts"
    )
    assert [a.url.rsplit("/", 1)[-1] for a in item.attachments] == ["avviso-priga-2026.pdf", "allegato-1-domanda.docx"]
    text = item.attachments[0].text or ""
    assert "Art. 6 - Soggetti beneficiari" in text and "03/03/2027" in text


def test_page_without_content_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    assert detail(ItCoesioneSpider(), SOURCE, "detail_nomain.html") == ([], [])
    assert "bad_page" in caplog.text and "layout changed" in caplog.text


def test_failed_call_page_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    spider = ItCoesioneSpider()
    request = Request(
        "https://politichecoesione.governo.it/it/finanziamenti-avvisi-e-bandi/x/", callback=spider.parse_detail
    )
    response = fixture_response(SOURCE, "detail_nomain.html", url=request.url)
    failure = Failure(HttpError(response.replace(status=404)))
    failure.request = request  # type: ignore[attr-defined]
    spider.page_failed(failure)
    assert "page_failed" in caplog.text and "/x/" in caplog.text


def test_live_listing_shape_and_editions_as_sub_pages() -> None:
    """Issue #15: "#main-page .card" / "h2.card-header-custom > a", and a new edition as a sub-page."""
    _, requests = split_output(ItCoesioneSpider().parse(fixture_response(SOURCE, "listing_live_shape.html")))
    assert [r.url.split("/it/finanziamenti-avvisi-e-bandi/")[1] for r in requests] == [
        "avviso-pubblico-non-competitivo-supporto-ai-priga/",
        "contrasto-alla-poverta-educativa-fsc/seconda-edizione-2026/",
    ]  # the theme tags before the titles are not calls
