"""The shared-data replay adapter: detection, snapshot choice, and answers to the spiders' own requests.

A small tree shaped like ``../shared/data`` is written per test (tiny pages of our own); the
real folder is used only by the test marked ``shared_data``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cercabandi.core.settings import Settings
from cercabandi.crawlers.replay import ReplayLayoutError, replay_target, serving
from cercabandi.crawlers.shared_replay import locate, shared_catalogue
from cercabandi.crawlers.spiders.eu_sedia import (
    multipart_json,
    search_parts,
    search_url,
    topic_detail_urls,
    topic_details,
)
from cercabandi.crawlers.spiders.it_incentivi import parse_page, solr_url
from cercabandi.crawlers.spiders.it_padigitale import DATA_URL
from cercabandi.crawlers.spiders.lombardia_bandi import index_url
from cercabandi.db.session import session_factory
from cercabandi.flows.context import AppContext
from cercabandi.flows.crawling import crawl_sources, resolve_sources
from cercabandi.flows.replaying import catalogue_for, recorded_sources

DEMO = Path(__file__).resolve().parents[2] / "cercabandi" / "crawlers" / "recordings" / "demo"


def _eu_page(identifiers: list[str], total: int, page: int) -> dict:
    results = [
        {
            "reference": ident,
            "language": "en",
            "metadata": {
                "type": ["1"],
                "identifier": [ident],
                "title": [f"Topic {ident}"],
                "status": ["31094502"],
                "DATASOURCE": ["SEDIA"],
                "startDate": ["2026-10-01T00:00:00.000+0000"],
                "deadlineDate": ["2027-02-01T17:00:00.000+0000"],
                "frameworkProgramme": ["43251589"],
            },
        }
        for ident in identifiers
    ]
    return {"totalResults": total, "pageNumber": page, "pageSize": 100, "results": results}


def _shared_tree(root: Path) -> Path:
    """calls/ with two EU snapshots, one Socrata snapshot, the incentivi docs and the PA digitale file."""
    calls = root / "calls"
    for date, ids in (("2026-07-22", ["A-1", "A-2"]), ("2026-08-22", ["A-1", "A-2", "A-3"])):
        folder = calls / "eu_sedia" / f"search_pages_{date}"
        folder.mkdir(parents=True)
        (folder / "page-001.json").write_text(json.dumps(_eu_page(ids[:2], len(ids), 1)))
        if len(ids) > 2:
            (folder / "page-002.json").write_text(json.dumps(_eu_page(ids[2:], len(ids), 2)))
    (calls / "eu_sedia" / "README.txt").write_text("not a snapshot")
    socrata = calls / "regione_lombardia" / "socrata_bukx-h2uy_2026-08-22"
    socrata.mkdir(parents=True)
    row = {"codice_bando": "RLX12026000001", "titolo_bando": "Bando di prova", "tipo_strumento": "Bando"}
    (socrata / "offset-00000.json").write_text(json.dumps([row]))
    incentivi = calls / "incentivi"
    incentivi.mkdir(parents=True)
    doc = {"zs_nid": "1", "zs_title": "Misura", "zm_field_subject_type_value": ["Ente Pubblico"]}
    (incentivi / "incentivi_solr_capture.json").write_text(json.dumps({"_note": "docs only", "docs": [doc]}))
    padigitale = calls / "padigitale2026"
    padigitale.mkdir(parents=True)
    (padigitale / "avvisi.json").write_text(json.dumps([{"titolo": "1.2 Cloud", "soggetti_destinatari": "Comuni"}]))
    (root / "pnrr").mkdir()
    return root


def _fetch(url: str, data: bytes | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read(), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), ""


def test_locate_every_form_of_the_directory(tmp_path: Path) -> None:
    root = _shared_tree(tmp_path / "data")
    calls = root / "calls"
    everything = locate(root)
    assert list(everything) == ["eu_sedia", "lombardia_bandi", "it_incentivi", "it_padigitale"]
    assert everything["eu_sedia"].name == "search_pages_2026-08-22"  # the latest snapshot by default
    assert locate(calls) == everything
    assert locate(calls / "eu_sedia") == {"eu_sedia": everything["eu_sedia"]}
    july = calls / "eu_sedia" / "search_pages_2026-07-22"
    assert locate(july) == {"eu_sedia": july.resolve()}  # a snapshot chosen by hand
    assert locate(root / "pnrr") == {} and locate(tmp_path / "nowhere") == {}
    assert recorded_sources(july) == ["eu_sedia"]
    assert resolve_sources(None, replay_dir=root) == ["eu_sedia", "lombardia_bandi", "it_incentivi", "it_padigitale"]


def test_our_layout_still_wins_and_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    assert catalogue_for(DEMO).sources == recorded_sources(DEMO)
    assert "it_dait" in catalogue_for(DEMO).sources
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReplayLayoutError, match="no recorded responses"):
        catalogue_for(tmp_path / "empty")
    with pytest.raises(ReplayLayoutError, match="no capture"):
        shared_catalogue(tmp_path / "empty")


def test_the_server_answers_the_spiders_requests(tmp_path: Path) -> None:
    root = _shared_tree(tmp_path / "data")
    calls = root / "calls"
    body, _ = multipart_json(search_parts())
    with serving(catalogue=catalogue_for(root)) as server:
        status, page2, kind = _fetch(replay_target(server.url, search_url(2)), body)
        assert status == 200 and kind == "application/json"
        assert [r["reference"] for r in json.loads(page2)["results"]] == ["A-3"]
        # The Socrata page, and an empty list one page past the end (as Socrata answers).
        status, rows, _ = _fetch(replay_target(server.url, index_url(0)))
        assert status == 200 and json.loads(rows)[0]["codice_bando"] == "RLX12026000001"
        assert _fetch(replay_target(server.url, index_url(1000)))[:2] == (200, b"[]")
        # The incentivi docs back in Solr's envelope, readable by the spider's own parser.
        status, solr, _ = _fetch(replay_target(server.url, solr_url(0)))
        docs, found, start = parse_page(solr)
        assert (status, found, start, docs[0]["zs_nid"]) == (200, 1, 0, "1")
        status, avvisi, kind = _fetch(replay_target(server.url, DATA_URL))
        assert status == 200 and kind.startswith("text/plain") and json.loads(avvisi)[0]["titolo"] == "1.2 Cloud"
        # Detail pages were not captured: a 404, as for any unrecorded request.
        assert _fetch(replay_target(server.url, "https://www.bandi.regione.lombardia.it/sitemap.xml"))[0] == 404
    with serving(catalogue=catalogue_for(calls / "eu_sedia" / "search_pages_2026-07-22")) as server:
        status, page1, _ = _fetch(replay_target(server.url, search_url(1)), body)
        assert json.loads(page1)["totalResults"] == 2
        assert _fetch(replay_target(server.url, search_url(2)), body)[0] == 404
        assert _fetch(replay_target(server.url, index_url(0)))[0] == 404  # that snapshot only


def test_eu_topic_texts_are_served_as_the_topics_detail(tmp_path: Path) -> None:
    """Issue 17: the recorded EU topics' texts reach the spider the way a live crawl gets them."""
    root = _shared_tree(tmp_path / "data")
    texts = root / "calls" / "eu_sedia" / "topic_texts"
    texts.mkdir()
    (texts / "topic_texts.csv").write_text(
        "call_id,matched_id,match_type,matched_title,text,source\n"
        'A-1,,exact,Topic A-1,"Expected Outcome:\nUrban regeneration, ""quoted"" and accented: città",portal\n'
        "A-2,,exact,Topic A-2,,portal\n",
        encoding="utf-8",
    )
    with serving(catalogue=catalogue_for(root)) as server:
        status, detail, kind = _fetch(replay_target(server.url, topic_detail_urls("A-1")[0]))
        assert status == 200 and kind == "application/json"
        topic = topic_details(json.loads(detail))
        assert topic is not None
        assert topic["description"] == 'Expected Outcome:\nUrban regeneration, "quoted" and accented: città'
        assert _fetch(replay_target(server.url, topic_detail_urls("A-2")[0]))[0] == 404  # no text: as before
        assert _fetch(replay_target(server.url, topic_detail_urls("A-3")[0]))[0] == 404


def test_bad_incentivi_capture_says_what_is_wrong(tmp_path: Path) -> None:
    root = _shared_tree(tmp_path / "data")
    (root / "calls" / "incentivi" / "incentivi_solr_capture.json").write_text('{"rows": []}')
    with pytest.raises(ReplayLayoutError, match="neither Solr's 'response' nor a 'docs' list"):
        catalogue_for(root)


@pytest.mark.slow
def test_crawl_skips_sources_with_nothing_recorded(tmp_path: Path, sqlite_engine: Engine) -> None:
    ctx = AppContext(settings=Settings(data_dir=tmp_path / "var"))
    ctx.__dict__["engine"] = sqlite_engine
    ctx.__dict__["sessions"] = session_factory(sqlite_engine)
    root = _shared_tree(tmp_path / "data")
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    july = root / "calls" / "eu_sedia" / "search_pages_2026-07-22"
    summaries = crawl_sources(ctx, ["eu_sedia", "fnd_cariplo"], replay_dir=july, now=now)
    eu, cariplo = summaries
    assert (eu.source, eu.status, eu.items, eu.new) == ("eu_sedia", "ok", 2, 2)
    assert (cariplo.source, cariplo.status, cariplo.items, cariplo.crawl_run_id) == ("fnd_cariplo", "skipped", 0, None)
    assert cariplo.problems == [f"nothing recorded for fnd_cariplo in {july}"]
    # The next month's snapshot: one topic more, the two others unchanged.
    august = crawl_sources(ctx, ["eu_sedia"], replay_dir=root, now=now)[0]
    assert (august.status, august.items, august.new, august.changed) == ("ok", 3, 1, 0)
