"""``cercabandi demo``: the whole chain offline, on small recordings shipped with the project."""

from __future__ import annotations

import time
from datetime import datetime

import typer

from cercabandi.core.models import utcnow
from cercabandi.core.settings import redact_url
from cercabandi.flows.commands._common import one_off_flow_runs, prepare_prefect_environment
from cercabandi.flows.context import AppContext, console, load_context


def demo_cmd(
    top: int = typer.Option(10, "--top", help="How many of the best matches to show."),
) -> None:
    """Run the whole chain offline: database, sample catalogue, replayed crawl of every source,
    normalisation, matching and digests written to the outbox; then a summary with the top matches.

    Idempotent: a second run reports 0 new and 0 changed.
    """
    started = time.monotonic()
    ctx = load_context()  # PREFECT_HOME under the data directory before Prefect is imported
    prepare_prefect_environment(ctx)
    from cercabandi.flows.demo import DEMO_RECORDINGS, prepare, top_matches
    from cercabandi.flows.nightly import nightly_flow
    from cercabandi.flows.report import render_report

    from .match import print_top

    now = utcnow()
    prepared = prepare(ctx, now=now)
    console.print(
        f"Database: {redact_url(ctx.settings.resolved_database_url)}\n"
        f"Catalogue: {prepared.projects} demo projects; {prepared.subscriptions} demo subscriptions"
    )
    with one_off_flow_runs(ctx):
        report = nightly_flow(replay_dir=str(DEMO_RECORDINGS), now=now, digest_dry_run=True)
    report.stage_notes = prepared.notes + report.stage_notes
    render_report(report, console, tz=ctx.settings.tz)
    print_top(top_matches(ctx, top))
    console.print(f"Digests written to {ctx.settings.outbox_dir}")
    _after_match(ctx, now)
    console.print(f"Demo finished in {time.monotonic() - started:.1f} s. Run it again: 0 new, 0 changed.")


def _after_match(ctx: AppContext, now: datetime) -> None:
    """The application in network, its monitoring and the public site (see ``flows.demo_after``)."""
    from cercabandi.flows.demo_after import demo_after_match

    result = demo_after_match(ctx.sessions, ctx.settings.data_dir / "sito", now=now, tz=ctx.settings.tz)
    if result.application_id is None:
        console.print("No call has projects in network in the demo data: no demo application.")
    else:
        console.print(
            f"Application in network n. {result.application_id} ({', '.join(result.comuni)}) for "
            f"«{result.call_title}»: funded, 2 milestones, 1 reporting deadline "
            "(`cercabandi applications show` it, or open /monitoring in the web app)"
        )
    console.print(f"Public site: {result.site.projects} project(s) written to {result.site.out}/index.html")


def register(root: typer.Typer) -> None:
    root.command("demo")(demo_cmd)
