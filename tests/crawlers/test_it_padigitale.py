"""PA digitale 2026: the official avvisi.json, verbatim amounts and applicants."""

from __future__ import annotations

import asyncio

import pytest

from cercabandi.crawlers.spiders.it_padigitale import DATA_URL, ItPadigitaleSpider, parse_file
from cercabandi.crawlers.textfacts import PageShapeError
from tests.crawlers.kit import check_expected, fixture_bytes, fixture_response, labels, split_output

SOURCE = "it_padigitale"


def crawl(name: str) -> tuple[list, list]:
    return split_output(ItPadigitaleSpider().parse(fixture_response(SOURCE, name)))


def test_listing_yields_each_call_once(caplog: pytest.LogCaptureFixture) -> None:
    items, requests = crawl("avvisi.json")
    assert [item.native_id for item in items] == [
        "1-4-1-esperienza-del-cittadino-nei-servizi-pubblici-comuni-ottobre-2026",
        "1-2-abilitazione-al-cloud-province-e-citta-metropolitane-novembre-2026",
        "1-3-1-piattaforma-digitale-nazionale-dati-comuni-luglio-2025",
    ]
    assert requests == []
    assert "bad_record" in caplog.text and "duplicate_title" in caplog.text  # untitled and repeated records
    check_expected(SOURCE, "avvisi.json", items)


def test_amounts_dates_and_applicants_are_verbatim() -> None:
    items, _ = crawl("avvisi.json")
    cloud = items[1]
    assert cloud.applicants == "Province;Citta Metropolitane"  # the ';' list as published
    assert labels(cloud, "dates") == [("opening", "2026-11-03"), ("deadline", "2027-02-26")]
    assert labels(cloud, "amounts") == [("budget", "30591782.4")]  # no float rounding
    assert cloud.extra == {"totale_importo_misura": "987000000"}
    assert cloud.programme == "1.2 Abilitazione e facilitazione migrazione al Cloud"
    assert cloud.status == "IN CORSO"
    assert cloud.payload["totale_importo_stanziato"] == 30591782.4  # the payload stays as published


def test_one_file_no_pagination() -> None:
    requests = asyncio.run(_start_requests())
    assert [r.url for r in requests] == [DATA_URL]


async def _start_requests() -> list:
    return [request async for request in ItPadigitaleSpider().start()]


def test_empty_file_yields_nothing() -> None:
    assert crawl("avvisi_empty.json") == ([], [])


@pytest.mark.parametrize(
    ("name", "message"), [("avvisi_object.json", "expected a list"), ("avvisi_404.txt", "not JSON")]
)
def test_errors_are_reported(name: str, message: str, caplog: pytest.LogCaptureFixture) -> None:
    assert crawl(name) == ([], [])
    assert "bad_file" in caplog.text
    with pytest.raises(PageShapeError, match=message):
        parse_file(fixture_bytes(SOURCE, name))
