"""The dashboard's numbers from canonical applications: pure, ``today`` passed in."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from cercabandi.core.applications import Application, Progress, ReportingItem
from cercabandi.core.vocab import ApplicationStatus, ProgressStage
from cercabandi.monitoring.dashboard import NO_UPDATE, build_dashboard

TODAY = date(2026, 11, 30)
RHO, SESTO = ("015182", "Rho"), ("015209", "Sesto San Giovanni")


def _app(app_id: int, status: ApplicationStatus, comuni: list[tuple[str, str]], **extra: object) -> Application:
    return Application(
        id=app_id,
        title=f"A{app_id}",
        lead_name=comuni[0][1],
        status=status,
        istat=[c for c, _ in comuni],
        comuni=[n for _, n in comuni],
        **extra,  # type: ignore[arg-type]
    )


def test_groups_rates_amounts_windows_and_staleness() -> None:
    apps = [
        _app(
            1,
            ApplicationStatus.FUNDED,
            [RHO, SESTO],
            funding_source="PNRR",
            themes=["sport"],
            amount_requested=Decimal(100),
            amount_granted=Decimal(90),
            reporting=[
                ReportingItem(id=1, title="SAL", due_on=TODAY + timedelta(days=59)),
                ReportingItem(id=2, title="Finale", due_on=TODAY + timedelta(days=61)),
            ],
            progress=[Progress(stage=ProgressStage.UNDER_WAY, as_of=TODAY - timedelta(days=10), source="x")],
        ),
        _app(2, ApplicationStatus.NOT_FUNDED, [RHO], funding_source="Regione", amount_requested=Decimal(50)),
        _app(3, ApplicationStatus.SUBMITTED, [SESTO], amount_requested=Decimal(70)),
        _app(
            4,
            ApplicationStatus.FUNDED,
            [SESTO],
            origin="opendata:pnrr",
            funding_source="PNRR",
            progress=[Progress(stage=ProgressStage.ACTIVE, as_of=TODAY - timedelta(days=200), source="y")],
        ),
    ]
    board = build_dashboard(apps, today=TODAY, dimension="comune")
    rows = {r.label: r for r in board.rows}
    assert (rows["Rho"].applications, rows["Rho"].funded, rows["Rho"].success_rate) == (2, 1, 0.5)
    assert rows["Rho"].requested == Decimal(150) and rows["Rho"].granted == Decimal(90)
    assert (rows["Sesto San Giovanni"].applications, rows["Sesto San Giovanni"].funded) == (2, 2)  # 4 is not ours
    assert rows["Sesto San Giovanni"].stages == {"under_way": 1, "active": 1}
    assert (board.applications, board.funded, board.success_rate) == (3, 2, 0.5)
    assert [(a.id, r.title) for a, r in board.reporting_soon] == [(1, "SAL")]  # 61 days is outside
    assert [a.id for a in board.stale] == [4]  # 200 days without an update
    by_source = {r.label: r for r in build_dashboard(apps, today=TODAY, dimension="source").rows}
    assert set(by_source) == {"PNRR", "Regione", "Fonte non indicata"}
    by_theme = build_dashboard(apps, today=TODAY, dimension="theme", theme_labels={"sport": "Sport"})
    assert {r.label for r in by_theme.rows} == {"Sport", "Tema non indicato"}
    never = build_dashboard([_app(5, ApplicationStatus.FUNDED, [RHO])], today=TODAY)
    assert never.stage_totals == {NO_UPDATE: 1} and [a.id for a in never.stale] == [5]
