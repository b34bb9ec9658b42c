"""``cercabandi run --replay ../shared/data``: the nightly run on the real captures, as a user runs it.

The CLI runs in a subprocess (its own Prefect temporary server, one ``scrapy crawl`` per source)
against SQLite and a fresh database on the real PostgreSQL. The database is then read directly:
every captured call stored once, nothing quarantined, and a second night adds nothing. Replaying
the EU snapshot of 2026-07-22 and then that of 2026-08-22 gives the month's changes as new
versions with field-level diffs.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cercabandi.core.changes import describe_entry
from cercabandi.core.models import ROME
from cercabandi.db.models import Call, CallVersion, CrawlRun, Quarantine, RawRecord
from cercabandi.db.session import make_engine

ROOT = Path(__file__).resolve().parents[2]
SHARED_ITEMS = {"eu_sedia": 473, "lombardia_bandi": 1606, "it_incentivi": 3, "it_padigitale": 57}
EU_JULY, EU_AUGUST = "search_pages_2026-07-22", "search_pages_2026-08-22"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        importlib.util.find_spec("cercabandi.flows.commands.run") is None,
        reason="the `cercabandi run` command (cercabandi/flows/commands/run.py) is not in this checkout yet",
    ),
]


def cli(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CERCABANDI_DATA_DIR": str(data_dir),
        "CERCABANDI_DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "COLUMNS": "250",
        "NO_COLOR": "1",
    }
    env.pop("PREFECT_API_URL", None)  # no server configured: the run starts a temporary one
    done = subprocess.run(
        [sys.executable, "-m", "cercabandi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, f"cercabandi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    return done


def report(stdout: str) -> dict[str, tuple[int, int, int, int, str]]:
    """source -> (items, new, changed, quarantined, status) from the run report's table."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.replace("┃", "│").split("│") if c.strip()]
        if len(cells) == 6 and cells[0] in SHARED_ITEMS:
            rows[cells[0]] = (int(cells[1]), int(cells[2]), int(cells[3]), int(cells[4]), cells[5])
    return rows


def counts(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        grouped = conn.execute(select(Call.source_id, func.count()).group_by(Call.source_id)).all()
        per_source = {str(source): int(n) for source, n in grouped}
        return {
            "calls": per_source,
            "versions": conn.scalar(select(func.count()).select_from(CallVersion)),
            "raw": conn.scalar(select(func.count()).select_from(RawRecord)),
            "quarantined": conn.scalar(select(func.count()).select_from(Quarantine)),
        }


def test_run_replay_shared_fills_the_database_twice_idempotent(
    shared_data: Path, tmp_path: Path, empty_db_url: str
) -> None:
    data = tmp_path / "data"
    cli(data, empty_db_url, "db", "upgrade")
    first = cli(data, empty_db_url, "run", "--replay", str(shared_data))
    rows = report(first.stdout)
    assert rows == {source: (n, n, 0, 0, "ok") for source, n in SHARED_ITEMS.items()}, first.stdout
    # progress in the log, one plain line per stage and source (no control characters for cron's mail)
    for line in ("crawl lombardia_bandi: done in ", "normalise eu_sedia: done in ", "match: done in "):
        assert line in first.stdout, first.stdout
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", first.stdout)
    engine = make_engine(empty_db_url)
    try:
        after_first = counts(engine)
        total = sum(SHARED_ITEMS.values())
        assert after_first == {"calls": SHARED_ITEMS, "versions": total, "raw": total, "quarantined": 0}
        with engine.connect() as conn:
            runs = conn.execute(select(CrawlRun.source_id, CrawlRun.status, CrawlRun.complete)).all()
            topic = conn.execute(
                select(Call.data).where(Call.id == "eu_sedia:PPPA-2026-IRIS2-UT-IND-READINESS")
            ).scalar()
        assert sorted(runs) == sorted((source, "ok", True) for source in SHARED_ITEMS)
        assert topic is not None and topic["level"] == "eu"
        assert [d["at"][:19] for d in topic["deadlines"]] == ["2026-09-17T15:00:00"]  # the August snapshot

        second = cli(data, empty_db_url, "run", "--replay", str(shared_data))
        rows = report(second.stdout)
        assert rows == {source: (n, 0, 0, 0, "ok") for source, n in SHARED_ITEMS.items()}, second.stdout
        assert counts(engine) == after_first  # no duplicate call, version or raw record
    finally:
        engine.dispose()


def test_two_eu_snapshots_make_versions_with_diffs(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'eu.sqlite3'}"
    snapshots = shared_data / "calls" / "eu_sedia"
    cli(data, url, "db", "upgrade")
    july = cli(data, url, "run", "--no-digest", "--source", "eu_sedia", "--replay", str(snapshots / EU_JULY))
    # 718 records: 244 of the stale index dropped -> 474 calls.
    assert report(july.stdout) == {"eu_sedia": (474, 474, 0, 0, "ok")}, july.stdout
    august = cli(data, url, "run", "--no-digest", "--source", "eu_sedia", "--replay", str(snapshots / EU_AUGUST))
    # A month later: 41 topics appeared, 12 changed (11 deadlines moved), 42 left the listing.
    assert report(august.stdout) == {"eu_sedia": (473, 41, 12, 0, "ok")}, august.stdout

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            calls = conn.execute(select(Call.id, Call.version, Call.missing_count)).all()
            versions = conn.execute(select(CallVersion.call_id, CallVersion.version, CallVersion.diff)).all()
    finally:
        engine.dispose()
    assert len(calls) == len({c.id for c in calls}) == 474 + 41  # no duplicates
    assert Counter(c.version for c in calls) == {1: 474 + 41 - 12, 2: 12}
    assert len(versions) == len({(v.call_id, v.version) for v in versions}) == 474 + 41 + 12
    # Gone from the listing once: counted, not yet marked missing (that takes two complete crawls).
    assert sum(1 for c in calls if c.missing_count == 1) == 42
    diffs = {v.call_id: v.diff for v in versions if v.version == 2}
    assert all(diff for diff in diffs.values())  # every new version says what changed
    moved = {call_id: d for call_id, diff in diffs.items() for d in diff if d["field"] == "deadlines"}
    assert len(moved) == 11
    # Diffs are data; their words come from one table (core.changes), the digest's Italian.
    worded = {call_id: describe_entry(d, tz=ROME) for call_id, d in moved.items()}
    assert all(s[0].startswith(("scadenza spostata", "scadenza anticipata")) for s in worded.values()), worded
    assert worded["eu_sedia:PPPA-2026-IRIS2-UT-IND-READINESS"] == ["scadenza spostata dal 26/08 al 17/09"]
