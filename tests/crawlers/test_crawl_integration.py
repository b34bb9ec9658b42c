"""End to end through replay: spider processes, raw store files, database, summaries, CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cercabandi.core.settings import Settings
from cercabandi.db.models import RawRecord
from cercabandi.db.session import session_factory
from cercabandi.flows.cli import app
from cercabandi.flows.context import AppContext
from cercabandi.flows.crawling import crawl_sources

DEMO = Path(__file__).resolve().parents[2] / "cercabandi" / "crawlers" / "recordings" / "demo"
SNAPSHOT = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)


def _ctx(tmp_path: Path, engine: Engine) -> AppContext:
    ctx = AppContext(settings=Settings(data_dir=tmp_path / "data"))
    ctx.__dict__["engine"] = engine  # cached_property: use the test's upgraded database
    ctx.__dict__["sessions"] = session_factory(engine)
    return ctx


def _shared_replay(shared: Path, root: Path) -> Path:
    """An index over the real shared pages, by absolute path: nothing is copied."""
    eu = sorted((shared / "calls/eu_sedia/search_pages_2026-08-22").glob("page-*.json"))
    entries = [
        {"method": "POST", "url": "https://api.tech.ec.europa.eu/search-api/prod/rest/search?"
         + urlencode({"apiKey": "SEDIA", "text": "***", "pageSize": 100, "pageNumber": n}, safe="*"),
         "headers": {"Content-Type": "application/json"}, "body_file": str(page)}
        for n, page in enumerate(eu, 1)
    ]  # fmt: skip
    (root / "eu_sedia").mkdir(parents=True)
    (root / "eu_sedia/index.json").write_text(json.dumps({"entries": entries}))
    lombardia = sorted((shared / "calls/regione_lombardia/socrata_bukx-h2uy_2026-08-22").glob("offset-*.json"))
    entries = [
        {"url": "https://www.dati.lombardia.it/resource/bukx-h2uy.json?"
         + urlencode({"$limit": 1000, "$offset": 1000 * n, "$order": "codice_bando"}, safe="$"),
         "headers": {"Content-Type": "application/json"}, "body_file": str(page)}
        for n, page in enumerate(lombardia)
    ]  # fmt: skip
    (root / "lombardia_bandi").mkdir(parents=True)
    (root / "lombardia_bandi/index.json").write_text(json.dumps({"entries": entries}))
    return root


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_pages_end_to_end_twice(shared_data: Path, tmp_path: Path, sqlite_engine: Engine) -> None:
    ctx = _ctx(tmp_path, sqlite_engine)
    replay = _shared_replay(shared_data, tmp_path / "replay")
    first = {s.source: s for s in crawl_sources(ctx, None, replay_dir=replay, now=SNAPSHOT)}
    eu, lombardia = first["eu_sedia"], first["lombardia_bandi"]
    # 725 records: 244 of the stale index dropped, 8 duplicates merged -> 371 topics + 102 cascade calls.
    assert (eu.status, eu.complete, eu.items, eu.new, eu.changed) == ("ok", True, 473, 473, 0)
    assert eu.fill_rates["title"] == 1.0 and eu.fill_rates["deadline"] > 0.98 and eu.fill_rates["programme"] == 1.0
    # 1,810 rows, 204 personnel competitions excluded; no detail page recorded: index records kept.
    assert (lombardia.status, lombardia.complete, lombardia.items, lombardia.new) == ("ok", True, 1606, 1606)
    assert lombardia.fill_rates["title"] == 1.0 and lombardia.fill_rates["deadline"] > 0.9
    assert lombardia.errors == 1  # the sitemap is not recorded: counted, the crawl goes on
    assert eu.raw_path is not None and sum(1 for _ in eu.raw_path.open()) == 473
    with ctx.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(RawRecord))
    assert stored == 473 + 1606

    second = crawl_sources(ctx, ["eu_sedia", "lombardia_bandi"], replay_dir=replay, now=SNAPSHOT)
    assert [(s.new, s.changed, s.status) for s in second] == [(0, 0, "ok"), (0, 0, "ok")]
    assert second[0].raw_path != eu.raw_path  # a new raw file per run, the old one kept
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RawRecord)) == stored


@pytest.mark.slow
def test_demo_recordings_and_record_mode(tmp_path: Path, sqlite_engine: Engine, now: datetime) -> None:
    ctx = _ctx(tmp_path, sqlite_engine)
    recorded = tmp_path / "recorded"
    summaries = {s.source: s for s in crawl_sources(ctx, None, replay_dir=DEMO, record_dir=recorded, now=now)}
    assert summaries["eu_sedia"].items == 8 and summaries["lombardia_bandi"].items == 6
    assert all(s.status == "ok" and s.complete for s in summaries.values())
    assert summaries["lombardia_bandi"].fill_rates["applicants"] == pytest.approx(0.833)
    # What was recorded replays to the same records, for every source: 0 new, 0 changed.
    again = crawl_sources(ctx, None, replay_dir=recorded, now=now)
    assert sorted(s.source for s in again) == sorted(summaries)
    assert [(s.source, s.items, s.new, s.changed) for s in again] == [
        (s.source, summaries[s.source].items, 0, 0) for s in again
    ]


@pytest.mark.slow
def test_cli_crawl_twice_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["crawl", "eu_sedia", "--replay", str(DEMO)])
    assert first.exit_code == 0, first.output
    assert "Crawl summary" in first.output and "Fill rate" in first.output
    second = runner.invoke(app, ["crawl", "eu_sedia", "--replay", str(DEMO)])
    assert second.exit_code == 0, second.output
    row = next(line for line in second.output.splitlines() if "eu_sedia" in line and "ok" in line)
    assert [cell.strip() for cell in row.split("│")[3:6]] == ["8", "0", "0"]
    bad = runner.invoke(app, ["crawl", "nowhere"])
    assert bad.exit_code == 2 and "unknown source" in bad.output
