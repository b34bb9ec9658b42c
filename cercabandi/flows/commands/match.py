"""``cercabandi match``: rank the open calls for every project and store the matches."""

from __future__ import annotations

import typer
from rich.table import Column, Table

from cercabandi.core.models import utcnow
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.commands._progress import show_progress
from cercabandi.flows.context import console, load_context


def match_cmd(
    k: int = typer.Option(20, "--top-k", "-k", min=1, help="How many calls to keep per project."),
    show: int = typer.Option(10, "--show", help="How many of the best matches to print."),
) -> None:
    """Rank the open calls for every project of the catalogue and store the matches (idempotent)."""
    ctx = load_context()
    require_schema(ctx)
    from cercabandi.flows.matching_step import match_all

    with show_progress(console):
        summary = match_all(ctx.sessions, now=utcnow(), k=k, top=show)
    console.print(
        f"{summary.projects} projects × {summary.calls} open calls: {summary.new} new matches, "
        f"{summary.updated} updated, {summary.reactivated} back, {summary.deactivated} dropped out, "
        f"{summary.unchanged} unchanged (matcher {summary.matcher_version})"
    )
    print_top(summary.top)


def print_top(top: list[dict]) -> None:
    if not top:
        return
    longest = max(len(str(item["project_id"])) for item in top)
    # The project id is pasted into `projects show`: its own column, never cut or wrapped.
    project_id = Column("project id", no_wrap=True, min_width=longest, overflow="ignore")
    table = Table("score", project_id, "project", "call", "terms", title="Best matches")
    for item in top:
        table.add_row(
            f"{item['score']:.3f}",
            str(item["project_id"]),
            item["project_title"][:45],
            item["call_title"][:60],
            ", ".join(item["terms"]),
        )
    console.print(table)


def register(root: typer.Typer) -> None:
    root.command("match")(match_cmd)
