"""eu_sedia: request building, listing cleaning, every parse path, on fixtures shaped like real answers."""

from __future__ import annotations

import email
import json
from typing import Any

import pytest
from scrapy.http import Request

from cercabandi.core.models import RawCall
from cercabandi.crawlers.pipelines import validate_item
from cercabandi.crawlers.spiders import eu_sedia
from cercabandi.crawlers.spiders.eu_sedia import EuSediaSpider
from tests.crawlers.kit import check_invariants, file_response, fixture, load_json

SOURCE = "eu_sedia"


def _page(spider: EuSediaSpider, name: str, page: int) -> list[Any]:
    url = eu_sedia.search_url(page)
    return list(spider.parse_search(file_response(fixture(SOURCE, name), url, page=page), page=page))


def _crawl(make_spider: Any, **kwargs: Any) -> tuple[EuSediaSpider, list[Any]]:
    """Both fixture pages, then every detail request answered: 404 except the one recorded topic."""
    spider = make_spider(EuSediaSpider, **kwargs)
    first = _page(spider, "search-page-1.json", 1)
    assert [type(o) for o in first] == [Request] and "pageNumber=2" in first[0].url
    outputs = _page(spider, "search-page-2.json", 2)
    items = [o for o in outputs if not isinstance(o, Request)]
    for request in [o for o in outputs if isinstance(o, Request)]:
        items += _follow(spider, request)
    return spider, items


def _follow(spider: EuSediaSpider, request: Request) -> list[Any]:
    if "cerv-2026-char-liti-antiracism" in request.url:
        response = file_response(fixture(SOURCE, "topic-detail.json"), request.url, request=request)
    else:
        response = file_response(fixture(SOURCE, "search-empty.json"), request.url, status=404, request=request)
    found = []
    for output in spider.parse_detail(response, **request.cb_kwargs):
        found += _follow(spider, output) if isinstance(output, Request) else [output]
    return found


def test_every_multipart_part_is_json() -> None:
    body, content_type = eu_sedia.multipart_json(eu_sedia.search_parts())
    message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts = message.get_payload()
    assert isinstance(parts, list)
    assert [p.get_param("name", header="content-disposition") for p in parts] == ["query", "languages", "sort"]
    assert all(p.get_content_type() == "application/json" for p in parts)
    values = {p.get_param("name", header="content-disposition"): json.loads(p.get_payload()) for p in parts}
    must = values["query"]["bool"]["must"]
    assert {"terms": {"type": ["1", "2", "8"]}} in must
    assert {"terms": {"status": ["31094501", "31094502"]}} in must
    assert values["sort"] == {"field": "identifier", "order": "ASC"}
    assert eu_sedia.multipart_json(eu_sedia.search_parts()) == (body, content_type)  # deterministic


def test_search_request_is_a_post_of_pages_of_100(make_spider: Any) -> None:
    request = make_spider(EuSediaSpider).search_request(3)
    assert request.method == "POST"
    assert "apiKey=SEDIA" in request.url and "pageSize=100" in request.url and "pageNumber=3" in request.url
    assert request.headers[b"Content-Type"].startswith(b"multipart/form-data; boundary=")


def test_select_records_drops_stale_faq_tenders_and_duplicates() -> None:
    results = load_json(SOURCE, "search-page-1.json")["results"] + load_json(SOURCE, "search-page-2.json")["results"]
    kept, counts = eu_sedia.select_records(results)
    assert [native_id for native_id, _ in kept] == [
        "AMIF-2026-TF2-AG-INTE-01-LOCAL",
        "CERV-2026-CHAR-LITI-ANTIRACISM",
        "cascade-11674",
        "cascade-11702",
        "LIFE-2026-CET-LOCAL",
    ]
    assert counts == {"stale_index": 1, "faq": 1, "out_of_scope_type": 1, "no_id": 0, "duplicate": 1}
    kept_cerv = dict(kept)["CERV-2026-CHAR-LITI-ANTIRACISM"]
    assert kept_cerv["language"] == "en"  # the English record wins over the French one


def test_duplicate_prefers_the_more_complete_record() -> None:
    thin = {"language": "en", "metadata": {"identifier": ["X-1"], "type": ["1"], "DATASOURCE": ["SEDIA"]}}
    rich = {"language": "en", "metadata": {**thin["metadata"], "title": ["Full"], "deadlineDate": ["2027-01-01"]}}
    kept, counts = eu_sedia.select_records([thin, rich])
    assert kept == [("X-1", rich)] and counts["duplicate"] == 1


def test_crawl_yields_one_item_per_call(make_spider: Any) -> None:
    spider, items = _crawl(make_spider)
    assert sorted(i.native_id for i in items) == sorted(
        [
            "AMIF-2026-TF2-AG-INTE-01-LOCAL",
            "CERV-2026-CHAR-LITI-ANTIRACISM",
            "cascade-11674",
            "cascade-11702",
            "LIFE-2026-CET-LOCAL",
        ]
    )
    stats = spider.crawler.stats.get_stats()
    assert stats["cercabandi/skipped/stale_index"] == 1
    assert stats["cercabandi/detail_missing"] == 2  # AMIF and LIFE: 404 on both detail addresses
    assert "cercabandi/errors" not in stats


@pytest.mark.parametrize(
    "native_id", ["CERV-2026-CHAR-LITI-ANTIRACISM", "cascade-11674", "cascade-11702", "LIFE-2026-CET-LOCAL"]
)
def test_fields_match_expected_output(make_spider: Any, native_id: str) -> None:
    _, items = _crawl(make_spider)
    item = validate_item(next(i for i in items if i.native_id == native_id))
    expected = load_json(SOURCE, "expected.json")[native_id]
    for name, value in expected.items():
        if name == "extra":
            for key, extra_value in value.items():
                assert item.extra.get(key) == extra_value, key
        elif name in ("dates", "amounts"):
            assert [d.model_dump() for d in getattr(item, name)] == value, name
        else:
            assert getattr(item, name) == value, name


def test_detail_falls_back_to_the_identifier_as_written(make_spider: Any) -> None:
    spider = make_spider(EuSediaSpider)
    result = load_json(SOURCE, "search-page-1.json")["results"][0]
    request = spider.detail_request(eu_sedia.topic_detail_urls("AMIF-2026-TF2-AG-INTE-01-LOCAL"), result, "AMIF-X")
    assert request.url.endswith("/amif-2026-tf2-ag-inte-01-local.json")
    response = file_response(fixture(SOURCE, "search-empty.json"), request.url, status=404, request=request)
    (retry,) = spider.parse_detail(response, **request.cb_kwargs)
    assert isinstance(retry, Request) and retry.url.endswith("/AMIF-2026-TF2-AG-INTE-01-LOCAL.json")


def test_unreadable_detail_is_an_error_but_keeps_the_call(make_spider: Any) -> None:
    spider = make_spider(EuSediaSpider)
    result = load_json(SOURCE, "search-page-1.json")["results"][0]
    request = spider.detail_request(["https://ec.europa.eu/x.json"], result, "AMIF-X")
    response = file_response(fixture(SOURCE, "meta.json"), request.url, request=request)  # JSON, wrong shape
    (item,) = spider.parse_detail(response, **request.cb_kwargs)
    assert item.extra["detail_error"] == "unreadable JSON" and item.title == "Integration of migrants at local level"
    assert spider.crawler.stats.get_value("cercabandi/errors/detail_unreadable") == 1


def test_empty_listing_yields_nothing_and_no_error(make_spider: Any) -> None:
    spider = make_spider(EuSediaSpider)
    assert _page(spider, "search-empty.json", 1) == []
    assert spider.crawler.stats.get_value("cercabandi/errors") is None


def test_a_page_that_is_not_the_envelope_marks_the_listing_incomplete(make_spider: Any) -> None:
    spider = make_spider(EuSediaSpider)
    _page(spider, "search-page-1.json", 1)
    outputs = list(
        spider.parse_search(file_response(fixture(SOURCE, "topic-detail.json"), "https://x/", page=2), page=2)
    )
    assert spider.crawler.stats.get_value("cercabandi/listing_incomplete")
    # What was read is still yielded: a partial crawl loses nothing, it is just not "complete".
    assert any(isinstance(o, Request) for o in outputs)


def test_an_unchanged_topic_is_carried_over_without_a_detail_request(make_spider: Any, now: Any) -> None:
    _, items = _crawl(make_spider)
    known = {i.native_id: validate_item(i).model_dump(mode="json") for i in items}
    spider, second = _crawl_known(make_spider, known)
    assert sorted(i.native_id for i in second) == sorted(known)
    assert spider.crawler.stats.get_value("cercabandi/carried_over") == 5
    assert {validate_item(i).payload_hash() for i in second} == {
        RawCall.model_validate(r).payload_hash() for r in known.values()
    }


def _crawl_known(make_spider: Any, known: dict[str, Any]) -> tuple[EuSediaSpider, list[Any]]:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "known.json"
        path.write_text(json.dumps(known))
        spider = make_spider(EuSediaSpider, known=str(path))
    _page(spider, "search-page-1.json", 1)
    outputs = _page(spider, "search-page-2.json", 2)
    assert not any(isinstance(o, Request) for o in outputs)
    return spider, outputs


def _all_items(make_spider: Any) -> list[RawCall]:
    _, items = _crawl(make_spider)
    return [validate_item(i) for i in items]


@pytest.mark.parametrize("index", range(5))
def test_invariants_of_every_item(make_spider: Any, index: int) -> None:
    item = _all_items(make_spider)[index]
    check_invariants(item, SOURCE)
    assert item.payload["search"]["metadata"] and "apiVersion" not in item.payload["search"]
    for d in item.dates:
        assert d.label in ("opening", "deadline") or d.label.startswith("deadline: ")
    for a in item.amounts:
        assert a.label in ("budget", "call_budget", "grant_min", "grant_max") and a.value.replace(".", "").isdigit()
    assert all(isinstance(v, str) for v in item.extra.values())


# ------------------------------------------------ topic details as recorded on 24 Sep 2026 (issue #15)
# Written from the shapes another project recorded from the live topic-details answers: the calls
# of the European Defence Fund put every topic under one action whose budget (422 M EUR for
# EDF-2026-DA) is the whole call's; the conditions arrive as HTML.
EDF_SHARED_POT = {
    "budgetOverviewJSONItem": {
        "budgetTopicActionMap": {
            "118001": [
                {
                    "action": "EDF-2026-DA-C4ISR-DAA, EDF-2026-DA-GROUND-IFS, EDF-2026-DA-SPACE-SSA - EDF-DA",
                    "budgetYearMap": {"2026": 422000000},
                    "maxContribution": 50000000,
                }
            ]
        }
    },
    "conditions": '<div class="x"> Conditions <p>1. <strong>Admissibility</strong>: legal entities in Member'
    " States.</p><p>2. Eligible countries: described in Annex B.</p></div>",
}


def _result(identifier: str) -> dict[str, Any]:
    return {"metadata": {"identifier": [identifier]}}


def test_a_budget_shared_by_the_calls_topics_is_not_the_topics_own() -> None:
    amounts, extra = eu_sedia._parse_amounts(_result("EDF-2026-DA-GROUND-IFS"), EDF_SHARED_POT)
    assert [(a.label, a.value) for a in amounts] == [("call_budget", "422000000"), ("grant_max", "50000000")]
    assert extra["budget_shared_by"] == "EDF-2026-DA-C4ISR-DAA, EDF-2026-DA-GROUND-IFS, EDF-2026-DA-SPACE-SSA"


def test_a_topics_own_budget_stays_its_budget() -> None:
    detail = load_json(SOURCE, "topic-detail.json")["TopicDetails"]
    amounts, extra = eu_sedia._parse_amounts(_result("CERV-2026-CHAR-LITI-ANTIRACISM"), detail)
    assert ("budget", "4000000") in [(a.label, a.value) for a in amounts]
    assert "budget_shared_by" not in extra


def test_conditions_are_text_not_markup() -> None:
    applicants = eu_sedia._parse_conditions(_result("EDF-2026-DA-GROUND-IFS"), EDF_SHARED_POT)
    assert applicants == (
        "Conditions\n1. Admissibility: legal entities in Member States.\n2. Eligible countries: described in Annex B."
    )
