"""``cercabandi normalise``: raw records -> calls, with quarantine for what cannot be read."""

from __future__ import annotations

import typer
from rich.table import Table

from cercabandi.core.models import utcnow
from cercabandi.core.sources import SOURCES
from cercabandi.db.repo.calls import open_quarantine
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context


def normalise_cmd(
    again: bool = typer.Option(
        False, "--again", help="Re-normalise the newest raw record of every call (e.g. after a parser fix)."
    ),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source id (repeatable)."),
    show_quarantine: bool = typer.Option(
        False, "--quarantine", help="Only list the raw records in quarantine, with their reasons."
    ),
) -> None:
    """Normalise new raw records into calls; records that cannot be normalised are quarantined with reasons."""
    unknown = [s for s in source or [] if s not in SOURCES]
    if unknown:
        err_console.print(f"[red]Unknown source(s) {', '.join(unknown)}[/]; known: {', '.join(SOURCES)}")
        raise typer.Exit(2)
    ctx = load_context()
    require_schema(ctx)
    if show_quarantine:
        with ctx.sessions() as session:
            rows = open_quarantine(session)
            for row in rows:
                if not source or row.source_id in source:
                    console.print(f"{row.source_id}:{row.native_id} (raw record {row.raw_record_id})")
                    for reason in row.reasons:
                        console.print(f"    - {reason}")
            console.print(f"{len(rows)} raw records in quarantine.")
        return

    from cercabandi.flows.normalising import (
        finish_normalisation,
        normalise_source,
        sources_with_raw_records,
    )

    now = utcnow()
    source_ids = source or sources_with_raw_records(ctx.sessions)
    table = Table("source", "processed", "new", "changed", "unchanged", "quarantined", "left quarantine")
    for source_id in source_ids:
        result = normalise_source(ctx.sessions, source_id, now=now, again=again)
        table.add_row(
            source_id,
            *(str(v) for v in (result.processed, result.new, result.changed, result.unchanged)),
            str(result.quarantined),
            str(result.resolved),
        )
        for item in result.quarantine[:10]:
            err_console.print(f"[yellow]quarantined[/] {source_id}:{item['native_id']}: {'; '.join(item['reasons'])}")
    finish = finish_normalisation(ctx.sessions, sorted(set(sources_with_raw_records(ctx.sessions))))
    console.print(table)
    console.print(f"Duplicates linked: {finish['duplicates']}")
    for source_id, ids in finish["newly_missing"].items():
        console.print(f"[yellow]Now missing from {source_id}:[/] {', '.join(ids[:10])}")


def register(root: typer.Typer) -> None:
    root.command("normalise")(normalise_cmd)
