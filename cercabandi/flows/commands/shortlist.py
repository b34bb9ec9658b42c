"""``cercabandi eval-shortlist``: what reaches people on the real data (see ``flows/shortlist.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cercabandi.flows.context import console, err_console

REPLAY_DAY = "2026-08-22T05:00:00+00:00"  # the morning the real recordings were made


def shortlist_cmd(
    data: Path = typer.Option(
        Path("../shared/data"), "--data", help="The real data folder (recordings and pnrr/ catalogue).", exists=True
    ),
    now: str = typer.Option(REPLAY_DAY, "--now", help="The moment the run is judged at (ISO, with a zone)."),
    build: bool = typer.Option(
        True, "--build/--no-build", help="Build the configured database first (it should be empty), or judge it as is."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures as JSON to this file."),
) -> None:
    """Judge what reaches people on the real data: matches for other places or non-funding, digests.

    Builds the configured database from the real catalogue and recordings (a few minutes),
    writes the digests of three subscriptions to the outbox, then reports active matches on
    calls for other regions, other Lombard provinces or not funding, the share of matches per
    level and source, and each digest's HTML size and whether every matched call closing
    within 14 days comes first.
    """
    from datetime import datetime

    from cercabandi.flows.commands._common import one_off_flow_runs, prepare_prefect_environment
    from cercabandi.flows.context import load_context
    from cercabandi.flows.shortlist import build_real_world, judge_shortlist

    at = datetime.fromisoformat(now)
    if at.tzinfo is None:
        err_console.print(f"[red]--now {now!r} needs a zone, e.g. {REPLAY_DAY}[/]")
        raise typer.Exit(2)
    ctx = load_context()
    if build:
        prepare_prefect_environment(ctx)
        with one_off_flow_runs(ctx):
            build_real_world(ctx, data.resolve(), now=at)
    figures = judge_shortlist(ctx, ctx.settings.outbox_dir, now=at)
    _print_shortlist(figures.as_dict())
    if json_out is not None:
        json_out.write_text(json.dumps(figures.as_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        console.print(f"Figures written to {json_out}")


def _print_shortlist(figures: dict[str, Any]) -> None:
    total = figures["active_matches"] or 1
    table = Table("figure", "value", title="Shortlist on the real data")
    table.add_row("active matches", str(figures["active_matches"]))
    for key in ("other_regions", "other_provinces", "not_funding"):
        table.add_row(f"  on calls for {key.replace('_', ' ')}", str(figures[key]))
    for kind in ("by_level", "by_source"):
        for name, count in sorted(figures[kind].items(), key=lambda kv: -kv[1]):
            table.add_row(f"  share {kind.removeprefix('by_')} {name}", f"{count / total:.1%}")
    for digest in figures["digests"]:
        table.add_row(
            f"digest {digest['email']}",
            f"{digest['html_bytes'] / 1024:.0f} KB HTML; closing within 14 days: {digest['urgent_matched']} matched, "
            f"{digest['urgent_missing']} missing, {digest['urgent_late']} after a later call",
        )
    console.print(table)


def register(root: typer.Typer) -> None:
    root.command("eval-shortlist")(shortlist_cmd)
