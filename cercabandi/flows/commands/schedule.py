"""``cercabandi schedule``: serve the nightly flow on a cron schedule from a Prefect server."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context


def schedule_cmd(
    cron: str = typer.Option(None, "--cron", help="Cron expression [default: CERCABANDI_NIGHTLY_CRON, '0 2 * * *']."),
    timezone: str = typer.Option(None, "--timezone", help="Timezone of the cron [default: CERCABANDI_TIMEZONE]."),
    replay: Path | None = typer.Option(
        None,
        "--replay",
        help="Crawl from recorded responses (for trying the schedule offline).",
        exists=True,
        file_okay=False,
        resolve_path=True,
    ),
) -> None:
    """Serve the nightly deployment with a cron schedule until interrupted (Ctrl-C).

    Uses the Prefect server at PREFECT_API_URL; without one, starts a local Prefect
    server with its state in the data directory and stops it on exit (Prefect's
    temporary server never fires schedules).
    """
    ctx = load_context()
    require_schema(ctx)
    settings = ctx.settings
    cron = cron or settings.nightly_cron
    timezone = timezone or settings.timezone
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValueError as exc:
        err_console.print(
            f"[red]Invalid schedule {cron!r} ({timezone})[/]: five cron fields, e.g. '0 2 * * *' for 02:00 "
            "daily, and an IANA timezone such as Europe/Rome."
        )
        raise typer.Exit(2) from exc
    from cercabandi.flows.schedule import ServerFailed, local_prefect_server, serve_flow

    parameters = {"replay_dir": str(replay)} if replay else {}
    api_url = os.environ.get("PREFECT_API_URL")
    try:
        if api_url:
            console.print(f"Serving 'nightly' on {cron!r} ({timezone}) from the Prefect server at {api_url}")
            _serve(cron, timezone, parameters, serve_flow)
            return
        with local_prefect_server(settings) as url:
            console.print(f"Started a local Prefect server at {url} (state in {settings.prefect_home})")
            os.environ["PREFECT_API_URL"] = url
            from prefect.settings import PREFECT_API_URL, temporary_settings

            with temporary_settings(updates={PREFECT_API_URL: url}):
                console.print(f"Serving 'nightly' on {cron!r} ({timezone}); Ctrl-C stops it and the server.")
                _serve(cron, timezone, parameters, serve_flow)
    except ServerFailed as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        console.print("Stopped.")


def _serve(cron: str, timezone: str, parameters: dict[str, Any], serve_flow: Callable[..., None]) -> None:
    from cercabandi.flows.nightly import nightly_flow

    serve_flow(nightly_flow, cron=cron, timezone=timezone, parameters=parameters)


def register(root: typer.Typer) -> None:
    root.command("schedule")(schedule_cmd)
