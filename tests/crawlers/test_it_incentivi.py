"""incentivi.gov.it: the Solr export, the applicant filter, sections and closing notes."""

from __future__ import annotations

import json

import pytest

from cercabandi.crawlers.spiders import it_incentivi
from cercabandi.crawlers.spiders.it_incentivi import ItIncentiviSpider, parse_doc, parse_page, solr_url
from cercabandi.crawlers.textfacts import PageShapeError
from tests.crawlers.kit import (
    FETCHED_AT,
    check_expected,
    fixture_bytes,
    fixture_response,
    labels,
    split_output,
)

SOURCE = "it_incentivi"


def crawl(name: str) -> tuple[list, list]:
    return split_output(ItIncentiviSpider().parse(fixture_response(SOURCE, name)))


def test_listing_keeps_public_bodies_and_non_profits_only() -> None:
    items, requests = crawl("solr_all.json")
    assert [item.native_id for item in items] == ["9101", "9103"]  # 9102 is for businesses only
    assert requests == []  # numFound reached in one answer
    check_expected(SOURCE, "solr_all.json", items)


def test_record_fields_are_verbatim() -> None:
    items, _ = crawl("solr_all.json")
    public = items[0]
    assert (
        public.url
        == "https://www.incentivi.gov.it/it/catalogo/spazi-aperti-e-verdi-per-la-socialità-nei-comuni-lombardi"
    )
    assert public.applicants == "Ente Pubblico"
    assert public.territory == "Lombardia"
    assert public.issuer == "Regione Lombardia"
    assert ("opening", "2026-10-15T00:00:00") in labels(public, "dates")
    assert ("deadline", "2027-03-31T00:00:00") in labels(public, "dates")
    assert labels(public, "amounts") == [("budget", "5000000"), ("grant_min", "0"), ("grant_max", "200000")]
    assert public.extra["spesa_ammessa_max"] == "250000"
    assert "zs_rendered_item" not in public.payload and public.payload["zs_nid"] == "9101"


def test_sections_kept_apart() -> None:
    public, nonprofit = crawl("solr_all.json")[0]
    assert public.summary == public.extra["cos_e"]
    assert public.extra["a_chi_si_rivolge"] == "Comuni, Unioni di Comuni e Comunità montane della Lombardia."
    assert public.extra["cosa_prevede"].startswith("Contributo a fondo perduto fino al 70%")
    # the non-profit record has no per-paragraph copy: sections are cut from the body text
    assert nonprofit.extra["a_chi_si_rivolge"].startswith("Enti del Terzo settore")
    assert nonprofit.extra["cosa_prevede"] == "Contributi fino a 500.000 euro per partenariati con scuole e comuni."


def test_until_funds_run_out_is_a_closing_note() -> None:
    public, nonprofit = crawl("solr_all.json")[0]
    notes = [value for label, value in labels(public, "dates") if label == "closing_note"]
    assert notes == [public.extra["close_date_descriptor"]]
    # no closing date at all; "a sportello" and "fino a esaurimento dei fondi" in the other characteristics
    assert labels(nonprofit, "dates") == [
        ("opening", "2026-06-01T00:00:00"),
        ("closing_note", "Procedura valutativa a sportello."),
        ("closing_note", "Le domande sono istruite in ordine cronologico fino a esaurimento dei fondi."),
    ]


def test_pagination_when_solr_caps_rows() -> None:
    items, requests = crawl("solr_page1_of2.json")
    assert [item.native_id for item in items] == ["9101"]
    assert [r.url for r in requests] == [solr_url(2)]
    second = fixture_response(SOURCE, "solr_page2_of2.json")
    items2, requests2 = split_output(ItIncentiviSpider().parse(second))
    assert [item.native_id for item in items2] == ["9103"] and requests2 == []


def test_export_alias_format_is_read_too() -> None:
    docs, found, start = parse_page(fixture_bytes(SOURCE, "export_alias.json"))
    assert (found, start) == (1, 0)
    item = parse_doc(docs[0], fetched_at=FETCHED_AT)
    assert item.native_id == "1170"
    assert item.applicants == "Consorzio; Cooperative/Associazioni Non Profit; Ente Pubblico; Impresa"
    assert item.extra["a_chi_si_rivolge"].startswith("L'avviso è rivolto a enti pubblici")
    assert item.url == "https://www.interreg.net/it/news.asp"  # no portal path: the institutional link


@pytest.mark.parametrize("name", ["solr_error.json", "maintenance.html"])
def test_error_answers_are_reported_not_raised(name: str, caplog: pytest.LogCaptureFixture) -> None:
    items, requests = crawl(name)
    assert items == [] and requests == []
    assert "bad_export" in caplog.text


def test_error_message_says_what_solr_said() -> None:
    with pytest.raises(PageShapeError, match="undefined field index_idd"):
        parse_page(fixture_bytes(SOURCE, "solr_error.json"))
    with pytest.raises(PageShapeError, match="did not answer JSON"):
        parse_page(fixture_bytes(SOURCE, "maintenance.html"))


def test_empty_catalogue_yields_nothing() -> None:
    assert crawl("solr_empty.json") == ([], [])


def test_record_without_id_is_an_error() -> None:
    doc = json.loads(fixture_bytes(SOURCE, "solr_all.json"))["response"]["docs"][0]
    del doc["zs_nid"]
    with pytest.raises(PageShapeError, match="without zs_nid"):
        parse_doc(doc, fetched_at=FETCHED_AT)


def test_start_is_one_request_for_the_whole_catalogue() -> None:
    url = solr_url(0)
    assert "rows=8000" in url and "q=index_id%3Aincentivi" in url
    assert it_incentivi.KEEP_APPLICANTS == ("Ente Pubblico", "Cooperative/Associazioni Non Profit")
