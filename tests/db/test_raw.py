"""Raw ingest: append-only dedup, new/changed counts, fill rates, health of a crawl run."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cercabandi.core.models import Labelled, RawCall
from cercabandi.db.models import RawRecord, Source
from cercabandi.db.repo import raw


def _call(native_id: str, now: datetime, title: str = "T", deadline: bool = True) -> RawCall:
    dates = [Labelled(label="deadline", value="2027-01-01")] if deadline else []
    return RawCall(
        source="eu_sedia", url=f"https://x/{native_id}", fetched_at=now, native_id=native_id, title=title, dates=dates
    )


def _file(path: Path, calls: list[RawCall]) -> Path:
    path.write_text("".join(c.model_dump_json() + "\n" for c in calls))
    return path


def _run(session: Session, path: Path, now: datetime, *, ok: bool = True, complete: bool = True):
    run = raw.start_crawl_run(session, "eu_sedia", started_at=now)
    ingest = raw.ingest_raw_file(session, run, path) if ok else None
    raw.finish_crawl_run(session, run, finished_at=now + timedelta(minutes=1), ingest=ingest, errors=0,
                         process_ok=ok, listing_complete=complete)  # fmt: skip
    return run, ingest


def test_ingest_counts_new_changed_and_stores_each_payload_once(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    raw.sync_sources(session)
    assert session.get(Source, "lombardia_bandi") is not None
    calls = [_call(str(n), now) for n in range(12)]
    run, ingest = _run(session, _file(tmp_path / "1.jsonl", calls), now)
    assert (ingest.new, ingest.changed, ingest.stored) == (12, 0, 12) and run.status == "ok" and run.complete
    later = now + timedelta(days=1)
    second = [_call(str(n), later) for n in range(11)] + [_call("0", later)]  # a repeat in the file
    second[3] = _call("3", later, title="New title")
    _run2, ingest2 = _run(session, _file(tmp_path / "2.jsonl", second), later)
    assert (ingest2.items, ingest2.new, ingest2.changed, ingest2.unchanged, ingest2.stored) == (11, 0, 1, 10, 1)
    assert session.scalar(select(func.count()).select_from(RawRecord)) == 13
    assert raw.latest_records(session, "eu_sedia")["3"]["title"] == "New title"
    assert session.get(Source, "eu_sedia").last_item_count == 11


def test_fill_rates() -> None:
    now = datetime(2026, 11, 21, tzinfo=datetime.now().astimezone().tzinfo)
    rates = raw.fill_rates([_call("1", now), _call("2", now, title="", deadline=False)])
    assert rates["title"] == 0.5 and rates["deadline"] == 0.5 and rates["body"] == 0.0
    assert raw.fill_rates([]) == dict.fromkeys(raw.FILL_FIELDS, 0.0)


def test_zero_items_is_failing_and_not_complete(session: Session, now: datetime, tmp_path: Path) -> None:
    run, _ = _run(session, _file(tmp_path / "empty.jsonl", []), now)
    assert run.status == "failing" and not run.complete and "no items" in run.problems[0]


def test_a_sharp_fill_rate_drop_is_failing(session: Session, now: datetime, tmp_path: Path) -> None:
    _run(session, _file(tmp_path / "1.jsonl", [_call(str(n), now) for n in range(20)]), now)
    broken = [_call(str(n), now, deadline=n < 3) for n in range(20)]
    run, _ = _run(session, _file(tmp_path / "2.jsonl", broken), now + timedelta(days=1))
    assert run.status == "failing" and not run.complete
    assert any("'deadline' filled in 15%" in p for p in run.problems)
    # The next healthy crawl compares with the last *successful* one, not the failing one.
    run3, _ = _run(
        session, _file(tmp_path / "3.jsonl", [_call(str(n), now) for n in range(20)]), now + timedelta(days=2)
    )
    assert run3.status == "ok"


def test_far_fewer_items_is_failing(session: Session, now: datetime, tmp_path: Path) -> None:
    _run(session, _file(tmp_path / "1.jsonl", [_call(str(n), now) for n in range(40)]), now)
    run, _ = _run(session, _file(tmp_path / "2.jsonl", [_call(str(n), now) for n in range(5)]), now)
    assert run.status == "failing" and "items fell from 40 to 5" in run.problems[0]


def test_failed_process_and_incomplete_listing(session: Session, now: datetime, tmp_path: Path) -> None:
    failed, _ = _run(session, tmp_path / "missing.jsonl", now, ok=False)
    assert failed.status == "failed" and not failed.complete
    partial, _ = _run(session, _file(tmp_path / "1.jsonl", [_call("1", now)]), now, complete=False)
    assert partial.status == "ok" and not partial.complete


def test_items_read_by_the_generic_fallback_make_the_run_degraded(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    """Issue #15: a source living on the fallback is 'degraded' on the dashboard and in the digest footer."""
    from zoneinfo import ZoneInfo

    from cercabandi.db.repo.dashboard import source_health
    from cercabandi.digest.gather import source_alerts

    raw.sync_sources(session)
    calls = [_call(str(n), now) for n in range(4)]
    calls[1] = calls[1].model_copy(update={"extra": {"extraction": "fallback"}})
    run, ingest = _run(session, _file(tmp_path / "1.jsonl", calls), now)
    assert ingest.fallbacks == 1
    assert run.status == "degraded" and "1 of 4 items read by the generic fallback" in run.problems[0]
    assert session.get(Source, "eu_sedia").last_success_at is not None  # still a crawl that delivered
    health = {h.id: h for h in source_health(session, now + timedelta(minutes=2))}
    assert health["eu_sedia"].state == "degraded"
    alerts = source_alerts(session, now=now + timedelta(minutes=2), tz=ZoneInfo("Europe/Rome"))
    assert [a.source_id for a in alerts if "lettura generica" in a.problem] == ["eu_sedia"]


def test_a_run_keeps_what_it_listed_until_normalisation_reads_it(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    """Issue #12: the listing lives in the database, so a standalone ``normalise`` sees it (SQLite and PostgreSQL)."""
    raw.sync_sources(session)
    calls = [_call(str(n), now) for n in range(3)]
    run, _ = _run(session, _file(tmp_path / "1.jsonl", calls), now)
    failed, _ = _run(session, tmp_path / "missing.jsonl", now + timedelta(hours=1), ok=False)
    session.flush()
    session.expire_all()
    assert run.listing == {c.native_id: [c.payload_hash(), now.isoformat()] for c in calls}
    assert failed.listing is None  # a failed crawl listed nothing
    assert [r.id for r in raw.runs_to_normalise(session, "eu_sedia")] == [run.id, failed.id]
    raw.mark_normalised(session, [run.id, failed.id], now + timedelta(hours=2))
    assert raw.runs_to_normalise(session, "eu_sedia") == []  # read once
