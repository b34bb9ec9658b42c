"""``cercabandi web``: serve the review application with uvicorn."""

from __future__ import annotations

import typer

from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context


def web(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep 127.0.0.1 behind a reverse proxy)."),
    port: int = typer.Option(8000, help="TCP port to listen on."),
    proxy_headers: bool = typer.Option(
        True, "--proxy-headers/--no-proxy-headers", help="Trust X-Forwarded-Proto/For from the proxy addresses."
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", help="Comma-separated proxy addresses whose X-Forwarded-* headers are trusted ('*' for any)."
    ),
    root_path: str = typer.Option("", help="URL prefix when served under a sub-path, e.g. /cercabandi."),
) -> None:
    """Start the review application (FastAPI on uvicorn)."""
    import uvicorn

    from cercabandi.web.app import DEFAULT_SECRET, create_app

    ctx = load_context()
    if ctx.settings.secret_key.get_secret_value() == DEFAULT_SECRET and host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            "[red]CERCABANDI_SECRET_KEY is the default value:[/] anyone could forge a session. "
            "Set it to a long random string (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )
        raise typer.Exit(2)
    require_schema(ctx)  # otherwise every page would fail with an error 500
    app = create_app(ctx.settings, ctx.sessions)
    console.print(f"Review application on http://{host}:{port}{root_path}/ (public address: {ctx.settings.base_url})")
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        root_path=root_path,
        log_level="info",
    )


def register(root: typer.Typer) -> None:
    root.command("web")(web)
