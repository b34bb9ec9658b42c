"""Helpers shared by the flows' commands (normalise, match, run, schedule, demo)."""

from __future__ import annotations

import typer

from cercabandi.flows.context import AppContext, err_console


def require_schema(ctx: AppContext) -> None:
    """Stop with an actionable message when the database is missing or behind."""
    from cercabandi.db.session import current_revision, head_revision  # Alembic: loaded only when needed

    current, head = current_revision(ctx.engine), head_revision(ctx.engine)
    if current != head:
        err_console.print(
            f"[red]The database is at revision {current or 'none'}, the code needs {head}:[/] "
            "run `cercabandi db upgrade` first."
        )
        raise typer.Exit(2)


def prepare_prefect_environment(ctx: AppContext) -> None:
    """Before Prefect is imported: give its temporary server time to start on a busy machine
    (the default 20 s is not enough on two loaded cores; the first start migrates its database).
    """
    import os

    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    ctx.settings.prefect_home.mkdir(parents=True, exist_ok=True)
