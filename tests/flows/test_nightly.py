"""The Prefect flows: task logic through ``.fn``, and a few flow runs for composition and idempotence."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cercabandi.core.settings import Settings
from cercabandi.db.models import Call, CallVersion, MatchRow, Project, Quarantine
from cercabandi.flows import nightly
from cercabandi.flows.context import AppContext
from tests.flows.conftest import STAGES, night_listing


def _counts(app: AppContext) -> dict[str, int]:
    with app.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Call, CallVersion, MatchRow, Quarantine)
        }


def _projects(app: AppContext, now: datetime) -> None:
    with app.sessions() as session, session.begin():
        session.add(Project(id="P1", title="Rigenerazione urbana quartieri popolari", created_at=now, updated_at=now))
        session.add(Project(id="P2", title="Centri estivi inclusione", created_at=now, updated_at=now))


def test_crawl_task_fails_alone_and_raises_for_retry(app_settings: Settings, tmp_path: Path, now: datetime) -> None:
    listing = night_listing(tmp_path / "night", now)
    (listing / "it_incentivi.fail").touch()
    ok = nightly.crawl_source_task.fn(app_settings, "lombardia_bandi", str(listing), "k1", STAGES["crawler"])
    assert (ok["source"], ok["status"], ok["items"], ok["complete"]) == ("lombardia_bandi", "ok", 3, True)
    assert Path(ok["path"]).is_file()
    with pytest.raises(nightly.CrawlFailed, match="it_incentivi: crawl failed: connection refused"):
        nightly.crawl_source_task.fn(app_settings, "it_incentivi", str(listing), "k1", STAGES["crawler"])


def test_normalise_and_match_tasks(app: AppContext, tmp_path: Path, now: datetime) -> None:
    nightly.crawl_one(
        app.settings,
        "lombardia_bandi",
        replay_dir=str(night_listing(tmp_path / "n", now)),
        run_key=None,
        crawler=STAGES["crawler"],
    )
    result = nightly.normalise_source_task.fn(app.settings, "lombardia_bandi", False, now, STAGES["normaliser"])
    assert (result["new"], result["quarantined"]) == (2, 1)
    _projects(app, now)
    matched = nightly.match_task.fn(app.settings, now, 5, STAGES["matcher"])
    assert (matched["projects"], matched["calls"], matched["new"]) == (2, 2, 2)
    assert matched["top"][0]["call_id"] == "lombardia_bandi:R1" and matched["matcher_version"] == "fake-1"


@pytest.mark.usefixtures("prefect_harness")
def test_nightly_twice_and_after_a_crash_adds_nothing(
    app: AppContext, tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = night_listing(tmp_path / "night", now)
    (listing / "it_dait.fail").touch()
    _projects(app, now)
    sources = ["lombardia_bandi", "it_incentivi", "it_dait"]
    stages = {**STAGES, "digest": False}

    # A crash between normalising and matching: the flow fails, what was stored stays.
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError, match="power cut"):
        patch.setattr(nightly, "match_all", crash)
        nightly.nightly_flow(replay_dir=str(listing), source_ids=sources, now=now, **stages)
    assert _counts(app) == {"calls": 3, "call_versions": 3, "matches": 0, "quarantine": 1}

    report = nightly.nightly_flow(replay_dir=str(listing), source_ids=sources, now=now, **stages)
    after_first = _counts(app)
    assert after_first == {"calls": 3, "call_versions": 3, "matches": 2, "quarantine": 1}
    by_source = {line.source_id: line for line in report.sources}
    assert by_source["it_dait"].status == "failed" and by_source["it_dait"].problems
    assert by_source["lombardia_bandi"].status == "ok" and by_source["lombardia_bandi"].items == 3
    assert report.duplicates == 1

    report = nightly.nightly_flow(replay_dir=str(listing), source_ids=sources, now=now + timedelta(days=1), **stages)
    assert (report.totals["new"], report.totals["changed"], report.totals["quarantined"]) == (0, 0, 0)
    assert report.match is not None and (report.match["new"], report.match["deactivated"]) == (0, 0)
    assert _counts(app) == after_first
    silent = {s.source_id for s in report.silent}
    assert "it_dait" in silent and "lombardia_bandi" not in silent


@pytest.mark.usefixtures("prefect_harness")
def test_the_nightly_flow_reports_every_stage_and_source(app: AppContext, tmp_path: Path, now: datetime) -> None:
    """What ``cercabandi run`` shows while it works: every stage, every source, in order."""
    from cercabandi.flows.progress import Step, listening

    listing = night_listing(tmp_path / "night", now)
    _projects(app, now)
    steps: list[Step] = []
    with listening(steps.append):
        nightly.nightly_flow(
            replay_dir=str(listing), source_ids=["lombardia_bandi", "it_incentivi"], now=now, digest=False, **STAGES
        )
    ends = [(s.stage, s.item) for s in steps if s.event == "done"]
    assert ends[-1] == ("match", None)
    assert ends.index(("crawl", None)) < ends.index(("normalise", None)) < ends.index(("match", None))
    for source in ("lombardia_bandi", "it_incentivi"):
        assert ("crawl", source) in ends and ("normalise", source) in ends
        assert ends.index(("crawl", source)) < ends.index(("crawl", None))
    crawl_end = next(s for s in steps if (s.stage, s.item, s.event) == ("crawl", None, "done"))
    assert crawl_end.note.startswith("2 sources, ")
    # two of the three listed calls are stored (one is quarantined) and open
    assert [s.note for s in steps if s.stage == "match" and s.event == "update"][:1] == [
        "fitting the matcher on 2 open calls"
    ]
