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
    "bench",
    "web",
    "users",
)

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"cercabandi.flows.commands.{_name}")
    except ModuleNotFoundError as exc:  # a group not built yet on this branch
        if exc.name != f"cercabandi.flows.commands.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
