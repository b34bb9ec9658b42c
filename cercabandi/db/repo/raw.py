"""The raw store in the database: sources, crawl runs and append-only raw records.

A crawl run is opened before the spider starts and closed after its raw file is
ingested. Ingesting appends a ``RawRecord`` only for a payload not stored before
(unique on source, native id and ``RawCall.payload_hash()``), and counts what is
new (a native id never seen) and changed (a known id with a new payload).

Health: a run is ``failed`` when the spider process did not finish, ``failing``
when it finished but looks wrong — no items, far fewer items than the previous
successful run, or a field filled much more rarely than before — ``degraded`` when
it is otherwise sound but some call pages were read by the generic fallback (the
publisher's layout drifted: ``extra["extraction"] == "fallback"``), and ``ok``
otherwise. Only an ``ok`` run whose listing was read to the end is ``complete``;
later stages mark calls missing only after complete runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.models import RawCall
from cercabandi.core.sources import SOURCES
from cercabandi.db.models import CrawlRun, RawRecord, Source

# Health thresholds (see module docstring).
MIN_PREVIOUS_RATE = 0.2  # a field rarely filled before is not watched
RATE_DROP_FACTOR = 0.5  # a watched field now filled less than half as often as before
ITEM_DROP_FACTOR = 0.5  # fewer than half the items of the previous successful run
MIN_ITEMS_FOR_DROP_CHECK = 10

# Field -> test of "filled". Dates and amounts also by label, the parts readers rely on.
_FILLED: dict[str, Any] = {
    "title": lambda c: bool(c.title and c.title.strip()),
    "summary": lambda c: bool(c.summary and c.summary.strip()),
    "body": lambda c: bool(c.body and c.body.strip()),
    "dates": lambda c: bool(c.dates),
    "opening": lambda c: any(d.label == "opening" for d in c.dates),
    "deadline": lambda c: any(d.label.startswith("deadline") for d in c.dates),
    "amounts": lambda c: bool(c.amounts),
    "applicants": lambda c: bool(c.applicants and c.applicants.strip()),
    "territory": lambda c: bool(c.territory and c.territory.strip()),
    "programme": lambda c: bool(c.programme and c.programme.strip()),
    "issuer": lambda c: bool(c.issuer and c.issuer.strip()),
    "status": lambda c: bool(c.status and c.status.strip()),
    "attachments": lambda c: bool(c.attachments),
}
FILL_FIELDS: tuple[str, ...] = tuple(_FILLED)


@dataclass
class IngestResult:
    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    stored: int = 0  # raw records appended
    fallbacks: int = 0  # records read by the generic fallback, not the source's own selectors
    fill_rates: dict[str, float] = field(default_factory=dict)
    native_ids: set[str] = field(default_factory=set)
    listing: dict[str, list[str]] = field(default_factory=dict)  # kept on the run: see ``listing_entry``


def listing_entry(call: RawCall) -> list[str]:
    """What a run's ``listing`` keeps of one listed record: its payload hash and fetch time."""
    return [call.payload_hash(), call.fetched_at.isoformat()]


def sync_sources(session: Session) -> None:
    """Create or update one ``sources`` row per entry of ``core.sources.SOURCES``."""
    for info in SOURCES.values():
        row = session.get(Source, info.id)
        if row is None:
            row = Source(id=info.id, enabled=True)
            session.add(row)
        row.name, row.url, row.level = info.name, info.url, info.level.value
        row.format, row.licence, row.cadence = info.format, info.licence, info.cadence
    session.flush()


def start_crawl_run(
    session: Session, source_id: str, *, started_at: datetime, run_key: str | None = None, replay: bool = False
) -> CrawlRun:
    if session.get(Source, source_id) is None:
        sync_sources(session)
    run = CrawlRun(
        source_id=source_id, run_key=run_key, started_at=started_at, status="running", complete=False, replay=replay
    )
    session.add(run)
    session.flush()
    return run


def read_raw_file(path: Path) -> Iterator[RawCall]:
    """The records of a raw store file (JSON lines of ``RawCall``)."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield RawCall.model_validate_json(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a valid raw record: {exc}") from exc


def latest_records(session: Session, source_id: str) -> dict[str, dict[str, Any]]:
    """The most recent stored record of every native id of a source."""
    rows = session.execute(
        select(RawRecord.native_id, RawRecord.record).where(RawRecord.source_id == source_id).order_by(RawRecord.id)
    )
    return {native_id: record for native_id, record in rows}


def raw_call_of(session: Session, raw_record_id: int | None) -> RawCall | None:
    """The raw call a stored record holds (None when the id is unknown)."""
    row = session.get(RawRecord, raw_record_id) if raw_record_id is not None else None
    return RawCall.model_validate(row.record) if row is not None else None


def write_known_state(session: Session, source_id: str, path: Path) -> Path:
    """Write ``{native_id: last record}`` for a spider's ``known`` argument."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(latest_records(session, source_id), ensure_ascii=False), encoding="utf-8")
    return path


def fill_rates(calls: Iterable[RawCall]) -> dict[str, float]:
    """Share of records with each field filled (``FILL_FIELDS``), rounded to 3 decimals."""
    counts = dict.fromkeys(FILL_FIELDS, 0)
    total = 0
    for call in calls:
        total += 1
        for name, filled in _FILLED.items():
            if filled(call):
                counts[name] += 1
    return {name: round(count / total, 3) if total else 0.0 for name, count in counts.items()}


def ingest_raw_file(session: Session, run: CrawlRun, path: Path) -> IngestResult:
    """Append the new payloads of a raw file to ``raw_records`` and count new/changed."""
    latest: dict[str, str] = {}
    stored: set[tuple[str, str]] = set()
    for native_id, payload_hash in session.execute(
        select(RawRecord.native_id, RawRecord.payload_hash)
        .where(RawRecord.source_id == run.source_id)
        .order_by(RawRecord.id)
    ):
        latest[native_id] = payload_hash
        stored.add((native_id, payload_hash))

    result = IngestResult()
    calls: list[RawCall] = []
    for call in read_raw_file(path):
        if call.source != run.source_id:
            raise ValueError(f"{path} holds a record of source {call.source!r} in a crawl of {run.source_id!r}")
        if call.native_id in result.native_ids:
            continue  # the pipeline already drops repeats; a hand-made file may not
        result.native_ids.add(call.native_id)
        calls.append(call)
        result.fallbacks += call.extra.get("extraction") == "fallback"
        digest = call.payload_hash()
        result.listing[call.native_id] = listing_entry(call)
        if call.native_id not in latest:
            result.new += 1
        elif latest[call.native_id] != digest:
            result.changed += 1
        else:
            result.unchanged += 1
        if (call.native_id, digest) in stored:
            # Unchanged, or back to an earlier payload: that payload is already kept once.
            continue
        session.add(
            RawRecord(
                source_id=run.source_id,
                native_id=call.native_id,
                payload_hash=digest,
                crawl_run_id=run.id,
                url=call.url,
                fetched_at=call.fetched_at,
                record=call.model_dump(mode="json"),
            )
        )
        stored.add((call.native_id, digest))
        result.stored += 1
    session.flush()
    result.items = len(calls)
    result.fill_rates = fill_rates(calls)
    return result


def previous_successful_run(session: Session, source_id: str, *, before_id: int | None = None) -> CrawlRun | None:
    query = select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.status == "ok")
    if before_id is not None:
        query = query.where(CrawlRun.id < before_id)
    return session.scalar(query.order_by(CrawlRun.id.desc()).limit(1))


def health_problems(items: int, rates: dict[str, float], previous: CrawlRun | None) -> list[str]:
    """Why a finished crawl looks broken; empty when it looks healthy."""
    if items == 0:
        return ["no items: the listing was empty or the spider no longer recognises the pages"]
    problems: list[str] = []
    if previous is None:
        return problems
    if previous.items >= MIN_ITEMS_FOR_DROP_CHECK and items < previous.items * ITEM_DROP_FACTOR:
        problems.append(f"items fell from {previous.items} to {items} since the last successful crawl")
    for name, before in sorted((previous.fill_rates or {}).items()):
        now = rates.get(name)
        if now is None or before < MIN_PREVIOUS_RATE:
            continue
        if now < before * RATE_DROP_FACTOR:
            problems.append(f"field '{name}' filled in {now:.0%} of items, {before:.0%} in the last successful crawl")
    return problems


def finish_crawl_run(
    session: Session,
    run: CrawlRun,
    *,
    finished_at: datetime,
    ingest: IngestResult | None,
    errors: int,
    process_ok: bool,
    listing_complete: bool,
    problems: Iterable[str] = (),
) -> CrawlRun:
    """Close a run with its figures, decide its health, and update the source."""
    all_problems = list(problems)
    items = ingest.items if ingest else 0
    rates = ingest.fill_rates if ingest else {}
    if process_ok and ingest is not None:
        previous = previous_successful_run(session, run.source_id, before_id=run.id)
        health = health_problems(items, rates, previous)
        all_problems += health
        status = "failing" if health or all_problems else "ok"
        if status == "ok" and ingest.fallbacks:
            status = "degraded"
            all_problems.append(
                f"{ingest.fallbacks} of {items} items read by the generic fallback: the publisher's layout changed"
            )
    else:
        status = "failed"
    run.finished_at = finished_at
    run.items = items
    run.new = ingest.new if ingest else 0
    run.changed = ingest.changed if ingest else 0
    run.errors = errors
    run.fill_rates = rates
    run.problems = all_problems
    run.status = status
    run.complete = status == "ok" and listing_complete
    run.listing = ingest.listing if ingest is not None and status != "failed" else None
    if status in ("ok", "degraded"):  # a degraded source still delivered its calls
        source = session.get(Source, run.source_id)
        if source is not None:
            source.last_success_at = finished_at
            source.last_item_count = items
    session.flush()
    return run


def runs_to_normalise(session: Session, source_id: str) -> list[CrawlRun]:
    """Finished crawl runs of a source that no normalisation has read yet, oldest first.

    A failed run has no ``listing``; a ``failing`` one (few items, a field filled more
    rarely) still saw what it listed.
    """
    return list(
        session.scalars(
            select(CrawlRun)
            .where(
                CrawlRun.source_id == source_id,
                CrawlRun.finished_at.is_not(None),
                CrawlRun.normalised_at.is_(None),
            )
            .order_by(CrawlRun.id)
        )
    )


def mark_normalised(session: Session, run_ids: Sequence[int], at: datetime) -> None:
    """Record that normalisation read these runs' listings."""
    for start in range(0, len(run_ids), 500):
        for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids[start : start + 500]))):
            run.normalised_at = at
    session.flush()
