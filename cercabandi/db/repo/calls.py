"""The calls store: normalised calls, their versions, quarantine, duplicates and missing calls.

Repository functions take a ``session`` and never commit: the caller owns the transaction.

- ``upsert_call`` stores a ``FundingCall`` by its stable id. A changed content hash makes a
  new ``CallVersion`` with a field-level diff; an unchanged call only moves ``last_seen``.
- ``quarantine_record`` keeps a raw record that could not be normalised, with its reasons;
  a later successful normalisation of the same call resolves it (``resolved_at``).
- ``duplicate_candidates`` / ``store_duplicate_links`` read the calls and store the links
  ``normalise.duplicates`` finds between the announcements of one call by several publishers
  and one canonical call (``calls.canonical_id``).
- ``update_missing`` counts the complete, successful crawls of a source that did not list a
  call; failed or partial crawls never count.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.orm import Session

from cercabandi.core.changes import summarise_diff
from cercabandi.core.models import HASH_FIELDS, ROME, DuplicateLink, FundingCall
from cercabandi.db.models import Call, CallVersion, CrawlRun, Quarantine, RawRecord
from cercabandi.db.repo.search import search_document

# A call is reported missing after this many complete, successful crawls without it.
MISSING_AFTER = 2

# Long texts in a diff are cut: the full old and new text stay in the versions' data.
_DIFF_TEXT_LIMIT = 300


# What people act on comes first in a diff: dates, money, who may apply, where.
_FIRST = (
    "deadlines",
    "opening_date",
    "closed_by_publisher",
    "rolling",
    "budget_total",
    "grant_min",
    "grant_max",
    "cofinancing_rate",
    "applicant_types",
    "territory",
)
_DIFF_ORDER = _FIRST + tuple(name for name in HASH_FIELDS if name not in _FIRST)

Outcome = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class UpsertResult:
    call_id: str
    outcome: Outcome
    version: int
    diff: list[dict[str, Any]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return summarise_diff(self.diff, tz=ROME)


# --------------------------------------------------------------------------- upsert


def upsert_call(
    session: Session, call: FundingCall, *, now: datetime, raw_record_id: int | None = None
) -> UpsertResult:
    """Insert or update a call; a new version only when the content hash changes.

    Fields outside the content hash (sanitised HTML, language, warnings) are refreshed
    without making a version: they change how a call is shown, not what it says.
    """
    row = session.get(Call, call.id)
    new_hash = call.content_hash()
    if row is None:
        data = call.model_dump(mode="json")
        row = Call(id=call.id, version=1, first_seen=call.first_seen, last_seen=call.last_seen, missing_count=0)
        _fill_columns(row, call, data, raw_record_id)
        session.add(row)
        session.add(
            CallVersion(
                call_id=call.id,
                version=1,
                content_hash=new_hash,
                data=data,
                diff=[],
                created_at=now,
                raw_record_id=raw_record_id,
            )
        )
        session.flush()
        return UpsertResult(call.id, "new", 1)

    first_seen = min(row.first_seen, call.first_seen)
    last_seen = max(row.last_seen, call.last_seen)
    call = call.model_copy(update={"first_seen": first_seen, "last_seen": last_seen})
    data = call.model_dump(mode="json")
    old_data = row.data
    row.first_seen, row.last_seen = first_seen, last_seen
    if row.content_hash == new_hash:
        _fill_columns(row, call, data, raw_record_id if raw_record_id is not None else row.raw_record_id)
        session.flush()
        return UpsertResult(call.id, "unchanged", row.version)

    diff = diff_calls(old_data, data)
    row.version += 1
    _fill_columns(row, call, data, raw_record_id)
    session.add(
        CallVersion(
            call_id=call.id,
            version=row.version,
            content_hash=new_hash,
            data=data,
            diff=diff,
            created_at=now,
            raw_record_id=raw_record_id,
        )
    )
    session.flush()
    return UpsertResult(call.id, "changed", row.version, diff)


def _fill_columns(row: Call, call: FundingCall, data: dict[str, Any], raw_record_id: int | None) -> None:
    row.source_id = call.source
    row.native_id = call.native_id
    row.title = call.title
    row.level = call.level.value
    row.programme = call.programme
    row.issuer = call.issuer
    row.opening_date = call.opening_date
    row.deadline_at = call.deadlines[-1].at if call.deadlines else None
    row.rolling = call.rolling
    row.closed_by_publisher = call.closed_by_publisher
    row.budget_total = call.budget_total
    row.applicant_types = [a.value for a in call.applicant_types]
    row.content_hash = call.content_hash()
    row.data = data
    row.raw_record_id = raw_record_id
    row.search_text = search_document(call)  # the text search index follows through the triggers


def call_from_row(row: Call) -> FundingCall:
    return FundingCall.model_validate(row.data)


def rankable_calls(session: Session, now: datetime) -> list[FundingCall]:
    """Calls worth ranking at ``now``: canonical (not another announcement of a duplicate), not closed
    by the publisher, not past their last deadline, not missing from their source."""
    rows = session.scalars(
        select(Call)
        .where(
            Call.canonical_id.is_(None),
            Call.closed_by_publisher.is_(False),
            Call.missing_count < MISSING_AFTER,
            or_(Call.deadline_at.is_(None), Call.deadline_at >= now),
        )
        .order_by(Call.id)
    )
    return [call_from_row(row) for row in rows]


def touch_seen(session: Session, source_id: str, native_ids: Iterable[str], seen_at: datetime) -> int:
    """Move ``last_seen`` of calls a crawl listed; returns how many calls were touched."""
    ids = [f"{source_id}:{native}" for native in set(native_ids)]
    touched = 0
    for start in range(0, len(ids), 500):
        for row in session.scalars(select(Call).where(Call.id.in_(ids[start : start + 500]))):
            if row.last_seen < seen_at:
                row.last_seen = seen_at
                row.data = {**row.data, "last_seen": seen_at.isoformat().replace("+00:00", "Z")}
                touched += 1
    session.flush()
    return touched


# ----------------------------------------------------------------------------- diff


def diff_calls(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-level differences between two ``FundingCall`` JSON dumps, over the hashed fields.

    Each entry is ``{"field", "old", "new"}``; list fields also say what was ``added`` and
    ``removed``. Long texts are cut (the versions keep them whole). Diffs are data: they are
    worded when read, by ``core.changes``.
    """
    entries: list[dict[str, Any]] = []
    for name in _DIFF_ORDER:
        before, after = old.get(name), new.get(name)
        if _comparable(name, before) == _comparable(name, after):
            continue
        entry: dict[str, Any] = {"field": name, "old": _cut(before), "new": _cut(after)}
        if name == "applicant_types":
            entry["added"] = sorted(set(after or []) - set(before or []))
            entry["removed"] = sorted(set(before or []) - set(after or []))
        entries.append(entry)
    return entries


def _comparable(name: str, value: Any) -> Any:
    if name in {"budget_total", "grant_min", "grant_max"} and value is not None:
        return Decimal(str(value))
    return value


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _DIFF_TEXT_LIMIT:
        return value[:_DIFF_TEXT_LIMIT] + "…"
    return value


# ----------------------------------------------------------------------- quarantine


def quarantine_record(
    session: Session, *, raw_record_id: int, source_id: str, native_id: str, reasons: Sequence[str], now: datetime
) -> Quarantine:
    """Keep a raw record that failed normalisation; failing again refreshes its reasons."""
    row = session.scalar(select(Quarantine).where(Quarantine.raw_record_id == raw_record_id))
    reasons = [str(r) for r in reasons] or ["normalisation failed without a stated reason"]
    if row is None:
        row = Quarantine(
            raw_record_id=raw_record_id,
            source_id=source_id,
            native_id=native_id,
            reasons=reasons,
            created_at=now,
            resolved_at=None,
        )
        session.add(row)
    else:
        row.reasons = reasons
        row.resolved_at = None
    session.flush()
    return row


def resolve_quarantine(session: Session, source_id: str, native_id: str, *, now: datetime) -> int:
    """A call normalised successfully: its quarantined records leave quarantine."""
    rows = session.scalars(
        select(Quarantine).where(
            Quarantine.source_id == source_id, Quarantine.native_id == native_id, Quarantine.resolved_at.is_(None)
        )
    ).all()
    for row in rows:
        row.resolved_at = now
    session.flush()
    return len(rows)


def open_quarantine(session: Session, source_id: str | None = None) -> list[Quarantine]:
    query = select(Quarantine).where(Quarantine.resolved_at.is_(None))
    if source_id is not None:
        query = query.where(Quarantine.source_id == source_id)
    return list(session.scalars(query.order_by(Quarantine.source_id, Quarantine.native_id)))


# ----------------------------------------------------------------- what to normalise


def latest_raw_ids(session: Session, source_id: str) -> dict[str, int]:
    """The newest raw record of every call of a source: native id -> raw record id."""
    rows = session.execute(
        select(RawRecord.native_id, func.max(RawRecord.id))
        .where(RawRecord.source_id == source_id)
        .group_by(RawRecord.native_id)
    )
    return {native: raw_id for native, raw_id in rows}


def pending_raw_ids(session: Session, source_id: str, *, again: bool = False) -> list[int]:
    """Raw records to normalise: the newest of each call, unless already stored or quarantined.

    With ``again`` every newest record is returned, e.g. after a parser fix.
    """
    latest = latest_raw_ids(session, source_id)
    if again:
        return sorted(latest.values())
    done = set(
        session.scalars(select(Call.raw_record_id).where(Call.source_id == source_id, Call.raw_record_id.isnot(None)))
    )
    quarantined = set(session.scalars(select(Quarantine.raw_record_id).where(Quarantine.source_id == source_id)))
    return sorted(raw_id for raw_id in latest.values() if raw_id not in done and raw_id not in quarantined)


def raw_ids_for_hashes(session: Session, source_id: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Raw record ids for (native id, payload hash) pairs seen by a crawl."""
    wanted = set(keys)
    natives = sorted({native for native, _ in wanted})
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(natives), 500):
        rows = session.execute(
            select(RawRecord.native_id, RawRecord.payload_hash, RawRecord.id).where(
                RawRecord.source_id == source_id, RawRecord.native_id.in_(natives[start : start + 500])
            )
        )
        for native, payload_hash, raw_id in rows:
            if (native, payload_hash) in wanted:
                found[(native, payload_hash)] = raw_id
    return found


# --------------------------------------------------------------------------- missing


@dataclass(frozen=True)
class MissingReport:
    source_id: str
    complete_runs: int
    missing: list[str]  # calls now reported missing (MISSING_AFTER complete crawls without them)
    newly_missing: list[str]
    back: list[str]  # calls seen again after being reported missing


def update_missing(session: Session, source_id: str) -> MissingReport:
    """Count, for every call of a source, the complete successful crawls since it was last seen.

    The count is recomputed from ``crawl_runs`` and ``last_seen`` each time, so running it
    twice changes nothing. Crawls that failed, are failing (zero items, fill-rate drop) or
    did not finish the listing (``complete`` false) never count against a call.
    """
    starts = sorted(
        session.scalars(
            select(CrawlRun.started_at).where(
                CrawlRun.source_id == source_id, CrawlRun.complete.is_(True), CrawlRun.status == "ok"
            )
        )
    )
    missing: list[str] = []
    newly: list[str] = []
    back: list[str] = []
    for row in session.scalars(select(Call).where(Call.source_id == source_id)):
        position = bisect_right(starts, row.last_seen)
        count = len(starts) - position
        since = starts[position] if count else None
        was_missing = row.missing_count >= MISSING_AFTER
        if row.missing_count != count or row.missing_since != since:
            row.missing_count, row.missing_since = count, since
        if count >= MISSING_AFTER:
            missing.append(row.id)
            if not was_missing:
                newly.append(row.id)
        elif was_missing:
            back.append(row.id)
    session.flush()
    return MissingReport(source_id, len(starts), sorted(missing), sorted(newly), sorted(back))


# ------------------------------------------------------------------------ duplicates


def duplicate_candidates(session: Session) -> list[Row[Any]]:
    """Every stored call as ``normalise.duplicates.find_duplicates`` reads it (id, source, title, deadline)."""
    query = select(Call.id, Call.source_id, Call.native_id, Call.title, Call.deadline_at)
    return list(session.execute(query).all())


def store_duplicate_links(session: Session, links: Sequence[DuplicateLink]) -> list[DuplicateLink]:
    """Make ``calls.canonical_id`` say exactly ``links`` (every other call unlinked); returns them."""
    wanted: dict[str, tuple[str | None, str | None]] = {
        link.call_id: (link.canonical_id, link.reason) for link in links
    }
    rows = session.execute(select(Call.id, Call.canonical_id, Call.canonical_reason)).all()
    for row in rows:
        target = wanted.get(row.id, (None, None))
        if (row.canonical_id, row.canonical_reason) != target:
            session.execute(
                update(Call).where(Call.id == row.id).values(canonical_id=target[0], canonical_reason=target[1])
            )
    session.flush()
    return list(links)
