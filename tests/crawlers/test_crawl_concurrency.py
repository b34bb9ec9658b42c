"""Spiders side by side, database work in order: ``crawl_sources`` with a pool of spider processes.

The spider seam (``crawling.run_spider``) is replaced by a function that writes a raw file as a
spider would and waits until the test lets it finish, so the order in which spiders end is chosen
by the test; one real run through the demo recordings compares one job with three.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cercabandi.core.models import RawCall
from cercabandi.core.settings import Settings
from cercabandi.crawlers.runner import SpiderResult, raw_file
from cercabandi.db.models import CrawlRun
from cercabandi.db.session import make_engine, session_factory, upgrade
from cercabandi.flows import crawling
from cercabandi.flows.context import AppContext

DEMO = Path(__file__).resolve().parents[2] / "cercabandi" / "crawlers" / "recordings" / "demo"
SOURCES = ["eu_sedia", "lombardia_bandi", "it_incentivi", "it_padigitale", "it_coesione"]


def _ctx(tmp_path: Path, engine: Engine, **settings: Any) -> AppContext:
    ctx = AppContext(settings=Settings(data_dir=tmp_path / "data", **settings))
    ctx.__dict__["engine"] = engine
    ctx.__dict__["sessions"] = session_factory(engine)
    return ctx


class FakeSpiders:
    """Stands in for the spider processes: each writes one record, then ends in ``finish_order``
    among the spiders running at that moment (a spider still queued cannot end first)."""

    def __init__(self, finish_order: list[str], jobs: int) -> None:
        self.finish_order = finish_order
        self.jobs = jobs
        self.turn = threading.Condition()
        self.running: set[str] = set()
        self.started: list[str] = []
        self.finished: list[str] = []
        self.most_at_once = 0

    def __call__(self, source: str, *, raw_dir: Path, started_at: datetime, **_: Any) -> SpiderResult:
        path = raw_file(raw_dir, source, started_at)
        record = RawCall(
            source=source, url=f"https://example.org/{source}", fetched_at=started_at, native_id="1", title=source
        )
        path.write_text(record.model_dump_json() + "\n", encoding="utf-8")
        deadline = time.monotonic() + 120  # generous: CI machines can be heavily loaded
        with self.turn:
            self.started.append(source)
            self.running.add(source)
            self.most_at_once = max(self.most_at_once, len(self.running))
            self.turn.notify_all()
            while True:
                # Every slot the pool can fill is filled before anyone ends.
                expected = min(self.jobs, len(self.finish_order) - len(self.finished))
                due = next(s for s in self.finish_order if s in self.running)
                if len(self.running) >= expected and due == source:
                    break
                assert time.monotonic() < deadline, f"{source} waited too long: running {self.running}"
                self.turn.wait(timeout=0.5)
            self.running.discard(source)
            self.finished.append(source)
            self.turn.notify_all()
        return SpiderResult(
            source=source,
            path=path,
            items=1,
            dropped=0,
            errors=0,
            stats={"finish_reason": "finished"},
            ok=True,
            returncode=0,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            log_path=path.with_suffix(".log"),
        )


def test_spiders_run_side_by_side_and_are_ingested_in_order(
    tmp_path: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last source of each group of three ends first: ingest must still follow the source order.
    spiders = FakeSpiders(["it_incentivi", "lombardia_bandi", "eu_sedia", "it_coesione", "it_padigitale"], jobs=3)
    monkeypatch.setattr(crawling, "run_spider", spiders)
    monkeypatch.setattr(crawling, "spider_available", lambda source: True)
    events: list[tuple[str, str]] = []
    ctx = _ctx(tmp_path, sqlite_engine)

    summaries = crawling.crawl_sources(
        ctx, SOURCES, jobs=3, progress=lambda source, event, _n: events.append((source, event))
    )

    assert [s.source for s in summaries] == SOURCES
    assert [(s.status, s.items, s.new) for s in summaries] == [("ok", 1, 1)] * len(SOURCES)
    assert spiders.most_at_once == 3
    assert set(spiders.started[:3]) == set(SOURCES[:3])  # the pool fills in source order
    assert spiders.finished[0] == "it_incentivi"
    done = [source for source, event in events if event == "done"]
    assert done == SOURCES  # ingested (and reported done) in source order, whoever ended first
    with ctx.sessions() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
    assert [r.source_id for r in runs] == SOURCES  # crawl runs opened in source order
    assert all(r.status == "ok" for r in runs)


def test_one_job_runs_one_spider_at_a_time(
    tmp_path: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    spiders = FakeSpiders(list(reversed(SOURCES)), jobs=1)
    monkeypatch.setattr(crawling, "run_spider", spiders)
    monkeypatch.setattr(crawling, "spider_available", lambda source: True)
    ctx = _ctx(tmp_path, sqlite_engine, crawl_jobs=1)  # the setting, when no jobs are asked for
    summaries = crawling.crawl_sources(ctx, SOURCES)
    assert [s.source for s in summaries] == SOURCES
    assert spiders.most_at_once == 1


def test_a_runner_crash_fails_only_its_source(
    tmp_path: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    spiders = FakeSpiders([s for s in SOURCES if s != "lombardia_bandi"], jobs=2)

    def run_spider(source: str, **kwargs: Any) -> SpiderResult:
        if source == "lombardia_bandi":
            time.sleep(0.1)
            raise OSError("No space left on device")
        return spiders(source, **kwargs)

    monkeypatch.setattr(crawling, "run_spider", run_spider)
    monkeypatch.setattr(crawling, "spider_available", lambda source: True)
    summaries = crawling.crawl_sources(_ctx(tmp_path, sqlite_engine), SOURCES, jobs=2)
    assert [(s.source, s.status) for s in summaries] == [
        (s, "failed" if s == "lombardia_bandi" else "ok") for s in SOURCES
    ]
    assert "No space left on device" in summaries[1].problems[0]


@pytest.mark.slow
def test_three_jobs_store_what_one_job_stores(tmp_path: Path, now: datetime) -> None:
    """The demo recordings crawled with one job, and on a fresh database with three: same outcome."""
    outcomes = []
    for jobs in (1, 3):
        engine = make_engine(f"sqlite:///{tmp_path / f'jobs{jobs}.sqlite3'}")
        upgrade(engine)
        ctx = _ctx(tmp_path / f"jobs{jobs}", engine)
        summaries = crawling.crawl_sources(ctx, None, replay_dir=DEMO, now=now, jobs=jobs)
        outcomes.append([(s.source, s.status, s.complete, s.items, s.new, s.changed, s.errors) for s in summaries])
        if jobs > 1:  # and a second night side by side changes nothing
            again = crawling.crawl_sources(ctx, None, replay_dir=DEMO, now=now, jobs=jobs)
            assert [(s.source, s.new, s.changed) for s in again] == [(s.source, 0, 0) for s in summaries]
        engine.dispose()
    assert len(outcomes[0]) == 9 and all(row[1] == "ok" for row in outcomes[0])
    assert outcomes[0] == outcomes[1]
