"""Every command, group and option of the CLI has help text (the sqlite-utils habit)."""

from __future__ import annotations

import click
import typer
from typer.testing import CliRunner

from cercabandi.flows.cli import app


def _walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found.extend(_walk(sub, (*path, name)))
    return found


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    missing: list[str] = []
    for path, command in _walk(root):
        name = " ".join(("cercabandi", *path))
        if not (command.help or command.short_help):
            missing.append(f"{name}: no help text")
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help and param.name != "help":
                missing.append(f"{name} {param.opts[0]}: no help text")
    assert not missing, "\n".join(missing)


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "db" in result.output


def test_db_upgrade_and_status(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    runner = CliRunner()
    before = runner.invoke(app, ["db", "status"])
    assert before.exit_code == 1 and "cercabandi db upgrade" in before.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cercabandi.sqlite3").exists()
    status = runner.invoke(app, ["db", "status"])
    assert status.exit_code == 0, status.output
    assert "comuni" in status.output
