"""One rule for every command: a configuration error exits with status 2, as the README promises.

Configuration errors: a database without its schema, a malformed database URL, an invalid
setting. Every command of the CLI is listed below with arguments that would otherwise work; a
command added later without an entry fails ``test_every_command_is_covered``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from cercabandi.flows.catalogue import DEMO_CATALOGUE
from cercabandi.flows.cli import app, main

EXIT_CONFIG = 2
ARGV: dict[str, list[str]] = {
    "demo": ["demo"],
    "db upgrade": ["db", "upgrade"],
    "db status": ["db", "status"],
    "projects import": ["projects", "import", str(DEMO_CATALOGUE)],
    "projects list": ["projects", "list"],
    "projects show": ["projects", "show", "DEMO-001"],
    "projects export": ["projects", "export", "out.csv"],
    "crawl": ["crawl", "it_padigitale", "--replay", "."],
    "normalise": ["normalise"],
    "match": ["match"],
    "run": ["run", "--no-digest"],
    "schedule": ["schedule"],
    "digest": ["digest", "--dry-run"],
    "digest preview": ["digest", "preview", "1"],
    "digest stuck": ["digest", "stuck"],
    "digest resolve": ["digest", "resolve", "1", "--sent"],
    "subscriptions add": ["subscriptions", "add", "ufficio@example.org"],
    "subscriptions list": ["subscriptions", "list"],
    "subscriptions update": ["subscriptions", "update", "1", "--cap", "5"],
    "subscriptions pause": ["subscriptions", "pause", "1"],
    "subscriptions resume": ["subscriptions", "resume", "1"],
    "subscriptions remove": ["subscriptions", "remove", "1"],  # would ask for confirmation
    "users add": ["users", "add", "giulia"],  # would prompt for a password
    "users list": ["users", "list"],
    "users passwd": ["users", "passwd", "giulia"],  # would prompt for a password
    "users deactivate": ["users", "deactivate", "giulia"],
    "web": ["web", "--port", "1"],
    "eval": ["eval", "--pairs", "pairs.csv", "--calls", "calls.csv"],
    "bench match": ["bench", "match", "--calls", "20", "--projects", "5"],
    "eval-shortlist": ["eval-shortlist", "--no-build", "--data", "."],
    "applications create": ["applications", "create", "--title", "Rete"],
    "applications edit": ["applications", "edit", "1", "--title", "Rete"],
    "applications list": ["applications", "list"],
    "applications show": ["applications", "show", "1"],
    "applications status": ["applications", "status", "1", "presentata"],
    "applications partner": ["applications", "partner", "1", "015146"],
    "applications project": ["applications", "project", "1", "DEMO-001"],
    "applications doc": ["applications", "doc", "1", "https://example.org/a.pdf"],
    "applications publish": ["applications", "publish", "1"],
    "applications suggest": ["applications", "suggest", "it_padigitale:x"],
    "applications org-add": ["applications", "org-add", "coop", "--name", "Cooperativa"],
    "monitoring dashboard": ["monitoring", "dashboard"],
    "monitoring milestone": ["monitoring", "milestone", "1", "Avvio lavori", "--due", "2027-01-31"],
    "monitoring reporting": ["monitoring", "reporting", "1", "Primo SAL", "--due", "2027-01-31"],
    "monitoring done": ["monitoring", "done", "milestone", "1"],
    "monitoring progress": ["monitoring", "progress", "1", "--stage", "under_way", "--source", "telefono"],
    "monitoring import-opendata": ["monitoring", "import-opendata", str(DEMO_CATALOGUE), "--dataset", "pnrr"],
    "monitoring import-updates": ["monitoring", "import-updates", str(DEMO_CATALOGUE)],
    "site build": ["site", "build", "sito"],
}
# Commands that read neither the settings nor the database: no configuration of ours to get wrong.
NO_CONFIGURATION = {"eval": "scores files given on the command line", "bench match": "synthetic data in memory"}
# Commands whose job is to create the schema: a database without one is where they start.
MAKE_THE_SCHEMA = {"db upgrade", "demo"}


def _leaf_commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    subcommands = getattr(command, "commands", {})
    if path and (not subcommands or getattr(command, "invoke_without_command", False)):
        yield " ".join(path)
    for name, sub in subcommands.items():
        yield from _leaf_commands(sub, (*path, name))


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    saved = dict(os.environ)  # commands point Prefect at the data directory through os.environ
    for name in ("CERCABANDI_DATABASE_URL", "CERCABANDI_SMTP_PORT", "PREFECT_API_URL", "CERCABANDI_PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no .env file of the developer's
    yield
    os.environ.clear()
    os.environ.update(saved)


def _exit_code(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    captured = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), captured.out + captured.err


def test_every_command_is_covered() -> None:
    assert sorted(_leaf_commands(typer.main.get_command(app))) == sorted(ARGV)


@pytest.mark.parametrize("name", sorted(set(ARGV) - set(NO_CONFIGURATION) - MAKE_THE_SCHEMA))
def test_a_database_without_schema_exits_2(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _exit_code(capsys, ARGV[name])
    assert code == EXIT_CONFIG, output
    assert "cercabandi db upgrade" in output and "Traceback" not in output


@pytest.mark.parametrize("name", sorted(set(ARGV) - set(NO_CONFIGURATION)))
def test_a_malformed_database_url_exits_2(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", "nosuchdb://bandi:S3cret@db.example/bandi")
    code, output = _exit_code(capsys, ARGV[name])
    assert code == EXIT_CONFIG, output
    assert "CERCABANDI_DATABASE_URL" in output and "S3cret" not in output and "Traceback" not in output


@pytest.mark.parametrize("name", sorted(set(ARGV) - set(NO_CONFIGURATION)))
def test_an_invalid_setting_exits_2(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERCABANDI_SMTP_PORT", "not-a-port")
    code, output = _exit_code(capsys, ARGV[name])
    assert code == EXIT_CONFIG, output
    assert "CERCABANDI_SMTP_PORT" in output and "Traceback" not in output
