"""The ``cercabandi`` command line: one root, command groups registered from ``commands/``."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="cercabandi",
    help="Find funding calls for the projects of the comuni of the Città metropolitana di Milano.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    add_completion=False,
)

# Order is the order of --help. Each module has a register(app) function.
COMMAND_MODULES = (
    "demo",
    "db",
    "projects",
    "crawl",
    "normalise",
    "match",
    "run",
    "schedule",
    "digest",
    "subscriptions",
    "eval",
    "shortlist",
    "bench",
    "web",
    "users",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"cercabandi.flows.commands.{_name}").register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; known configuration failures become one line on stderr and exit status 2."""
    from cercabandi.flows.context import err_console
    from cercabandi.flows.errors import EXIT_CONFIG, explain

    try:
        app(args=argv)
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise  # a bug: keep the traceback
        err_console.print(f"[red]Error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
        raise SystemExit(EXIT_CONFIG) from None


if __name__ == "__main__":
    main()
