"""Build a digest from what gather() read: pure, no database and no clock (``now`` is given).

One entry per call, in the most urgent section that applies: deadline reminders
first, then new matches (those closing within 14 days first, by days left, then by
relevance), then changes. Only what this recipient has not been told yet (``sent_keys``)
makes an entry; the item cap never drops a reminder or a new call closing soon (up to 40), fills up
with the best others, and what it leaves out comes in the next digest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from cercabandi.core.fmt_it import days_until
from cercabandi.core.vocab import Frequency
from cercabandi.digest.changes import describe_changes
from cercabandi.digest.model import (
    CLOSING_SOON_DAYS,
    Digest,
    DigestInputs,
    DigestTotals,
    Entry,
    MatchFact,
    ProjectLine,
    VersionFact,
    item_key,
)
from cercabandi.digest.reasons import explain

REMINDER_DAYS: tuple[int, ...] = (14, 3)  # days before a deadline of a call tagged relevant
MAX_PROJECTS_PER_ENTRY = 2  # a few lines per call; the others are counted and on the call's page
MAX_URGENT_ENTRIES = 40  # calls closing soon pass the item cap up to this many (the HTML must stay under 100 KB)


def period_key(frequency: str, day: date) -> str:
    """The delivery period a day belongs to: ``daily:2026-11-21`` or ``weekly:2026-W47`` (ISO week)."""
    if frequency == Frequency.DAILY:
        return f"daily:{day.isoformat()}"
    if frequency == Frequency.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    raise ValueError(f"unknown digest frequency {frequency!r}: use 'daily' or 'weekly'")


def reminder_threshold(days_left: int) -> int | None:
    """The reminder a deadline ``days_left`` away calls for (3, 14) or None when not yet due."""
    if days_left < 0:
        return None
    due = [days for days in REMINDER_DAYS if days_left <= days]
    return min(due) if due else None


@dataclass
class _Draft:
    call_id: str
    reminder: tuple[int, str] | None = None  # (days left, key)
    new_keys: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    change_keys: list[str] = field(default_factory=list)
    latest_change: datetime | None = None

    @property
    def section(self) -> str:
        if self.reminder:
            return "reminder"
        return "new" if self.new_keys else "changed"


def build_digest(inputs: DigestInputs, *, now: datetime, tz: tzinfo, period: str) -> Digest:
    """The entries of one digest, in the order a person must act on them, cut by the item cap."""
    drafts: dict[str, _Draft] = {}
    open_calls = {cid for cid, call in inputs.calls.items() if not call.is_closed(now)}
    _add_reminders(drafts, inputs, open_calls, now=now, tz=tz)
    matches_by_call = _add_new_matches(drafts, inputs, open_calls)
    _add_changes(drafts, inputs, open_calls, tz=tz)
    entries = [_entry(d, inputs, matches_by_call.get(d.call_id, []), now, tz) for d in drafts.values()]
    reminders, new, changed = _ordered(entries, drafts, now)
    kept_reminders, kept_new, kept_changed = _cut(reminders, new, changed, max(inputs.item_cap, 1))
    omitted = len(entries) - len(kept_reminders) - len(kept_new) - len(kept_changed)
    closing = sum(1 for e in entries if e.section != "changed" and e.closing_soon)
    return Digest(
        subscription_id=inputs.subscription_id,
        email=inputs.email,
        name=inputs.name,
        scope_label=inputs.scope_label,
        period=period,
        generated_at=now,
        reminders=tuple(kept_reminders),
        new=tuple(kept_new),
        changed=tuple(kept_changed),
        omitted=omitted,
        source_alerts=inputs.source_alerts,
        totals=DigestTotals(closing_soon=closing, new=len(new), changed=len(changed)),
        list_path=inputs.list_path,
    )


def _add_reminders(
    drafts: dict[str, _Draft], inputs: DigestInputs, open_calls: set[str], *, now: datetime, tz: tzinfo
) -> None:
    """Deadline reminders for the calls of interest (tagged relevant or assigned) not told yet."""
    for call_id in inputs.interest_calls:
        call = inputs.calls.get(call_id)
        deadline = call.next_deadline(now) if call and call_id in open_calls else None
        if deadline is None:
            continue
        days_left = days_until(deadline.at, now, tz)
        threshold = reminder_threshold(days_left)
        if threshold is None:
            continue
        key = item_key("reminder", call_id, threshold, deadline.at.isoformat())
        if key not in inputs.sent_keys:
            drafts.setdefault(call_id, _Draft(call_id)).reminder = (days_left, key)


def _add_new_matches(
    drafts: dict[str, _Draft], inputs: DigestInputs, open_calls: set[str]
) -> dict[str, list[MatchFact]]:
    """Every match of an open call, by call; the untold ones make the call's entry new."""
    matches_by_call: dict[str, list[MatchFact]] = defaultdict(list)
    for match in inputs.matches:
        if match.call_id in open_calls:
            matches_by_call[match.call_id].append(match)
            if match.key not in inputs.sent_keys:
                drafts.setdefault(match.call_id, _Draft(match.call_id)).new_keys.append(match.key)
    return matches_by_call


def _add_changes(drafts: dict[str, _Draft], inputs: DigestInputs, open_calls: set[str], *, tz: tzinfo) -> None:
    """Changes of the calls this recipient heard of, netted over the versions not told yet."""
    versions_by_call: dict[str, list[VersionFact]] = defaultdict(list)
    heard_of = inputs.told_calls | set(inputs.interest_calls)
    for version in inputs.versions:
        call = inputs.calls.get(version.call_id)
        if call is None or version.key in inputs.sent_keys or version.call_id not in heard_of:
            continue
        # a call past its deadline is no longer news, unless the news is that the publisher closed it
        if version.call_id in open_calls or call.closed_by_publisher:
            versions_by_call[version.call_id].append(version)
    for call_id, versions in versions_by_call.items():
        versions.sort(key=lambda v: v.version)
        sentences = _net_changes(versions, tz)
        if sentences:
            entry = drafts.setdefault(call_id, _Draft(call_id))
            entry.changes = sentences
            entry.change_keys = [v.key for v in versions]
            entry.latest_change = versions[-1].created_at


def _ordered(
    entries: list[Entry], drafts: dict[str, _Draft], now: datetime
) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """Reminders by days left; new calls closing soon first (by days left), then by relevance; changes newest first."""
    reminders = sorted((e for e in entries if e.section == "reminder"), key=lambda e: (e.reminder_days, e.call.title))

    def new_order(entry: Entry) -> tuple[int, float, str]:
        urgency = entry.days_left if entry.closing_soon and entry.days_left is not None else CLOSING_SOON_DAYS + 1
        return (urgency, -max((p.score for p in entry.projects if p.is_new), default=0.0), entry.call.title)

    new = sorted((e for e in entries if e.section == "new"), key=new_order)
    changed = sorted(
        (e for e in entries if e.section == "changed"),
        key=lambda e: (-(drafts[e.call.id].latest_change or now).timestamp(), e.call.title),
    )
    return reminders, new, changed


def _cut(
    reminders: list[Entry], new: list[Entry], changed: list[Entry], cap: int
) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """Keep what must be acted on whatever the cap (reminders, new calls closing soon), then fill up to it."""
    urgent_new = [e for e in new if e.closing_soon][: max(MAX_URGENT_ENTRIES - len(reminders), 0)]
    room = max(cap - len(reminders) - len(urgent_new), 0)
    kept_new = urgent_new + [e for e in new if e not in urgent_new][:room]
    room = max(room - (len(kept_new) - len(urgent_new)), 0)
    return reminders, kept_new, changed[:room]


def _net_changes(versions: list[VersionFact], tz: tzinfo) -> list[str]:
    """Changes from before the first unseen version to after the last: one sentence per field."""
    first, last = versions[0], versions[-1]
    if first.before is not None:
        return describe_changes(first.before, last.after, tz=tz)
    sentences: list[str] = []
    for version in versions:
        sentences += describe_changes(version.before, version.after, diff=version.diff, tz=tz)
    return sentences


def _entry(draft: _Draft, inputs: DigestInputs, matches: list[MatchFact], now: datetime, tz: tzinfo) -> Entry:
    new_keys = set(draft.new_keys)
    ordered = sorted(matches, key=lambda m: (m.key not in new_keys, -m.score, m.project_title))
    lines = []
    for match in ordered[:MAX_PROJECTS_PER_ENTRY]:
        reasons, doubts = explain(match.explanation)
        lines.append(
            ProjectLine(
                project_id=match.project_id,
                title=match.project_title,
                comuni=match.comuni,
                score=match.score,
                reasons=reasons,
                doubts=doubts,
                is_new=match.key in new_keys,
            )
        )
    keys = ([draft.reminder[1]] if draft.reminder else []) + sorted(new_keys) + draft.change_keys
    call = inputs.calls[draft.call_id]
    deadline = call.next_deadline(now)
    return Entry(
        call=call,
        section=draft.section,
        projects=tuple(lines),
        changes=tuple(draft.changes),
        reminder_days=draft.reminder[0] if draft.reminder else None,
        keys=tuple(keys),
        other_projects=max(len(ordered) - MAX_PROJECTS_PER_ENTRY, 0),
        days_left=days_until(deadline.at, now, tz) if deadline is not None else None,
    )
