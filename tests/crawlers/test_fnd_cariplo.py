"""Fondazione Cariplo: budget, contributions and co-financing from the text, PDF, Cloudflare fallback."""

from __future__ import annotations

import pytest

from cercabandi.crawlers.spiders.fnd_cariplo import FndCariploSpider
from tests.crawlers.kit import (
    check_expected,
    detail,
    fixture_response,
    follow_pdf,
    labels,
    split_output,
)

SOURCE = "fnd_cariplo"


def test_listing_links_calls_only() -> None:
    spider = FndCariploSpider()
    items, requests = split_output(spider.parse(fixture_response(SOURCE, "listing.html")))
    assert items == []
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [
        "bando-spazi-verdi-e-comunita-2026.html",
        "bando-housing-sociale-per-persone-fragili.html",
    ]  # the news page is not a call; the list has a single page
    assert "playwright" not in requests[0].meta


def test_cloudflare_challenge_is_retried_in_the_browser() -> None:
    spider = FndCariploSpider()
    items, requests = split_output(spider.parse(fixture_response(SOURCE, "challenge.html")))
    assert items == [] and [r.meta.get("playwright") for r in requests] == [True]
    again = fixture_response(SOURCE, "challenge.html", request_meta={"playwright": True})
    assert split_output(spider.parse(again)) == ([], [])  # the browser was blocked too: reported, not looped


def test_call_with_budget_range_and_cofinancing_then_pdf() -> None:
    spider = FndCariploSpider()
    items, (pdf_request,) = detail(spider, SOURCE, "detail_spazi_verdi.html")
    assert items == []
    (item,) = follow_pdf(spider, pdf_request, SOURCE, "bando-spazi-verdi-e-comunita-2026.pdf")
    check_expected(SOURCE, "detail_spazi_verdi.html", [item])
    assert item.status == "Aperto"
    assert labels(item, "dates")[0] == ("deadline", "26 febbraio 2027, ore 17:00")
    amounts = labels(item, "amounts")
    assert amounts[0] == ("budget", "3.000.000 euro")
    assert ("budget", "Il budget complessivo a disposizione è di 3 milioni di euro.") in amounts
    minmax = "Il contributo richiesto non potrà essere superiore a 150.000 euro né inferiore a 30.000 euro."
    assert ("grant_min", minmax) in amounts and ("grant_max", minmax) in amounts
    assert (
        "cofinancing",
        "È richiesto un cofinanziamento pari ad almeno il 40% dei costi totali del progetto.",
    ) in amounts
    assert item.applicants and item.applicants.startswith("Possono presentare richiesta enti del terzo settore")
    assert item.extra["area"] == "Ambiente"
    assert "Cofinanziamento richiesto: almeno il 40%" in (item.attachments[0].text or "")


def test_range_and_ceiling_sentences() -> None:
    (item,), _ = detail(FndCariploSpider(), SOURCE, "detail_housing.html")
    amounts = labels(item, "amounts")
    both = "Le risorse disponibili ammontano a 2.500.000 euro; i contributi saranno compresi tra 50.000 e 200.000 euro per progetto."
    assert ("grant_min", both) in amounts and ("grant_max", both) in amounts
    assert (
        "cofinancing",
        "Il contributo della Fondazione non potrà superare il 60% dei costi del progetto.",
    ) in amounts


def test_unreadable_pdf_is_recorded_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    spider = FndCariploSpider()
    _, (pdf_request,) = detail(spider, SOURCE, "detail_spazi_verdi.html")
    (item,) = follow_pdf(spider, pdf_request, SOURCE, "broken.pdf")
    assert item.attachments[0].text is None
    assert "unreadable PDF" in item.extra["attachment_error"] or "no text" in item.extra["attachment_error"]
    assert "pdf_unreadable" in caplog.text


def test_pdfs_can_be_switched_off() -> None:
    items, requests = detail(FndCariploSpider(pdfs="no"), SOURCE, "detail_spazi_verdi.html")
    assert requests == [] and len(items) == 1


def test_a_category_page_is_not_a_call() -> None:
    """Issue #15: /it/bandi/bandi-ricerca-scientifica.html lists calls; it was taken for one."""
    _, requests = split_output(FndCariploSpider().parse(fixture_response(SOURCE, "listing_category.html")))
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [
        "bando-ricerca-malattie-rare-2026.html",
        "bando-spazi-verdi-e-comunita-2026.html",
    ]
