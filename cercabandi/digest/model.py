"""What a digest is made of: plain, immutable data passed from gather to build to render."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from cercabandi.core.models import FundingCall

ITEM_KEY_MAX = 500  # digest_sent_items.item_key
CLOSING_SOON_DAYS = 14  # a deadline this close comes first, and is counted in the summary


def item_key(kind: str, *parts: str | int) -> str:
    """A sent-item key such as ``match:eu_sedia%3AX:P1``; parts are quoted so ids may hold colons.

    The call id stays readable in second place; an over-long tail is replaced by its hash.
    """
    key = ":".join([kind, *(quote(str(part), safe="") for part in parts)])
    if len(key) <= ITEM_KEY_MAX:
        return key
    head = ":".join([kind, quote(str(parts[0]), safe="")]) if parts else kind
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{head[: ITEM_KEY_MAX - 70]}:~{digest}"


@dataclass(frozen=True)
class DeadlineFact:
    at: datetime
    label: str | None = None


@dataclass(frozen=True)
class CallFacts:
    """The facts of a call a recipient needs to act on it."""

    id: str
    title: str
    url: str
    level: str
    issuer: str | None = None
    programme: str | None = None
    deadlines: tuple[DeadlineFact, ...] = ()
    rolling: bool = False
    closed_by_publisher: bool = False
    opening_date: datetime | None = None
    applicant_types: tuple[str, ...] = ()
    applicants_text: str | None = None
    budget_total: Decimal | None = None
    grant_max: Decimal | None = None
    cofinancing_rate: float | None = None

    @classmethod
    def from_call(cls, call: FundingCall) -> CallFacts:
        """The digest's view of a canonical call (read through ``db/repo``)."""
        return cls(
            id=call.id,
            title=call.title,
            url=call.url,
            level=call.level.value,
            issuer=call.issuer,
            programme=call.programme,
            deadlines=tuple(DeadlineFact(at=d.at, label=d.label) for d in call.deadlines),
            rolling=call.rolling,
            closed_by_publisher=call.closed_by_publisher,
            opening_date=call.opening_date,
            applicant_types=tuple(a.value for a in call.applicant_types),
            applicants_text=call.applicants_text,
            budget_total=call.budget_total,
            grant_max=call.grant_max,
            cofinancing_rate=call.cofinancing_rate,
        )

    def next_deadline(self, now: datetime) -> DeadlineFact | None:
        return next((d for d in self.deadlines if d.at >= now), None)

    def is_closed(self, now: datetime) -> bool:
        if self.closed_by_publisher:
            return True
        return bool(self.deadlines) and self.deadlines[-1].at < now


@dataclass(frozen=True)
class MatchFact:
    """An active match of a call with a project in the subscription's scope."""

    call_id: str
    project_id: str
    project_title: str
    comuni: tuple[str, ...]
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return item_key("match", self.call_id, self.project_id)


@dataclass(frozen=True)
class VersionFact:
    """A new version of a call, with the call's data before and after (FundingCall dumps)."""

    call_id: str
    version: int
    created_at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any]
    diff: tuple[dict[str, Any], ...] = ()

    @property
    def key(self) -> str:
        return item_key("change", self.call_id, f"v{self.version}")


@dataclass(frozen=True)
class SourceAlert:
    source_id: str
    name: str
    problem: str  # Italian, ready to show


@dataclass(frozen=True)
class FollowUpFact:
    """A deadline of the office's own work: a reporting deadline of a funded project, or an open application's."""

    kind: str  # "reporting" | "application"
    application_id: int
    application_title: str
    what: str  # the reporting step, or the call applied for
    due_on: date
    item_id: int = 0  # the reporting deadline's id (0 for an application's own deadline)
    comuni: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUpEntry:
    fact: FollowUpFact
    days_left: int
    key: str


@dataclass(frozen=True)
class DigestInputs:
    """Everything build() needs for one subscription, read from the database by gather()."""

    subscription_id: int
    email: str
    name: str | None
    scope_label: str
    item_cap: int
    calls: dict[str, CallFacts]
    matches: tuple[MatchFact, ...]
    versions: tuple[VersionFact, ...]
    interest_calls: tuple[str, ...]  # tagged relevant or assigned, in scope: deadline reminders
    told_calls: frozenset[str]  # calls this recipient already heard about
    sent_keys: frozenset[str]
    source_alerts: tuple[SourceAlert, ...] = ()
    list_path: str = "/calls?status=open"  # the full list in the web application, for what the e-mail leaves out
    followups: tuple[FollowUpFact, ...] = ()  # staff subscriptions only


@dataclass(frozen=True)
class ProjectLine:
    project_id: str
    title: str
    comuni: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]  # Italian phrases: shared terms, checks passed
    doubts: tuple[str, ...]  # Italian phrases: what could not be verified or failed
    is_new: bool


@dataclass(frozen=True)
class Entry:
    """One call in a digest, with every reason it is there."""

    call: CallFacts
    section: str  # "reminder" | "new" | "changed"
    projects: tuple[ProjectLine, ...] = ()
    changes: tuple[str, ...] = ()  # Italian sentences: "scadenza spostata dal 30/06 al 15/09"
    reminder_days: int | None = None
    keys: tuple[str, ...] = ()
    other_projects: int = 0  # matched projects in scope beyond those listed
    days_left: int | None = None  # to the next deadline, in the reader's timezone

    @property
    def closing_soon(self) -> bool:
        return self.days_left is not None and self.days_left <= CLOSING_SOON_DAYS


@dataclass(frozen=True)
class DigestTotals:
    """The summary at the top of a digest: everything there is to tell, before the item cap."""

    closing_soon: int  # reminders and new matches whose deadline is within CLOSING_SOON_DAYS
    new: int
    changed: int


@dataclass(frozen=True)
class Digest:
    subscription_id: int
    email: str
    name: str | None
    scope_label: str
    period: str
    generated_at: datetime
    reminders: tuple[Entry, ...]
    new: tuple[Entry, ...]
    changed: tuple[Entry, ...]
    omitted: int  # entries left out by the item cap (they come in the next digest)
    source_alerts: tuple[SourceAlert, ...]
    totals: DigestTotals = field(default_factory=lambda: DigestTotals(0, 0, 0))
    list_path: str = "/calls?status=open"
    followups: tuple[FollowUpEntry, ...] = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.reminders + self.new + self.changed

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(key for entry in self.entries for key in entry.keys) + tuple(f.key for f in self.followups)

    @property
    def is_empty(self) -> bool:
        return not self.entries and not self.followups
