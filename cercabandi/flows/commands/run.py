"""``cercabandi run``: the nightly flow once, with a run report."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cercabandi.core.sources import SOURCES
from cercabandi.flows import progress
from cercabandi.flows.commands._common import one_off_flow_runs, prepare_prefect_environment, require_schema
from cercabandi.flows.commands._progress import show_progress
from cercabandi.flows.context import AppContext, console, err_console, load_context


def run_cmd(
    replay: Path | None = typer.Option(
        None,
        "--replay",
        help="Crawl from recorded responses in this directory instead of the network.",
        exists=True,
        file_okay=False,
        resolve_path=True,
    ),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source id (repeatable)."),
    digest: bool = typer.Option(True, "--digest/--no-digest", help="Send (or write to the outbox) the digests due."),
) -> None:
    """Run the nightly flow once: crawl, normalise, match, digest; print the run report.

    With no Prefect server configured (PREFECT_API_URL), Prefect starts a temporary local
    one; its state lives in the data directory.
    """
    ctx = load_context()  # sets PREFECT_HOME before Prefect is imported
    prepare_prefect_environment(ctx)
    require_schema(ctx)
    unknown = [s for s in source or [] if s not in SOURCES]
    if unknown:
        err_console.print(f"[red]Unknown source(s) {', '.join(unknown)}[/]; known: {', '.join(SOURCES)}")
        raise typer.Exit(2)
    from cercabandi.flows.nightly import nightly_flow
    from cercabandi.flows.report import render_report

    with show_progress(console), one_off_flow_runs(ctx):
        progress.report("prefect", "start", note=_engine_note(ctx))
        report = nightly_flow(replay_dir=str(replay) if replay else None, source_ids=source or None, digest=digest)
    render_report(report, console, tz=ctx.settings.tz)
    if report.stage_notes:
        raise typer.Exit(1)


def _engine_note(ctx: AppContext) -> str:
    if ctx.settings.prefect_api_url or os.environ.get("PREFECT_API_URL"):
        return "connecting to the Prefect server"
    return "starting Prefect's temporary server"


def register(root: typer.Typer) -> None:
    root.command("run")(run_cmd)
