"""``cercabandi web``: serve the review application with uvicorn."""

from __future__ import annotations

import typer

from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context


def web(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep 127.0.0.1 behind a reverse proxy)."),
    port: int = typer.Option(8000, help="TCP port to listen on."),
    root_path: str = typer.Option("", help="URL prefix when served under a sub-path, e.g. /cercabandi."),
) -> None:
    """Start the review application (FastAPI on uvicorn).

    Behind a reverse proxy, list its address in CERCABANDI_TRUSTED_PROXIES: only its
    X-Forwarded-For/-Proto headers are believed.
    """
    import uvicorn

    from cercabandi.web.app import create_app

    ctx = load_context()
    problem = ctx.settings.secret_key_problem(listening_on=host)
    if problem:
        err_console.print(f"[red]Refusing to start:[/] {problem}", soft_wrap=True)
        raise typer.Exit(2)
    require_schema(ctx)  # otherwise every page would fail with an error 500
    app = create_app(ctx.settings, ctx.sessions)
    console.print(f"Review application on http://{host}:{port}{root_path}/ (public address: {ctx.settings.base_url})")
    # The application reads forwarding headers itself, from CERCABANDI_TRUSTED_PROXIES only.
    uvicorn.run(app, host=host, port=port, proxy_headers=False, root_path=root_path, log_level="info")


def register(root: typer.Typer) -> None:
    root.command("web")(web)
