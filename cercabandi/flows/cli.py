"""The ``cercabandi`` command line: one root, command groups registered from ``commands/``."""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.core


def _flags_take_no_value() -> None:
    """Show boolean flags (and --help) without a value type in the rich help.

    typer 0.29 prints ``--skip-invalid <bool>`` and even ``--help <bool>`` in its rich help
    panels, which reads as if the flag took a value; its plain help already leaves the type out
    for flags (upstream typer issue #493 is about the opposite wish). A flag has no value, so it
    has no type to show: every command and every future flag gets this from here.
    """
    shown = typer.core.TyperOption.display_type_rich
    if getattr(shown, "_cercabandi_flags", False):
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return shown(self, ctx)

    display_type_rich._cercabandi_flags = True  # type: ignore[attr-defined]
    typer.core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_take_no_value()

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
    "applications",
    "monitoring",
    "site",
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
