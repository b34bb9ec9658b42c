"""Every command, group and option of the CLI has help text (the sqlite-utils habit)."""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.testing import CliRunner

from cercabandi.flows.cli import app


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command``. Typer 0.29 carries its own copy of click, so
    ``isinstance(command, click.Group)`` is never true: recognise groups and options by what they hold."""
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, (*path, name)))
    return found


def _options(command: Any) -> list[Any]:
    return [p for p in command.get_params(command.context_class(command)) if p.param_type_name == "option"]


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    missing: list[str] = []
    for path, command in _walk(root):
        name = " ".join(("cercabandi", *path))
        if not (command.help or command.short_help):
            missing.append(f"{name}: no help text")
        for param in _options(command):
            if not param.hidden and not param.help and param.name != "help":
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
    assert before.exit_code == 2 and "cercabandi db upgrade" in before.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cercabandi.sqlite3").exists()
    status = runner.invoke(app, ["db", "status"])
    assert status.exit_code == 0, status.output
    assert "comuni" in status.output


def test_flags_are_shown_as_flags_in_every_help() -> None:
    """A flag takes no value: ``--skip-invalid`` (and ``--help``), never ``--skip-invalid <bool>``."""
    root = typer.main.get_command(app)
    runner = CliRunner()
    wrong: list[str] = []
    flags_seen = 0
    for path, command in _walk(root):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}, terminal_width=200)
        assert result.exit_code == 0, (path, result.output)
        lines = result.output.splitlines()
        flags = [p for p in _options(command) if p.is_flag]
        for flag in flags:
            flags_seen += 1
            for opt in flag.opts:
                shown = [line for line in lines if re.search(rf"(^|[\s│,]){re.escape(opt)}(\s|$)", line)]
                if not shown or any(re.search(rf"{re.escape(opt)}\s+(--no-\S+\s+)?<", line) for line in shown):
                    wrong.append(f"cercabandi {' '.join(path)} {opt}: {shown}")
        if "<bool>" in result.output:
            wrong.append(f"cercabandi {' '.join(path)}: <bool> in its help")
    assert flags_seen > len(_walk(root))  # --help everywhere, and the real flags
    assert not wrong, "\n".join(wrong)
