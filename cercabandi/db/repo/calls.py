"""The calls store: normalised calls, their versions, quarantine, duplicates and missing calls.

Repository functions take a ``session`` and never commit: the caller owns the transaction.

- ``upsert_call`` stores a ``FundingCall`` by its stable id. A changed content hash makes a
  new ``CallVersion`` with a field-level diff; an unchanged call only moves ``last_seen``.
- ``quarantine_record`` keeps a raw record that could not be normalised, with its reasons;
  a later successful normalisation of the same call resolves it (``resolved_at``).
- ``link_duplicates`` links the announcements of one call by several publishers to one
  canonical call (``calls.canonical_id``), conservatively and with a reason.
- ``update_missing`` counts the complete, successful crawls of a source that did not list a
  call; failed or partial crawls never count.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cercabandi.core.folding import strip_accents
from cercabandi.core.models import HASH_FIELDS, ROME, FundingCall
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
        return summarise_diff(self.diff)


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

    Each entry is ``{"field", "old", "new", "summary"}``; list fields also say what was
    ``added`` and ``removed``. Long texts are cut (the versions keep them whole).
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
        entry["summary"] = _describe(name, before, after, entry)
        entries.append(entry)
    return entries


def summarise_diff(diff: Sequence[dict[str, Any]]) -> str:
    """One line for people: 'deadline moved from 30/06/2026 to 15/09/2026; budget changed ...'."""
    return "; ".join(str(entry.get("summary") or f"{entry['field']} changed") for entry in diff)


def _comparable(name: str, value: Any) -> Any:
    if name in {"budget_total", "grant_min", "grant_max"} and value is not None:
        return Decimal(str(value))
    return value


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _DIFF_TEXT_LIMIT:
        return value[:_DIFF_TEXT_LIMIT] + "…"
    return value


def _date(value: str | None) -> str:
    if not value:
        return "none"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(ROME).strftime("%d/%m/%Y %H:%M").removesuffix(" 00:00")


def _money(value: Any) -> str:
    if value is None:
        return "not stated"
    return f"€ {Decimal(str(value)):,.2f}"


def _describe(name: str, before: Any, after: Any, entry: dict[str, Any]) -> str:
    if name == "deadlines":
        old_last = before[-1]["at"] if before else None
        new_last = after[-1]["at"] if after else None
        if old_last and new_last and old_last != new_last:
            return f"deadline moved from {_date(old_last)} to {_date(new_last)}"
        if old_last and not new_last:
            return f"deadline {_date(old_last)} removed"
        if new_last and not old_last:
            return f"deadline set to {_date(new_last)}"
        return f"deadlines changed ({len(before or [])} → {len(after or [])} dates)"
    if name == "opening_date":
        return f"opening date changed from {_date(before)} to {_date(after)}"
    if name in {"budget_total", "grant_min", "grant_max"}:
        label = {"budget_total": "budget", "grant_min": "minimum grant", "grant_max": "maximum grant"}[name]
        return f"{label} changed from {_money(before)} to {_money(after)}"
    if name == "cofinancing_rate":
        shown = ["not stated" if v is None else f"{float(v):.0%}" for v in (before, after)]
        return f"co-financing rate changed from {shown[0]} to {shown[1]}"
    if name == "applicant_types":
        added, removed = entry["added"], entry["removed"]
        if added and not removed:
            return "applicants widened: + " + ", ".join(added)
        if removed and not added:
            return "applicants narrowed: - " + ", ".join(removed)
        return "applicants changed: " + ", ".join([*(f"+ {a}" for a in added), *(f"- {r}" for r in removed)])
    if name == "closed_by_publisher":
        return "closed by the publisher" if after else "reopened by the publisher"
    if name == "rolling":
        return "now open until funds run out (a sportello)" if after else "no longer a sportello"
    if name == "territory":
        return f"territory changed from {(before or {}).get('scope')} to {(after or {}).get('scope')}"
    if name == "attachments":
        return f"attachments changed ({len(before or [])} → {len(after or [])})"
    if isinstance(before, str) and isinstance(after, str) and max(len(before), len(after)) > 80:
        return f"{name.replace('_', ' ')} text changed"
    return f"{name.replace('_', ' ')} changed from {before!r} to {after!r}"


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

# Publishers' own sites before aggregators: the canonical announcement of a group is the
# one from the earliest source in this list (then the smallest id, for a stable choice).
SOURCE_PRIORITY: tuple[str, ...] = (
    "eu_sedia",
    "eu_urban_initiative",
    "lombardia_bandi",
    "fnd_cariplo",
    "it_padigitale",
    "it_italiadomani",
    "it_coesione",
    "it_dait",
    "it_incentivi",
)

# EU topic identifiers: "HORIZON-CL5-2024-D4-01-01", "CERV-2025-CITIZENS-CIV", "LIFE-2025-SAP-ENV".
EU_IDENTIFIER_RE = re.compile(r"\b[A-Z][A-Z0-9]{1,14}(?:-[A-Z0-9]{1,20}){2,}\b")

# Short or generic titles ("Avviso pubblico", "Bando 2026") are not evidence of identity.
MIN_TITLE_WORDS = 4
MIN_TITLE_CHARS = 25


@dataclass(frozen=True)
class DuplicateLink:
    call_id: str
    canonical_id: str
    reason: str


def normalise_title(title: str) -> str:
    """Case, accents, punctuation and spacing removed: 'Bando «Città» 2026 ' -> 'bando citta 2026'."""
    letters = strip_accents(title.casefold())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", letters).split())


def eu_identifiers(text: str) -> set[str]:
    return set(EU_IDENTIFIER_RE.findall(text or ""))


def link_duplicates(session: Session) -> list[DuplicateLink]:
    """Link calls announced more than once to one canonical call; returns the current links.

    Two rules, both conservative:
    - the same EU topic identifier: the native id of an EU portal call, found again as the
      native id or in the title of another call (any source, also the EU index twice);
    - the same normalised title (at least 4 words and 25 characters) and the same last
      deadline date (Europe/Rome), announced by two different sources.
    The links are recomputed from scratch, so a call whose title or deadline changes is
    unlinked again, and re-running changes nothing.
    """
    rows = session.execute(
        select(
            Call.id,
            Call.source_id,
            Call.native_id,
            Call.title,
            Call.deadline_at,
            Call.canonical_id,
            Call.canonical_reason,
        )
    ).all()
    parent: dict[str, str] = {row.id: row.id for row in rows}
    why: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str, reason: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
        why.setdefault(a, reason)
        why.setdefault(b, reason)

    source_of = {row.id: row.source_id for row in rows}

    def priority(call_id: str) -> tuple[int, str]:
        source = source_of[call_id]
        rank = SOURCE_PRIORITY.index(source) if source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)
        return rank, call_id

    # Rule 1: EU identifiers.
    by_identifier: dict[str, list[str]] = {}
    eu_native = {
        row.native_id for row in rows if row.source_id.startswith("eu_") and EU_IDENTIFIER_RE.fullmatch(row.native_id)
    }
    for row in rows:
        found = (eu_identifiers(row.title) | eu_identifiers(row.native_id)) & eu_native
        for identifier in found:
            by_identifier.setdefault(identifier, []).append(row.id)
    for identifier, ids in by_identifier.items():
        for other in ids[1:]:
            union(ids[0], other, f"same EU identifier {identifier}")

    # Rule 2: same title and same deadline date, different sources.
    by_title: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in rows:
        if row.deadline_at is None:
            continue
        title = normalise_title(row.title)
        if len(title.split()) < MIN_TITLE_WORDS or len(title) < MIN_TITLE_CHARS:
            continue
        day = row.deadline_at.astimezone(ROME).date().isoformat()
        by_title.setdefault((title, day), []).append((row.id, row.source_id))
    for (_, day), members in by_title.items():
        # Two entries of one source with the same title and date may be distinct lots: only
        # announcements by other sources are linked to the group's canonical entry.
        head_id, head_source = min(members, key=lambda m: priority(m[0]))
        for other, source in members:
            if source != head_source:
                union(head_id, other, f"same title and same deadline date ({day})")

    groups: dict[str, list[str]] = {}
    for call_id in parent:
        groups.setdefault(find(call_id), []).append(call_id)

    wanted: dict[str, tuple[str | None, str | None]] = {}
    links: list[DuplicateLink] = []
    for group in groups.values():
        canonical = min(group, key=priority)
        for call_id in group:
            if call_id == canonical:
                wanted[call_id] = (None, None)
            else:
                reason = f"{why.get(call_id, 'duplicate')} as {canonical}"[:300]
                wanted[call_id] = (canonical, reason)
                links.append(DuplicateLink(call_id, canonical, reason))

    for row in rows:
        if (row.canonical_id, row.canonical_reason) != wanted[row.id]:
            target, target_reason = wanted[row.id]
            session.execute(
                update(Call).where(Call.id == row.id).values(canonical_id=target, canonical_reason=target_reason)
            )
    session.flush()
    return sorted(links, key=lambda link: link.call_id)
