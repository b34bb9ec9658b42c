"""Applications (candidature) and funded-project monitoring: canonical models and their rules.

Each rule is computed in one place (status moves, date order, reminder windows, staleness,
success rate) so the CLI, the web pages, the digest and the dashboard agree. Every check
raises ``MonitoringError`` with a sentence a person can act on; the repository validates
before it writes, so bad input changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from pydantic import Field

from cercabandi.core.models import Contract, Money, NonBlank
from cercabandi.core.vocab import ApplicationStatus, PartnerKind, ProgressStage, label_it

S = ApplicationStatus

# idea → in preparazione → presentata → finanziata / non finanziata; ritirata from any open state.
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.IDEA: frozenset({S.IN_PREPARATION, S.WITHDRAWN}),
    S.IN_PREPARATION: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.FUNDED, S.NOT_FUNDED, S.WITHDRAWN}),
    S.FUNDED: frozenset({S.WITHDRAWN}),  # a funded project can still be renounced
    S.NOT_FUNDED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

OPEN_STATUSES = frozenset({S.IDEA, S.IN_PREPARATION, S.SUBMITTED})  # still heading for a deadline
DECIDED_STATUSES = frozenset({S.FUNDED, S.NOT_FUNDED})  # count in the success rate

REPORTING_REMINDER_DAYS = 14  # the digest reminds of reporting deadlines this close
DASHBOARD_DEADLINE_DAYS = 60  # the dashboard lists reporting deadlines this close
STALE_AFTER_DAYS = 183  # "no update for 6 months"


class MonitoringError(ValueError):
    """Input that makes no sense for an application or a funded project: nothing is written.

    ``str()`` is the English sentence (CLI, logs); ``italian`` the one web pages show.
    """

    def __init__(self, message: str, italian: str | None = None) -> None:
        super().__init__(message)
        self.italian = italian or message


def parse_status(value: str) -> ApplicationStatus:
    """A status from its slug or its Italian label ("presentata")."""
    folded = value.strip().lower().replace(" ", "_")
    for status in ApplicationStatus:
        if folded in (status.value, label_it(status).lower().replace(" ", "_")):
            return status
    names = ", ".join(f"{s.value} ({label_it(s)})" for s in ApplicationStatus)
    raise MonitoringError(f"unknown status {value!r}: use one of {names}", f"stato sconosciuto: {value!r}")


def parse_stage(value: str) -> ProgressStage:
    """A progress stage from its slug or its Italian label."""
    folded = value.strip().lower()
    for stage in ProgressStage:
        if folded in (stage.value, label_it(stage).lower()):
            return stage
    names = ", ".join(f"{s.value} ({label_it(s)})" for s in ProgressStage)
    raise MonitoringError(f"unknown stage {value!r}: use one of {names}", f"fase sconosciuta: {value!r}")


def check_transition(
    current: ApplicationStatus, new: ApplicationStatus, *, on: date, last_change: date | None, today: date
) -> None:
    """A status change must be an allowed move, dated not before the last change nor in the future."""
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(label_it(s) for s in sorted(TRANSITIONS[current])) or "none (it is final)"
        raise MonitoringError(
            f"an application that is {label_it(current)!r} cannot become {label_it(new)!r}; allowed: {allowed}",
            f"una candidatura «{label_it(current)}» non può diventare «{label_it(new)}»; possibili: {allowed}",
        )
    if last_change is not None and on < last_change:
        raise MonitoringError(
            f"the change is dated {on}, before the previous change ({last_change})",
            f"la data del cambio ({on:%d/%m/%Y}) è precedente a quella del cambio precedente ({last_change:%d/%m/%Y})",
        )
    if on > today:
        raise MonitoringError(
            f"the change is dated {on}, in the future (today is {today})", f"la data {on:%d/%m/%Y} è nel futuro"
        )


def check_funded(status: ApplicationStatus, what: str) -> None:
    """Milestones, reporting deadlines and progress belong to funded projects only."""
    if status != S.FUNDED:
        raise MonitoringError(
            f"{what} can be added only to a funded application (this one is {label_it(status)!r})",
            f"si possono aggiungere solo a una candidatura finanziata (questa è «{label_it(status)}»)",
        )


def check_due_after_funding(due: date, funded_on: date | None, what: str) -> None:
    if funded_on is not None and due < funded_on:
        raise MonitoringError(
            f"the {what} is due on {due}, before the funding decision ({funded_on})",
            f"la scadenza ({due:%d/%m/%Y}) è precedente al finanziamento ({funded_on:%d/%m/%Y})",
        )


def check_done(done: date | None, today: date, what: str) -> None:
    if done is not None and done > today:
        raise MonitoringError(
            f"the {what} is marked done on {done}, in the future (today is {today})",
            f"la data {done:%d/%m/%Y} è nel futuro",
        )


def check_progress(spending_pct: float | None, works_pct: float | None, as_of: date, today: date) -> None:
    for name, pct in (("spending", spending_pct), ("works", works_pct)):
        if pct is not None and not 0 <= pct <= 100:
            raise MonitoringError(
                f"{name} percentage {pct} is not between 0 and 100", f"la percentuale {pct} non è tra 0 e 100"
            )
    if as_of > today:
        raise MonitoringError(
            f"the update is dated {as_of}, in the future (today is {today})", f"la data {as_of:%d/%m/%Y} è nel futuro"
        )


def check_amounts(requested: object, cofinancing: object, granted: object = None) -> None:
    for name, value in (("requested", requested), ("co-financing", cofinancing), ("granted", granted)):
        if value is not None and value < 0:  # type: ignore[operator]
            raise MonitoringError(
                f"the amount {name} cannot be negative ({value})", "gli importi non possono essere negativi"
            )


def due_within(due: date, today: date, days: int) -> bool:
    """Due from today up to ``days`` days ahead (the digest's and the dashboard's window)."""
    return today <= due <= today + timedelta(days=days)


def is_stale(last_update: date | None, today: date) -> bool:
    """No progress update for six months (or never)."""
    return last_update is None or (today - last_update).days > STALE_AFTER_DAYS


def success_rate(statuses: Iterable[ApplicationStatus]) -> float | None:
    """Funded over decided (funded + not funded); ``None`` when nothing is decided yet."""
    decided = [s for s in statuses if s in DECIDED_STATUSES]
    if not decided:
        return None
    return sum(1 for s in decided if s == S.FUNDED) / len(decided)


# ------------------------------------------------------------------ models


class Partner(Contract):
    kind: PartnerKind
    ref: str  # ISTAT code of a comune, or an organisation id
    name: str
    role: str = "partner"


class StatusChange(Contract):
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    on: date
    note: str | None = None
    by: str = ""


class Document(Contract):
    title: str
    url: str


class MilestoneItem(Contract):
    id: int
    title: str
    due_on: date
    done_on: date | None = None


class ReportingItem(Contract):
    id: int
    title: str
    due_on: date
    submitted_on: date | None = None


class Progress(Contract):
    stage: ProgressStage
    spending_pct: float | None = None
    works_pct: float | None = None
    as_of: date
    source: str
    note: str | None = None


class ProjectRef(Contract):
    id: str
    title: str
    cup: str | None = None


class Application(Contract):
    """An application with everything that hangs from it; private fields are marked."""

    id: int
    title: NonBlank
    call_id: str | None = None
    call_title: str | None = None
    funding_source: str | None = None
    lead_istat: str | None = None
    lead_name: str
    status: ApplicationStatus
    amount_requested: Money | None = None
    cofinancing: Money | None = None
    amount_granted: Money | None = None
    deadline_on: date | None = None
    themes: list[str] = Field(default_factory=list)
    comuni: list[str] = Field(default_factory=list)  # names: the lead's and the partner comuni
    istat: list[str] = Field(default_factory=list)
    projects: list[ProjectRef] = Field(default_factory=list)
    partners: list[Partner] = Field(default_factory=list)
    history: list[StatusChange] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)  # private
    milestones: list[MilestoneItem] = Field(default_factory=list)
    reporting: list[ReportingItem] = Field(default_factory=list)
    progress: list[Progress] = Field(default_factory=list)  # oldest first
    public: bool = False
    story: str | None = None
    good_practice: str | None = None
    note: str | None = None  # private
    origin: str = "staff"
    external_ref: str | None = None

    @property
    def latest_progress(self) -> Progress | None:
        return self.progress[-1] if self.progress else None

    @property
    def funded_on(self) -> date | None:
        return next((c.on for c in reversed(self.history) if c.to_status == S.FUNDED), None)


def total(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


class FundedRecord(Contract):
    """A funded project read from open data or a staff update file, before it is stored."""

    external_ref: NonBlank  # e.g. "pnrr:<project id>", "periferie2016:1": the key of idempotent imports
    origin: str
    title: NonBlank
    funding_source: str
    lead_istat: str | None = None
    lead_name: str
    istat: list[str] = Field(default_factory=list)  # comuni taking part besides the lead
    project_ids: list[str] = Field(default_factory=list)
    amount_granted: Money | None = None
    themes: list[str] = Field(default_factory=list)
    public: bool = False
    story: str | None = None
    funded_on: date
    progress: Progress | None = None
