"""``cercabandi monitoring``: milestones, reporting deadlines and progress of funded projects."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from cercabandi.core.applications import DASHBOARD_DEADLINE_DAYS, Progress, parse_stage
from cercabandi.core.fmt_it import euro
from cercabandi.core.models import utcnow
from cercabandi.core.themes import THEMES
from cercabandi.db.repo import applications as repo
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.commands.applications import refused, run_change, today_in
from cercabandi.flows.context import AppContext, console, err_console, load_context
from cercabandi.flows.monitoring import import_opendata, import_updates
from cercabandi.monitoring.dashboard import DIMENSIONS, build_dashboard

app = typer.Typer(
    help="Monitor funded projects: milestones, reporting deadlines, progress, imports and the dashboard.",
    no_args_is_help=True,
)


def _date(value: str | None, ctx: AppContext) -> date:
    return date.fromisoformat(value) if value else today_in(ctx)


@app.command("milestone")
def milestone(
    app_id: Annotated[int, typer.Argument(help="The application number (funded).")],
    title: Annotated[str, typer.Argument(help="What the milestone is.")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
    done: Annotated[str | None, typer.Option(help="When it was reached, YYYY-MM-DD.")] = None,
) -> None:
    """Add a milestone to a funded project."""

    def change(session: Session, ctx: AppContext) -> int:
        return repo.add_milestone(
            session,
            app_id,
            title,
            date.fromisoformat(due),
            today=today_in(ctx),
            now=utcnow(),
            done_on=date.fromisoformat(done) if done else None,
        )

    console.print(f"Milestone {run_change(change)} added.")


@app.command("reporting")
def reporting(
    app_id: Annotated[int, typer.Argument(help="The application number (funded).")],
    title: Annotated[str, typer.Argument(help="What must be reported (e.g. 'Rendicontazione SAL 1').")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
) -> None:
    """Add a reporting (rendicontazione) deadline to a funded project; digests remind of it."""
    item = run_change(
        lambda s, _c: repo.add_reporting_deadline(s, app_id, title, date.fromisoformat(due), now=utcnow())
    )
    console.print(f"Reporting deadline {item} added.")


@app.command("done")
def done(
    kind: Annotated[str, typer.Argument(help="milestone or reporting.")],
    item_id: Annotated[int, typer.Argument(help="The milestone or reporting-deadline number.")],
    on: Annotated[str | None, typer.Option(help="The date (YYYY-MM-DD); today when left out.")] = None,
) -> None:
    """Mark a milestone reached or a reporting deadline submitted."""
    run_change(lambda s, c: repo.mark_done(s, kind, item_id, _date(on, c), today=today_in(c)))
    console.print("Marked.")


@app.command("progress")
def progress(
    app_id: Annotated[int, typer.Argument(help="The application number (funded).")],
    stage: Annotated[str, typer.Option(help="The stage (e.g. design, procurement, under_way, completed).")],
    source: Annotated[str, typer.Option(help="Where the information comes from.")],
    spending: Annotated[float | None, typer.Option(help="Percentage of spending, 0-100.")] = None,
    works: Annotated[float | None, typer.Option(help="Percentage of works, 0-100.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date of the information; today when left out.")] = None,
    note: Annotated[str | None, typer.Option(help="A private note.")] = None,
) -> None:
    """Record the state of progress of a funded project."""

    def change(session: Session, ctx: AppContext) -> bool:
        update = Progress(
            stage=parse_stage(stage),
            spending_pct=spending,
            works_pct=works,
            as_of=_date(as_of, ctx),
            source=source,
            note=note,
        )
        return repo.add_progress(session, app_id, update, today=today_in(ctx), now=utcnow())

    console.print("Progress recorded." if run_change(change) else "Already recorded (same date and source).")


@app.command("import-opendata")
def import_opendata_cmd(
    file: Annotated[Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False)],
    dataset: Annotated[
        str, typer.Option(help="pnrr (catalogo_progetti_MI.csv) or periferie2016 (periferie2016_cmm_programmi.csv).")
    ],
) -> None:
    """Import funded projects and their state of progress from open data; re-running changes nothing."""
    ctx = load_context()
    require_schema(ctx)
    with refused():
        report = import_opendata(ctx.sessions, file, dataset, now=utcnow(), today=today_in(ctx))
    console.print(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.progress_added} progress update(s) added."
    )


@app.command("import-updates")
def import_updates_cmd(
    file: Annotated[Path, typer.Argument(help="The update file (.csv or .xlsx).", exists=True, dir_okay=False)],
) -> None:
    """Import progress collected by phone or e-mail (columns: candidatura, fase, spesa_pct, lavori_pct,
    data, fonte, note). Every row or none."""
    ctx = load_context()
    require_schema(ctx)
    outcome = import_updates(ctx.sessions, file, now=utcnow(), today=today_in(ctx))
    if outcome.errors:
        for error in outcome.errors:
            err_console.print(f"[red]{error}[/]")
        err_console.print("[red]Nothing imported:[/] fix the rows above and import the file again.")
        raise typer.Exit(1)
    console.print(f"{outcome.added} update(s) added, {outcome.already_known} already known.")


@app.command("dashboard")
def dashboard(
    by: Annotated[str, typer.Option(help="Group by comune, source (funding source) or theme.")] = "comune",
    xlsx: Annotated[Path | None, typer.Option(help="Also write the dashboard as an XLSX workbook here.")] = None,
) -> None:
    """The monitoring dashboard: applications, success rate, amounts, stages, deadlines, stale projects."""
    from cercabandi.monitoring.export import DIMENSION_LABELS, dashboard_workbook  # openpyxl loads numpy

    ctx = load_context()
    require_schema(ctx)
    today = today_in(ctx)
    if by not in DIMENSIONS:
        err_console.print(f"[red]--by must be one of {', '.join(DIMENSIONS)}[/]")
        raise typer.Exit(2)
    with ctx.sessions() as session:
        board = build_dashboard(repo.list_applications(session), today=today, dimension=by, theme_labels=THEMES)
    table = Table(DIMENSION_LABELS[by], "applications", "success", "requested", "funded", "granted", title="Monitoring")
    for row in board.rows[:40]:
        rate = f"{row.success_rate:.0%}" if row.success_rate is not None else ""
        table.add_row(row.label, str(row.applications), rate, euro(row.requested), str(row.funded), euro(row.granted))
    console.print(table)
    console.print(
        f"{len(board.reporting_soon)} reporting deadline(s) in the next {DASHBOARD_DEADLINE_DAYS} days; "
        f"{len(board.stale)} funded project(s) with no update for 6 months."
    )
    if xlsx is not None:
        xlsx.write_bytes(dashboard_workbook(board, today=today))
        console.print(f"Written to {xlsx}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="monitoring")
