"""Helpers shared by the flows' commands (normalise, match, run, schedule, demo)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from cercabandi.flows.context import AppContext, err_console
from cercabandi.flows.errors import EXIT_CONFIG


def require_schema(ctx: AppContext) -> None:
    """Stop with an actionable message when the database is missing or behind: a configuration
    error, exit status 2 like every other (``flows.errors``)."""
    from cercabandi.db.session import current_revision, head_revision  # Alembic: loaded only when needed

    current, head = current_revision(ctx.engine), head_revision(ctx.engine)
    if current != head:
        err_console.print(
            f"[red]The database is at revision {current or 'none'}, the code needs {head}:[/] "
            "run `cercabandi db upgrade` first."
        )
        raise typer.Exit(EXIT_CONFIG)


def prepare_prefect_environment(ctx: AppContext) -> None:
    """Before Prefect is imported: give its temporary server time to start on a busy machine
    (the default 20 s is not enough on two loaded cores; the first start migrates its database).
    """
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    ctx.settings.prefect_home.mkdir(parents=True, exist_ok=True)


@contextmanager
def one_off_flow_runs(ctx: AppContext) -> Iterator[None]:
    """Around flows a command runs once on Prefect's temporary server: flow-run heartbeats off.

    Heartbeats let a real server notice crashed runs; the temporary server ends with the
    command, and each flow run waited about 0.8 s at its end for its heartbeat thread (the
    nightly flow is five flow runs). With a configured server (``CERCABANDI_PREFECT_API_URL``
    or ``PREFECT_API_URL``) nothing changes.
    """
    if ctx.settings.prefect_api_url or os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
