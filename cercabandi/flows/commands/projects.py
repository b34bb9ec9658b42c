"""``cercabandi projects``: import, browse and export the catalogue of municipal projects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from cercabandi.catalogue import (
    EXPORT_HEADERS,
    FIELDS,
    PRESETS,
    THEMES,
    CatalogueFileError,
    Issue,
    export_table,
)
from cercabandi.catalogue.themes import parse_themes
from cercabandi.catalogue.values import parse_stage
from cercabandi.core.comuni import resolve_comune, suggest_comuni
from cercabandi.core.csv_export import DEFAULT_SEPARATOR, separator_for
from cercabandi.core.models import Project, utcnow
from cercabandi.core.vocab import label_it
from cercabandi.db.repo.projects import get_project, list_projects, projects_with_cup
from cercabandi.flows.catalogue import ImportOutcome, import_catalogue, write_table
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context

app = typer.Typer(help="Import, list, show and export the catalogue of municipal projects.", no_args_is_help=True)

MAX_ERRORS_SHOWN = 40


FileArgument = Annotated[Path, typer.Argument(help="The catalogue: a .csv or .xlsx file.", exists=True, dir_okay=False)]
MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Say which field a column holds: 'Header=field' (repeatable). Fields: "
        + ", ".join(FIELDS)
        + ", or extra / ignore.",
    ),
]
SheetOption = Annotated[
    str | None, typer.Option(help="XLSX sheet to read (name or 1-based number) when there are several.")
]
PresetOption = Annotated[
    str | None,
    typer.Option(help=f"A known layout ({', '.join(PRESETS)}); recognised automatically from the headers."),
]
EncodingOption = Annotated[
    str | None, typer.Option(help="CSV text encoding (utf-8, cp1252, latin-1); detected when left out.")
]
SkipInvalidOption = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the valid rows and write the rejected ones to a file.")
]
RejectedOption = Annotated[
    Path | None, typer.Option(help="Where to write rejected rows with their reasons (.csv or .xlsx).")
]


@app.command("import")
def import_cmd(
    file: FileArgument,
    map_: MapOption = None,
    sheet: SheetOption = None,
    preset: PresetOption = None,
    encoding: EncodingOption = None,
    skip_invalid: SkipInvalidOption = False,
    rejected: RejectedOption = None,
) -> None:
    """Import projects from CSV or XLSX: new ones are created, known ones (same id or CUP) updated.

    By default a file with any invalid row imports nothing and exits with status 1.
    """
    ctx = load_context()
    require_schema(ctx)
    if skip_invalid and rejected is None:
        rejected = Path.cwd() / f"{file.stem}_rejected.csv"
    try:
        outcome = import_catalogue(
            ctx.sessions,
            file,
            now=utcnow(),
            maps=map_ or [],
            sheet=sheet,
            preset=preset,
            encoding=encoding,
            skip_invalid=skip_invalid,
            rejected_path=rejected,
        )
    except CatalogueFileError as exc:
        err_console.print(f"[red]Cannot import {file.name}:[/] {exc}")
        raise typer.Exit(2) from exc
    except Exception as exc:
        err_console.print(f"[red]Import failed, nothing was written:[/] {_short_error(exc)}", soft_wrap=True)
        raise typer.Exit(1) from exc
    _print_outcome(outcome, file.name)
    if outcome.report is None:
        err_console.print(
            f"[red]Nothing imported:[/] {len(outcome.parsed.rejected)} row(s) have errors. Fix them and import again, "
            f"or use --skip-invalid to import the {len(outcome.parsed.projects)} valid row(s)."
        )
        raise typer.Exit(1)


def _print_outcome(outcome: ImportOutcome, name: str) -> None:
    parsed = outcome.parsed
    for note in parsed.notes:
        console.print(f"[dim]{note}[/]")
    _mapping_table(parsed.columns.headers, parsed.columns.fields)
    if parsed.warnings:
        _issue_table("Warnings", parsed.warnings, style="yellow")
    if parsed.rejected:
        _issue_table(f"Errors in {len(parsed.rejected)} row(s)", parsed.errors, style="red")
    if outcome.rejected_path is not None:
        console.print(f"Rejected rows with their reasons written to [bold]{outcome.rejected_path}[/]")
    summary = Table("created", "updated", "unchanged", "rejected", title=f"Import of {name}")
    report = outcome.report
    summary.add_row(
        str(len(report.created)) if report else "0",
        str(len(report.updated)) if report else "0",
        str(len(report.unchanged)) if report else "0",
        str(len(parsed.rejected)),
    )
    console.print(summary)
    if report is not None:
        for new_id, old_id in report.matched_by_cup.items():
            console.print(f"[dim]{new_id!r} matched the stored project {old_id!r} by its CUP[/]")


def _mapping_table(headers: list[str], fields: dict[int, str]) -> None:
    table = Table("column", "read as", title="Columns", title_justify="left")
    for index, header in enumerate(headers):
        if not header:
            continue
        field = fields.get(index, "extra")
        shown = {"extra": "[dim]extra (kept as written)[/]", "ignore": "[dim]ignored[/]"}.get(field, field)
        table.add_row(header, shown)
    console.print(table)


def _issue_table(title: str, issues: list[Issue], *, style: str) -> None:
    table = Table("row", "column", "problem", title=title, title_style=style, title_justify="left")
    for issue in issues[:MAX_ERRORS_SHOWN]:
        table.add_row(str(issue.row or ""), issue.column or "", issue.message)
    console.print(table)
    if len(issues) > MAX_ERRORS_SHOWN:
        console.print(f"... and {len(issues) - MAX_ERRORS_SHOWN} more (all of them are in the --rejected file)")


def _filters(comune: str | None, stage: str | None, theme: str | None) -> tuple[str | None, str | None, str | None]:
    istat = None
    if comune is not None:
        found = resolve_comune(comune)
        if found is None:
            names = ", ".join(c.name for c in suggest_comuni(comune)) or "none"
            err_console.print(f"[red]Unknown comune {comune!r}[/] (closest: {names})")
            raise typer.Exit(2)
        istat = found.istat
    stage_value = None
    if stage is not None:
        try:
            parsed_stage = parse_stage(stage)
        except ValueError as exc:
            err_console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
        stage_value = parsed_stage.value if parsed_stage else None
    theme_value = parse_themes(theme)[0] if theme else None
    return istat, stage_value, theme_value


@app.command("list")
def list_cmd(
    comune: Annotated[str | None, typer.Option(help="Only projects in this comune (name or ISTAT code).")] = None,
    stage: Annotated[str | None, typer.Option(help="Only projects at this stage (e.g. 'esecutivo', 'idea').")] = None,
    theme: Annotated[
        str | None, typer.Option(help=f"Only projects with this theme ({', '.join(THEMES)}, or any tag).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows (0 = all).")] = 50,
) -> None:
    """List the projects of the catalogue."""
    ctx = load_context()
    require_schema(ctx)
    istat, stage_value, theme_value = _filters(comune, stage, theme)
    with ctx.sessions() as session:
        projects = list_projects(session, istat=istat, stage=stage_value, theme=theme_value)
    shown = projects if limit <= 0 else projects[:limit]
    table = _list_table(shown, width=console.width)
    console.print(table)
    more = f" (showing {len(shown)}; --limit 0 shows all)" if len(shown) < len(projects) else ""
    console.print(f"{len(projects)} project(s){more}")


def _list_table(projects: list[Project], *, width: int) -> Table:
    """One row per project. The id is pasted into `projects show`: never cut or wrapped; on a
    narrow terminal the stage, themes and cost give way to it."""
    longest = max((len(p.id) for p in projects), default=2)
    wide = width >= longest + 90
    table = Table(Column("id", no_wrap=True, min_width=longest, overflow="ignore"), "title", "comuni")
    if wide:
        for header in ("stage", "themes", "cost (EUR)"):
            table.add_column(header)
    for project in projects:
        cells = [project.id, _short(project.title, 60), _short(", ".join(c.name for c in project.comuni), 40)]
        if wide:
            cost = project.estimated_cost
            cells += [
                label_it(project.stage) if project.stage else "",
                ", ".join(project.themes),
                f"{cost:,.0f}".replace(",", ".") if cost is not None else "",
            ]
        table.add_row(*cells)
    return table


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("show")
def show_cmd(
    project_id: Annotated[
        str, typer.Argument(help="The project's id as `projects list` shows it, or its CUP when no other has it.")
    ],
) -> None:
    """Show every field of one project, found by its id or by its CUP."""
    ctx = load_context()
    require_schema(ctx)
    with ctx.sessions() as session:
        project = get_project(session, project_id)
        candidates = [] if project is not None else projects_with_cup(session, project_id)
    if project is None and len(candidates) == 1:
        project = candidates[0]
    if project is None:
        _not_found(project_id, candidates)
        raise typer.Exit(1)
    console.print(_detail(project))


def _not_found(wanted: str, candidates: list[Project]) -> None:
    if not candidates:
        err_console.print(f"[red]No project with id or CUP {wanted!r}[/] (see `cercabandi projects list`)")
        return
    err_console.print(f"[red]{len(candidates)} projects have the CUP {wanted!r}:[/] show one of them by its id:")
    for candidate in candidates:
        err_console.print(f"  {candidate.id}  {candidate.title}", markup=False, soft_wrap=True)


def _detail(project: Project) -> Table:
    table = Table(show_header=False, title=project.title, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    values = {
        "id": project.id,
        "cup": project.cup or "",
        "title": project.title,
        "description": project.description,
        "comuni": ", ".join(f"{c.name} ({c.istat})" for c in project.comuni),
        "proponent": project.proponent or "",
        "proponent_type": label_it(project.proponent_type) if project.proponent_type else "",
        "partners": "; ".join(project.partners),
        "themes": ", ".join(project.themes),
        "estimated_cost": f"{project.estimated_cost} EUR" if project.estimated_cost is not None else "",
        "cofinancing_available": (
            f"{project.cofinancing_available} EUR" if project.cofinancing_available is not None else ""
        ),
        "stage": label_it(project.stage) if project.stage else "",
        "funding_obtained": project.funding_obtained or "",
        "contact_name": project.contact_name or "",
        "contact_email": project.contact_email or "",
    }
    for field, value in values.items():
        if value:
            table.add_row(EXPORT_HEADERS[field], value)
    for key, value in sorted(project.extra.items()):
        table.add_row(f"[dim]{key}[/]", value)
    return table


@app.command("export")
def export_cmd(
    file: Annotated[Path, typer.Argument(help="Where to write: .csv or .xlsx (it can be imported back as is).")],
    comune: Annotated[str | None, typer.Option(help="Only projects in this comune.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only projects at this stage.")] = None,
    theme: Annotated[str | None, typer.Option(help="Only projects with this theme.")] = None,
    sep: Annotated[
        str,
        typer.Option(
            "--sep",
            help="CSV separator: ';' (Italian Excel, the default), ',' or 'tab'. The file is UTF-8 with a BOM.",
        ),
    ] = DEFAULT_SEPARATOR,
) -> None:
    """Export the catalogue to CSV or XLSX."""
    if file.suffix.lower() not in (".csv", ".xlsx"):
        err_console.print(f"[red]Cannot export to {file.name}:[/] use a .csv or .xlsx file name")
        raise typer.Exit(2)
    try:
        separator = separator_for(sep)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    ctx = load_context()
    require_schema(ctx)
    istat, stage_value, theme_value = _filters(comune, stage, theme)
    with ctx.sessions() as session:
        projects = list_projects(session, istat=istat, stage=stage_value, theme=theme_value)
    headers, rows = export_table(projects)
    write_table(file, headers, rows, separator=separator)
    console.print(f"Exported {len(projects)} project(s) to [bold]{file}[/]")


def _short_error(exc: Exception) -> str:
    """The database's own message, first line only: never the SQL statement with the row's values."""
    from sqlalchemy.exc import DBAPIError, StatementError

    if isinstance(exc, DBAPIError | StatementError) and getattr(exc, "orig", None) is not None:
        return f"{type(exc.orig).__name__}: {str(exc.orig).strip().splitlines()[0]}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="projects")
