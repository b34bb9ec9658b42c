"""Every path through the stages gives the result of one ``run``: here, commands one by one.

Regression: a standalone ``crawl`` then ``normalise`` never moved ``last_seen`` of the calls
the crawl listed unchanged, so two such nights reported every call missing and the next
``match`` deactivated all their matches.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cercabandi.core.settings import Settings
from cercabandi.db.models import Call, CrawlRun, MatchRow
from cercabandi.db.session import make_engine, session_factory
from cercabandi.flows.cli import app
from cercabandi.flows.demo import DEMO_CATALOGUE

DEMO = Path(__file__).resolve().parents[2] / "cercabandi" / "crawlers" / "recordings" / "demo"


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_crawl_then_normalise_by_hand_keeps_calls_and_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    runner = CliRunner()
    _ok(runner, "db", "upgrade")
    _ok(runner, "projects", "import", str(DEMO_CATALOGUE))
    _ok(runner, "crawl", "it_padigitale", "--replay", str(DEMO))
    _ok(runner, "normalise", "--source", "it_padigitale")
    _ok(runner, "match")

    engine = make_engine(Settings().resolved_database_url)
    sessions = session_factory(engine)
    with sessions() as session:
        calls = session.scalar(select(func.count()).select_from(Call).where(Call.source_id == "it_padigitale"))
        active = session.scalar(select(func.count()).select_from(MatchRow).where(MatchRow.active.is_(True)))
    assert calls == 3 and active

    for _night in range(2):  # two more complete crawls listing the same calls, unchanged
        _ok(runner, "crawl", "it_padigitale", "--replay", str(DEMO))
        _ok(runner, "normalise", "--source", "it_padigitale")
    _ok(runner, "match")

    with sessions() as session:
        last_run = session.scalar(select(func.max(CrawlRun.started_at)).where(CrawlRun.source_id == "it_padigitale"))
        rows = session.scalars(select(Call).where(Call.source_id == "it_padigitale")).all()
        assert [row.missing_count for row in rows] == [0, 0, 0]
        assert all(row.last_seen >= last_run for row in rows)
        # Every run's listing was read once, and a normalise with no new crawl reads nothing again.
        assert session.scalar(select(func.count()).select_from(CrawlRun).where(CrawlRun.normalised_at.is_(None))) == 0
        still_active = session.scalar(select(func.count()).select_from(MatchRow).where(MatchRow.active.is_(True)))
    assert still_active == active
    engine.dispose()
