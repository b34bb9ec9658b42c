"""The normalise step: raw records of one source -> calls in the store, or quarantine.

Plain functions over a session factory: the Prefect tasks in ``nightly.py`` only call them.
Work is committed in batches, so a crash half-way keeps what was done and a retry picks up
the rest: a raw record already stored as its call's current record, or already
quarantined, is not normalised again (unless ``again``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import FundingCall, RawCall
from cercabandi.db.models import Call, CrawlRun, Quarantine, RawRecord
from cercabandi.db.repo import calls as calls_repo
from cercabandi.db.repo import raw as raw_repo
from cercabandi.db.session import transaction, write_lock
from cercabandi.flows.progress import report
from cercabandi.normalise import normalise_record
from cercabandi.normalise.duplicates import find_duplicates

log = logging.getLogger(__name__)


@runtime_checkable  # Prefect validates flow parameters with an isinstance check
class Normaliser(Protocol):
    """The normalise stage: one raw record -> its canonical call (``cercabandi.normalise.normalise_record``)."""

    def __call__(self, raw: RawCall, *, now: datetime, first_seen: datetime, last_seen: datetime) -> FundingCall: ...


BATCH = 200


def _failure_reasons(exc: Exception) -> list[str]:
    reasons = getattr(exc, "reasons", None)
    if isinstance(reasons, list) and reasons:
        return [str(r) for r in reasons]
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(p) for p in error['loc']) or 'record'}: {error['msg']}" for error in exc.errors()[:10]]
    return [f"unexpected {type(exc).__name__} in normalisation: {exc} (a parser bug: please report it)"]


@dataclass
class SourceNormalised:
    """What normalising one source did; small enough to pass between tasks."""

    source_id: str
    seen: int = 0  # items listed by this night's crawl files
    processed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    resolved: int = 0
    changes: list[dict[str, str]] = field(default_factory=list)  # {"call_id", "summary"}, capped
    quarantine: list[dict[str, Any]] = field(default_factory=list)  # {"native_id", "reasons"}, capped

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SeenItem:
    native_id: str
    payload_hash: str
    seen_at: datetime


def listed_items(runs: Sequence[CrawlRun]) -> dict[str, SeenItem]:
    """What the crawl runs listed (native id -> its latest sighting), from their stored listings."""
    seen: dict[str, SeenItem] = {}
    for run in runs:
        for native_id, (payload_hash, fetched_at) in (run.listing or {}).items():
            seen_at = max(datetime.fromisoformat(fetched_at), run.started_at)
            seen[native_id] = SeenItem(native_id, payload_hash, seen_at)
    return seen


def normalise_source(
    sessions: sessionmaker[Session],
    source_id: str,
    *,
    now: datetime,
    again: bool = False,
    normaliser: Normaliser = normalise_record,
    report_cap: int = 50,
) -> SourceNormalised:
    """Normalise what is new for one source, and mark seen what its new crawl runs listed.

    The crawl runs that no normalisation has read yet say which calls the publisher still
    lists: those get their ``last_seen`` moved, even when unchanged, whichever command runs
    this (``run``, or ``crawl`` then ``normalise``); the record a crawl listed is the call's
    current one (a publisher may revert a change, and the raw store keeps identical payloads
    once). Other sources' data is never touched.
    """
    result = SourceNormalised(source_id)
    with sessions() as session:
        runs = raw_repo.runs_to_normalise(session, source_id)
        run_ids = [run.id for run in runs]
        seen = listed_items(runs)
        todo = _records_to_normalise(session, source_id, seen, again=again)
        first_fetch: dict[str, datetime] = dict(
            session.execute(  # type: ignore[arg-type]
                select(RawRecord.native_id, func.min(RawRecord.fetched_at))
                .where(RawRecord.source_id == source_id)
                .group_by(RawRecord.native_id)
            ).all()
        )
    result.seen = len(seen)
    if seen:
        with write_lock, transaction(sessions) as session:
            calls_repo.touch_seen(session, source_id, seen, max(item.seen_at for item in seen.values()))
    report("normalise", "start", item=source_id, completed=0, total=len(todo))
    for done, batch in enumerate(_chunks(todo, BATCH), start=1):
        # Normalising is the slow part: done outside the write transaction, which stays short.
        with sessions() as session:
            outcomes = [
                _normalise_one(session, raw_id, normaliser, now=now, seen=seen, first_fetch=first_fetch)
                for raw_id in batch
            ]
        with write_lock, transaction(sessions) as session:
            for outcome in outcomes:
                if outcome is not None:
                    _store(session, outcome, result, now=now)
        report("normalise", "update", item=source_id, completed=min(done * BATCH, len(todo)), total=len(todo))
    # Only now: a crash before this line leaves the runs to read again, and reading them twice changes nothing.
    with write_lock, transaction(sessions) as session:
        raw_repo.mark_normalised(session, run_ids, now)
    report("normalise", "done", item=source_id, note=f"{result.new} new, {result.changed} changed")
    result.changes = result.changes[:report_cap]
    result.quarantine = result.quarantine[:report_cap]
    return result


def _records_to_normalise(session: Session, source_id: str, seen: dict[str, SeenItem], *, again: bool) -> list[int]:
    todo = {}
    latest = calls_repo.latest_raw_ids(session, source_id)
    pending = set(calls_repo.pending_raw_ids(session, source_id, again=again))
    for native, raw_id in latest.items():
        if raw_id in pending:
            todo[native] = raw_id
    if seen:
        current = calls_repo.raw_ids_for_hashes(
            session, source_id, [(s.native_id, s.payload_hash) for s in seen.values()]
        )
        stored: dict[str, int | None] = {
            native: raw_id
            for native, raw_id in session.execute(
                select(Call.native_id, Call.raw_record_id).where(Call.source_id == source_id)
            )
        }
        quarantined = set(session.scalars(select(Quarantine.raw_record_id).where(Quarantine.source_id == source_id)))
        for (native, _), raw_id in current.items():
            if again or (stored.get(native) != raw_id and raw_id not in quarantined):
                todo[native] = raw_id
            elif native in todo and todo[native] != raw_id:
                del todo[native]  # the crawl says the current record is one already handled
    return sorted(todo.values())


@dataclass(frozen=True)
class _Outcome:
    """One raw record, normalised (``call``) or not (``reasons``)."""

    raw_record_id: int
    source_id: str
    native_id: str
    call: FundingCall | None = None
    reasons: list[str] = field(default_factory=list)


def _normalise_one(
    session: Session,
    raw_id: int,
    normalise: Normaliser,
    *,
    now: datetime,
    seen: dict[str, SeenItem],
    first_fetch: dict[str, datetime],
) -> _Outcome | None:
    record = session.get(RawRecord, raw_id)
    if record is None:
        return None
    existing = session.get(Call, f"{record.source_id}:{record.native_id}")
    first_seen = min(filter(None, [first_fetch.get(record.native_id), record.fetched_at]))
    candidates = [record.fetched_at, seen[record.native_id].seen_at if record.native_id in seen else None]
    last_seen = max(c for c in candidates if c is not None)
    if existing is not None:
        first_seen, last_seen = min(first_seen, existing.first_seen), max(last_seen, existing.last_seen)
    try:
        raw = RawCall.model_validate(record.record)
        call = normalise(raw, now=now, first_seen=first_seen, last_seen=last_seen)
        if call.id != raw.call_id:
            raise ValueError(f"normalisation produced id {call.id!r} for raw record {raw.call_id!r}")
    except Exception as exc:  # every failure is quarantined with its reasons, never dropped
        return _Outcome(record.id, record.source_id, record.native_id, reasons=_failure_reasons(exc))
    return _Outcome(record.id, record.source_id, record.native_id, call=call)


def _store(session: Session, outcome: _Outcome, result: SourceNormalised, *, now: datetime) -> None:
    result.processed += 1
    if outcome.call is None:
        calls_repo.quarantine_record(
            session,
            raw_record_id=outcome.raw_record_id,
            source_id=outcome.source_id,
            native_id=outcome.native_id,
            reasons=outcome.reasons,
            now=now,
        )
        result.quarantined += 1
        result.quarantine.append({"native_id": outcome.native_id, "reasons": outcome.reasons})
        log.info("quarantined %s:%s: %s", outcome.source_id, outcome.native_id, "; ".join(outcome.reasons))
        return
    call = outcome.call
    upserted = calls_repo.upsert_call(session, call, now=now, raw_record_id=outcome.raw_record_id)
    result.resolved += calls_repo.resolve_quarantine(session, outcome.source_id, outcome.native_id, now=now)
    if upserted.outcome == "new":
        result.new += 1
    elif upserted.outcome == "changed":
        result.changed += 1
        result.changes.append({"call_id": call.id, "summary": upserted.summary})
    else:
        result.unchanged += 1


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sources_with_raw_records(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(RawRecord.source_id).distinct()))


def finish_normalisation(sessions: sessionmaker[Session], source_ids: Sequence[str]) -> dict[str, Any]:
    """After every source: link duplicates across sources, then count missing calls."""
    with sessions() as session, session.begin():
        links = calls_repo.store_duplicate_links(session, find_duplicates(calls_repo.duplicate_candidates(session)))
        missing = {source: calls_repo.update_missing(session, source) for source in source_ids}
    return {
        "duplicates": len(links),
        "missing": {source: report.missing for source, report in missing.items() if report.missing},
        "newly_missing": {s: r.newly_missing for s, r in missing.items() if r.newly_missing},
    }
