"""``cercabandi site``: the static public website of projects and good practices."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cercabandi.core.models import utcnow
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context
from cercabandi.flows.site import build_site

app = typer.Typer(help="Build the public website of funded projects and good practices.", no_args_is_help=True)


@app.command("build")
def build(
    out: Annotated[Path, typer.Argument(help="The folder to write the site into (replaced if it exists).")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="The address the site is published at (for the Atom feed).")
    ] = "",
    force: Annotated[
        bool, typer.Option("--force", help="Replace OUT even when it is not a folder this command wrote.")
    ] = False,
) -> None:
    """Write the static site: funded projects marked public, by comune and theme, good practices, Atom feed."""
    if out.exists() and not force and any(out.iterdir()) and not (out / "feed.xml").exists():
        err_console.print(f"[red]{out} is not empty and does not look like a site built here:[/] use --force.")
        raise typer.Exit(2)
    ctx = load_context()
    require_schema(ctx)
    started = time.perf_counter()
    report = build_site(ctx.sessions, out, now=utcnow(), base_url=base_url)
    seconds = time.perf_counter() - started
    console.print(f"{report.projects} public project(s), {report.files} file(s) written to {out} in {seconds:.1f} s.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="site")
