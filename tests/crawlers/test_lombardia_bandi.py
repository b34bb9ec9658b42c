"""lombardia_bandi: index paging and filtering, sitemap, detail fields, error page, carry-over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import Request

from cercabandi.core.models import RawCall
from cercabandi.crawlers.pipelines import validate_item
from cercabandi.crawlers.spiders import lombardia_bandi as lb
from cercabandi.crawlers.spiders.lombardia_bandi import LombardiaBandiSpider
from tests.crawlers.kit import check_invariants, file_response, fixture, load_json, meta

SOURCE = "lombardia_bandi"
DETAIL = meta(SOURCE, "detail.html")["url"]


def _index(spider: LombardiaBandiSpider, name: str = "index-offset-00000.json") -> list[Any]:
    url = lb.index_url(0)
    return list(spider.parse_index(file_response(fixture(SOURCE, name), url, offset=0), offset=0))


def _sitemap(spider: LombardiaBandiSpider, outputs: list[Any]) -> list[Any]:
    (request,) = [o for o in outputs if isinstance(o, Request)]
    assert request.url == lb.SITEMAP_URL
    return list(spider.parse_sitemap(file_response(fixture(SOURCE, "sitemap.xml"), request.url)))


def _crawl(make_spider: Any, detail_page: str = "detail.html", **kwargs: Any) -> tuple[LombardiaBandiSpider, list[Any]]:
    spider = make_spider(LombardiaBandiSpider, **kwargs)
    outputs = _index(spider)
    items = [o for o in outputs if not isinstance(o, Request)]
    if any(isinstance(o, Request) for o in outputs):
        for output in _sitemap(spider, outputs):
            if isinstance(output, Request):
                response = file_response(fixture(SOURCE, detail_page), output.url, request=output)
                items += spider.parse_detail(response, **output.cb_kwargs)
            else:
                items.append(output)
    return spider, items


def test_index_url_pages_with_a_stable_order() -> None:
    assert lb.index_url(1000) == (
        "https://www.dati.lombardia.it/resource/bukx-h2uy.json?$limit=1000&$offset=1000&$order=codice_bando"
    )


def test_index_filters_and_counts(make_spider: Any) -> None:
    spider, items = _crawl(make_spider)
    assert sorted(i.native_id for i in items) == [
        "RLN12026000002",
        "RLO12019009999",
        "RLP12026052483",
        "RLX12026099999",
    ]
    stats = spider.crawler.stats.get_stats()
    assert stats["cercabandi/skipped/personnel_competition"] == 1
    assert stats["cercabandi/skipped/duplicate"] == 1
    assert stats["cercabandi/errors/row_without_code"] == 1
    assert stats["cercabandi/detail_not_in_sitemap"] == 2  # RLX and RLN: wanted, but unknown to the site


def test_a_full_page_asks_for_the_next_one(make_spider: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lb, "PAGE_SIZE", 3)
    outputs = _index(make_spider(LombardiaBandiSpider))
    (request,) = [o for o in outputs if isinstance(o, Request)]
    assert "$offset=3" in request.url and "sitemap" not in request.url


def test_detail_fields_match_expected_output(make_spider: Any) -> None:
    _, items = _crawl(make_spider)
    item = validate_item(next(i for i in items if i.native_id == "RLP12026052483"))
    for name, value in load_json(SOURCE, "expected.json")["RLP12026052483"].items():
        if name == "extra":
            for key, extra_value in value.items():
                assert item.extra.get(key) == extra_value, key
        elif name in ("dates", "attachments"):
            assert [d.model_dump() for d in getattr(item, name)] == value, name
        else:
            assert getattr(item, name) == value, name
    assert "<h3>Chi può partecipare</h3>" in (item.body or "")
    assert item.payload["index"]["codice_bando"] == "RLP12026052483" and "checkCloseDate" in item.payload["detail_html"]


def test_long_closed_calls_get_no_detail_but_still_an_item(make_spider: Any) -> None:
    _, items = _crawl(make_spider)
    old = validate_item(next(i for i in items if i.native_id == "RLO12019009999"))
    # a page a person can read, the open-data record kept apart
    assert old.url == "https://www.bandi.regione.lombardia.it/servizi/servizio/agevolazioni/RLO12019009999"
    assert old.extra["data_url"] == lb.record_url("RLO12019009999")
    assert [d.model_dump() for d in old.dates] == [
        {"label": "opening", "value": "2019-01-10T00:00:00.000"},
        {"label": "deadline", "value": "2019-03-10T00:00:00.000"},
    ]
    assert old.status is None and old.payload["detail_html"] is None


def test_error_page_is_detected_and_the_index_record_kept(make_spider: Any) -> None:
    spider, items = _crawl(make_spider, detail_page="error.html")
    tertium = validate_item(next(i for i in items if i.native_id == "RLP12026052483"))
    assert tertium.extra["detail_error"] == "error page"
    assert tertium.title == "Bando Tertium" and tertium.status is None
    assert tertium.dates[-1].model_dump() == {"label": "deadline", "value": "2027-09-07T00:00:00.000"}
    assert spider.crawler.stats.get_value("cercabandi/errors/error_page") == 1


def test_a_page_without_the_expected_fields_is_reported(make_spider: Any) -> None:
    spider, items = _crawl(make_spider, detail_page="detail-bare.html")
    assert spider.crawler.stats.get_value("cercabandi/errors/detail_unrecognised") == 1
    bare = validate_item(next(i for i in items if i.native_id == "RLP12026052483"))
    assert bare.applicants is None and bare.programme is None and bare.attachments == []


def test_empty_index_yields_nothing(make_spider: Any) -> None:
    spider = make_spider(LombardiaBandiSpider)
    assert _index(spider, "index-empty.json") == []


def test_unreadable_index_marks_the_listing_incomplete(make_spider: Any) -> None:
    spider = make_spider(LombardiaBandiSpider)
    _index(spider, "sitemap.xml")
    assert spider.crawler.stats.get_value("cercabandi/listing_incomplete")


def test_sitemap_map_reads_codes_from_detail_urls() -> None:
    mapping = lb.sitemap_map(fixture(SOURCE, "sitemap.xml").read_text())
    assert mapping == {
        "RLP12026052483": DETAIL,
        "RLS12026000003": "https://www.bandi.regione.lombardia.it/servizi/servizio/bandi/dettaglio/sociale/famiglia/avviso-famiglie-RLS12026000003",
    }


@pytest.mark.parametrize(
    ("row", "wanted"),
    [
        ({"chiusura_adesione": "2026-12-31T00:00:00.000"}, True),
        ({"chiusura_adesione": "2026-11-01T00:00:00.000"}, True),  # closed 20 days ago
        ({"chiusura_adesione": "2026-09-01T00:00:00.000"}, False),
        ({"apertura_adesione": "2025-01-01T00:00:00.000"}, True),  # "a sportello", recent
        ({"apertura_adesione": "2016-01-01T00:00:00.000"}, False),
        ({}, True),
    ],
)
def test_wants_detail(row: dict[str, str], wanted: bool, now: Any) -> None:
    assert lb.wants_detail(row, now) is wanted


def test_unchanged_rows_are_carried_over_without_requests(make_spider: Any, tmp_path: Path) -> None:
    _, items = _crawl(make_spider)
    known = {i.native_id: validate_item(i).model_dump(mode="json") for i in items}
    path = tmp_path / "known.json"
    path.write_text(json.dumps(known))
    spider = make_spider(LombardiaBandiSpider, known=str(path))
    outputs = _index(spider)
    # RLX and RLN were not in the sitemap (a 404-like absence, not an error): carried over too.
    assert not any(isinstance(o, Request) for o in outputs)
    assert {validate_item(o).payload_hash() for o in outputs} == {
        RawCall.model_validate(r).payload_hash() for r in known.values()
    }


def test_a_retry_is_made_after_a_detail_error(make_spider: Any, tmp_path: Path) -> None:
    _, items = _crawl(make_spider, detail_page="error.html")
    known = {i.native_id: validate_item(i).model_dump(mode="json") for i in items}
    path = tmp_path / "known.json"
    path.write_text(json.dumps(known))
    outputs = _index(make_spider(LombardiaBandiSpider, known=str(path)))
    assert [o.url for o in outputs if isinstance(o, Request)] == [lb.SITEMAP_URL]


@pytest.mark.parametrize("native_id", ["RLN12026000002", "RLO12019009999", "RLP12026052483", "RLX12026099999"])
def test_invariants_of_every_item(make_spider: Any, native_id: str) -> None:
    _, items = _crawl(make_spider)
    item = validate_item(next(i for i in items if i.native_id == native_id))
    check_invariants(item, SOURCE)
    assert item.territory == "Lombardia"
    assert {d.label for d in item.dates} <= {"published", "opening", "deadline"}
    assert item.payload["index"]["codice_bando"] == native_id


def test_the_dotazione_finanziaria_section_gives_the_budget(make_spider: Any) -> None:
    """Issue #15: ``build_call`` kept ``amounts=[]`` while ``#dotazioni`` states the budget."""
    _, items = _crawl(make_spider, detail_page="detail-dotazioni.html")
    tertium = validate_item(next(i for i in items if i.native_id == "RLP12026052483"))
    assert [(a.label, a.value) for a in tertium.amounts] == [("budget", "1.000.000,00")]


def test_the_older_layout_gives_status_and_the_page_deadline(make_spider: Any) -> None:
    """Issue #15: the 2021 layout (``small.badge``, lines without data-entity) lost status and deadline."""
    spider, items = _crawl(make_spider, detail_page="detail-2021.html")
    old = validate_item(next(i for i in items if i.native_id == "RLP12026052483"))
    assert old.status == "Aperto"
    deadline = [d.value for d in old.dates if d.label == "deadline"]
    assert deadline == ["Scade il: 29/10/2021 ,"]
    assert old.extra["closing_text"] == "Scade il: 29/10/2021 ,"
    assert spider.crawler.stats.get_value("cercabandi/errors/detail_unrecognised") is None
