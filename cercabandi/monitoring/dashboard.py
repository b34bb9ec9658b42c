"""The monitoring dashboard, computed from canonical applications: pure, ``today`` passed in.

Grouped per comune, per funding source or per theme: applications made by the office, success
rate, amounts requested and granted, funded projects by stage; plus reporting deadlines in the
next 60 days and funded projects with no update for 6 months. The web page, its SVG charts
and the XLSX export all read these numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cercabandi.core.applications import (
    DASHBOARD_DEADLINE_DAYS,
    Application,
    ReportingItem,
    due_within,
    is_stale,
    success_rate,
    total,
)
from cercabandi.core.vocab import ApplicationStatus, ProgressStage

NO_UPDATE = "no_update"  # a funded project without any progress update
DIMENSIONS = ("comune", "source", "theme")


@dataclass
class GroupRow:
    key: str
    label: str
    applications: int = 0  # made by the office (origin "staff")
    funded: int = 0  # funded projects, applications and imported ones
    success_rate: float | None = None
    requested: Decimal = Decimal(0)
    granted: Decimal = Decimal(0)
    stages: Counter[str] = field(default_factory=Counter)


@dataclass
class Dashboard:
    dimension: str
    rows: list[GroupRow]
    stage_totals: Counter[str]
    reporting_soon: list[tuple[Application, ReportingItem]]
    stale: list[Application]
    applications: int
    funded: int
    success_rate: float | None
    requested: Decimal
    granted: Decimal


def stage_of(app: Application) -> str:
    latest = app.latest_progress
    return latest.stage.value if latest is not None else NO_UPDATE


def _keys(dimension: str, theme_labels: dict[str, str]) -> Callable[[Application], list[tuple[str, str]]]:
    if dimension == "comune":
        return lambda a: list(zip(a.istat, a.comuni, strict=True))
    if dimension == "source":
        return lambda a: [(a.funding_source or "", a.funding_source or "Fonte non indicata")]
    if dimension == "theme":
        return lambda a: [(t, theme_labels.get(t, t)) for t in a.themes] or [("", "Tema non indicato")]
    raise ValueError(f"unknown dimension {dimension!r}: one of {', '.join(DIMENSIONS)}")


def _fill(row: GroupRow, apps: Sequence[Application]) -> GroupRow:
    staff = [a for a in apps if a.origin == "staff"]
    funded = [a for a in apps if a.status == ApplicationStatus.FUNDED]
    row.applications = len(staff)
    row.funded = len(funded)
    row.success_rate = success_rate(a.status for a in staff)
    row.requested = total(a.amount_requested for a in staff)
    row.granted = total(a.amount_granted for a in funded)
    row.stages = Counter(stage_of(a) for a in funded)
    return row


def build_dashboard(
    apps: Iterable[Application],
    *,
    today: date,
    dimension: str = "comune",
    theme_labels: dict[str, str] | None = None,
) -> Dashboard:
    everything = list(apps)
    key_of = _keys(dimension, theme_labels or {})
    groups: dict[str, list[Application]] = {}
    labels: dict[str, str] = {}
    for app in everything:
        for key, label in key_of(app):
            groups.setdefault(key, []).append(app)
            labels[key] = label
    rows = [_fill(GroupRow(key=k, label=labels[k]), v) for k, v in groups.items()]
    rows.sort(key=lambda r: (-r.applications, -r.funded, r.label))
    overall = _fill(GroupRow(key="", label="Totale"), everything)
    funded = [a for a in everything if a.status == ApplicationStatus.FUNDED]
    soon = [
        (a, r)
        for a in funded
        for r in a.reporting
        if r.submitted_on is None and due_within(r.due_on, today, DASHBOARD_DEADLINE_DAYS)
    ]
    stale = [a for a in funded if stage_of(a) not in (ProgressStage.REPORTED.value,) and is_stale(_last(a), today)]
    return Dashboard(
        dimension=dimension,
        rows=rows,
        stage_totals=overall.stages,
        reporting_soon=sorted(soon, key=lambda p: (p[1].due_on, p[0].id)),
        stale=sorted(stale, key=lambda a: (_last(a) or date.min, a.id)),
        applications=overall.applications,
        funded=overall.funded,
        success_rate=overall.success_rate,
        requested=overall.requested,
        granted=overall.granted,
    )


def _last(app: Application) -> date | None:
    latest = app.latest_progress
    return latest.as_of if latest is not None else None
