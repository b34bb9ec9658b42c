"""``cercabandi crawl``: crawl sources (live, replayed or recorded) into the raw store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from cercabandi.db.repo.raw import FILL_FIELDS
from cercabandi.flows.context import console, err_console, load_context

_STATUS_STYLE = {"ok": "green", "degraded": "yellow", "failing": "yellow", "failed": "red", "skipped": "dim"}

if TYPE_CHECKING:
    from cercabandi.flows.crawling import SourceSummary


def crawl_cmd(
    sources: list[str] = typer.Argument(None, help="Source ids to crawl (default: every source with a spider)."),
    replay: Path | None = typer.Option(
        None,
        "--replay",
        help="Serve recorded responses from this directory instead of the network (offline): the replay layout, "
        "or real captures such as ../shared/data (auto-detected). Sources with nothing recorded are skipped.",
    ),
    record: Path | None = typer.Option(
        None, "--record", help="Also write every response into this directory, in the replay layout."
    ),
    http_cache: bool = typer.Option(
        False, "--http-cache", help="Development only: cache HTTP responses for a day under the data directory."
    ),
    run_key: str | None = typer.Option(None, "--run-key", help="Label the crawl runs with this key (e.g. a night)."),
    jobs: int | None = typer.Option(
        None,
        "--jobs",
        "-j",
        min=1,
        help="Spider processes at once, one source each (default: the CERCABANDI_CRAWL_JOBS setting, 3).",
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Live check, nothing stored: one listing page and one call page per source; prints whether the "
        "site answered, the entries listed, the fields read and whether the generic fallback was needed.",
    ),
) -> None:
    """Crawl funding-call publishers into the raw store and show a per-source summary with fill rates."""
    if replay is not None and not replay.is_dir():
        err_console.print(f"[red]Replay directory {replay} does not exist.[/]")
        raise typer.Exit(2)
    if check:
        check_cmd(sources, replay, record, jobs)
        return
    summaries = crawl_with_progress(
        sources, replay=replay, record=record, http_cache=http_cache, run_key=run_key, jobs=jobs
    )
    print_summary(summaries)
    if any(s.status not in ("ok", "degraded", "skipped") for s in summaries):  # degraded: calls still came
        raise typer.Exit(1)


def crawl_with_progress(
    sources: list[str] | None,
    *,
    replay: Path | None,
    record: Path | None,
    http_cache: bool,
    run_key: str | None,
    jobs: int | None,
) -> list[SourceSummary]:
    """Crawl with a live line per source; a configuration problem exits with 2."""
    from cercabandi.flows.crawling import crawl_sources  # Scrapy: loaded only when crawling

    ctx = load_context()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def on_progress(source: str, event: str, items: int) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(source, total=None)
            label = {"start": "starting", "items": f"{items} items", "done": f"done, {items} items"}[event]
            bar.update(tasks[source], description=f"{source}: {label}")
            if event == "done":
                bar.stop_task(tasks[source])

        try:
            summaries = crawl_sources(
                ctx, sources or None, replay_dir=replay, record_dir=record, run_key=run_key,
                progress=on_progress, http_cache=http_cache, jobs=jobs,
            )  # fmt: skip
        except (ValueError, RuntimeError) as exc:
            err_console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
    return summaries


def check_cmd(sources: list[str] | None, replay: Path | None, record: Path | None, jobs: int | None) -> None:
    """``crawl --check``: print per source what one listing page and one call page gave; exit 1 on a problem."""
    from cercabandi.flows.checking import check_sources

    settings = load_context().settings
    with console.status("checking one listing page and one call page per source…"):
        try:
            checks = check_sources(
                sources or None, contact_email=settings.contact_email, replay_dir=replay, record_dir=record,
                jobs=jobs or 3,
            )  # fmt: skip
        except ValueError as exc:
            err_console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
    table = Table(title="Live check: one listing page and one call page per source")
    for column in ("source", "reachable", "listed", "fields found", "fallback"):
        table.add_column(column, justify="right" if column == "listed" else "left")
    for c in checks:
        table.add_row(
            c.source, "[green]yes[/]" if c.reachable else "[red]no[/]", str(c.listed),
            ", ".join(c.fields) or "[red]none[/]", "[yellow]yes[/]" if c.fallback else "no",
        )  # fmt: skip
    console.print(table)
    for c in checks:
        for problem in c.problems:
            console.print(f"[yellow]{c.source}: {problem}[/]")
    if not all(c.healthy for c in checks):
        raise typer.Exit(1)


def print_summary(summaries: list[SourceSummary]) -> None:
    table = Table(title="Crawl summary")
    # Source and status stay whole on an 80-column terminal; the figures' headers give way.
    table.add_column("source", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("items", "new", "changed", "errors", "fallbacks", "complete", "seconds"):
        table.add_column(column, justify="right")
    for s in summaries:
        style = _STATUS_STYLE.get(s.status, "")
        table.add_row(
            s.source, f"[{style}]{s.status}[/]", str(s.items), str(s.new), str(s.changed), str(s.errors),
            str(s.fallbacks), "yes" if s.complete else "no", f"{s.seconds:.1f}",
        )  # fmt: skip
    console.print(table)
    rated = [s for s in summaries if s.fill_rates]
    if rated:
        rates = Table(title="Fill rate per field (share of items with the field)")
        rates.add_column("field")
        for s in rated:
            rates.add_column(s.source, justify="right")
        for name in FILL_FIELDS:
            rates.add_row(name, *(f"{s.fill_rates.get(name, 0.0):.0%}" for s in rated))
        console.print(rates)
    for s in summaries:
        for problem in s.problems:
            console.print(f"[{_STATUS_STYLE.get(s.status, '')}]{s.source}: {problem}[/]")
        if s.raw_path is not None:
            console.print(f"[dim]{s.source}: raw file {s.raw_path}, log {s.log_path}[/]")


def register(root: typer.Typer) -> None:
    root.command("crawl")(crawl_cmd)
