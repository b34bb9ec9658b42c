"""``cercabandi db``: create and inspect the database schema."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import func, select

from cercabandi.core.settings import redact_url
from cercabandi.db import models
from cercabandi.db.session import current_revision, head_revision, table_names, upgrade
from cercabandi.flows.context import AppContext, console, load_context
from cercabandi.flows.errors import EXIT_CONFIG

app = typer.Typer(help="Create, upgrade and inspect the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Create or migrate the database to the latest schema and load reference data (comuni)."""
    ctx = load_context()
    upgrade(ctx.engine)
    console.print(f"Database at revision [bold]{current_revision(ctx.engine)}[/] ({_safe_url(ctx)})")


@app.command("status")
def status_cmd() -> None:
    """Show the schema revision and how many rows each main table holds."""
    ctx = load_context()
    current, head = current_revision(ctx.engine), head_revision(ctx.engine)
    console.print(f"Database: {_safe_url(ctx)}")
    console.print(f"Schema revision: {current or 'none (run `cercabandi db upgrade`)'} (latest: {head})")
    if current is None:
        raise typer.Exit(EXIT_CONFIG)
    table = Table("table", "rows")
    present = set(table_names(ctx.engine))
    with ctx.sessions() as session:
        for model in (
            models.Comune,
            models.Project,
            models.Source,
            models.CrawlRun,
            models.RawRecord,
            models.Quarantine,
            models.Call,
            models.CallVersion,
            models.MatchRow,
            models.ReviewRow,
            models.User,
            models.Subscription,
            models.DigestDelivery,
        ):
            if model.__tablename__ in present:
                count = session.scalar(select(func.count()).select_from(model)) or 0
                table.add_row(model.__tablename__, str(count))
    console.print(table)
    if current != head:
        console.print("[yellow]The schema is behind: run `cercabandi db upgrade`.[/]")
        raise typer.Exit(EXIT_CONFIG)


def _safe_url(ctx: AppContext) -> str:
    return redact_url(ctx.settings.resolved_database_url)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
