"""`cercabandi applications ...` and `cercabandi monitoring ...` through the command, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cercabandi.flows.catalogue import DEMO_CATALOGUE
from cercabandi.flows.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["projects", "import", str(DEMO_CATALOGUE)]).exit_code == 0
    return tmp_path


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    assert "Refused, nothing changed" in result.output
    return result.output


def test_application_lifecycle_through_the_cli(data_dir: Path) -> None:
    _ok("applications", "org-add", "coop-aurora", "--name", "Cooperativa Aurora")
    out = _ok(
        "applications",
        "create",
        "--title",
        "Rete ciclabile",
        "--lead",
        "015182",
        "--comune",
        "015209:partner",
        "--partner",
        "coop-aurora:animazione",
        "--project",
        "DEMO-001",
        "--requested",
        "100000",
        "--cofinancing",
        "20000",
        "--deadline",
        "2099-01-31",
        "--on",
        "2026-01-05",
    )
    assert "Application 1 opened" in out
    for status in ("in_preparation", "presentata"):
        _ok("applications", "status", "1", status, "--on", "2026-01-10", "--note", "ok")
    _ok("applications", "status", "1", "funded", "--on", "2026-02-01", "--granted", "90000")
    _ok("monitoring", "milestone", "1", "Avvio lavori", "--due", "2026-06-01")
    _ok("monitoring", "reporting", "1", "Rendicontazione SAL 1", "--due", "2026-09-30")
    _ok("monitoring", "progress", "1", "--stage", "design", "--source", "telefonata", "--as-of", "2026-03-01")
    _ok("applications", "doc", "1", "https://docs.example/domanda.pdf", "--title", "Domanda")
    shown = _ok("applications", "show", "1")
    assert "Presentata → Finanziata" in shown and "Cooperativa Aurora (Ente del terzo settore)" in shown
    assert "Rendicontazione SAL 1" in shown and "Progettazione" in shown
    assert "Rete ciclabile" in _ok("applications", "list")
    _ok("applications", "edit", "1", "--title", "Rete ciclabile intercomunale", "--requested", "110000")
    _ok("applications", "partner", "1", "015146", "--role", "supporto tecnico")
    _ok("applications", "project", "1", "DEMO-002")
    assert "already takes part" in _refused("applications", "partner", "1", "015146")
    shown = _ok("applications", "show", "1")
    assert "Rete ciclabile intercomunale" in shown and "partner: Milano (Comune) — supporto tecnico" in shown
    assert "project: DEMO-002" in shown
    out = data_dir / "monitoraggio.xlsx"
    board = _ok("monitoring", "dashboard", "--by", "comune", "--xlsx", str(out))
    assert "Rho" in board and "100%" in board and "€ 110.000" in board and out.exists()
    assert "1 funded project(s) with no update for 6 months" in board  # the update of 2026-03-01 is old by now


def test_bad_input_is_refused_with_a_reason(data_dir: Path) -> None:
    assert "unknown project(s): NOPE" in _refused(
        "applications", "create", "--title", "X", "--lead", "015182", "--project", "NOPE"
    )
    assert "unknown partner(s): ghost" in _refused(
        "applications", "create", "--title", "X", "--lead", "015182", "--partner", "ghost"
    )
    assert "Application" not in _ok("applications", "list").split("Applications", 1)[1]
    _ok("applications", "create", "--title", "Y", "--lead", "015182")
    assert "cannot become 'Finanziata'" in _refused("applications", "status", "1", "funded")
    assert "only to a funded application" in _refused("monitoring", "milestone", "1", "A", "--due", "2026-06-01")
    assert "unknown status 'boh'" in _refused("applications", "status", "1", "boh")


def test_from_network_invites_the_suggested_comuni(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.core.settings import Settings
    from cercabandi.db.session import make_engine, session_factory, upgrade
    from tests.conftest import NOW
    from tests.web.seed import seed

    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    engine = make_engine(Settings().resolved_database_url)
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        seed(session, NOW)
    engine.dispose()
    regen = "lombardia_bandi:RLO12026034567"
    suggested = _ok("applications", "suggest", regen)
    assert "Sesto San Giovanni" in suggested and "Legnano" in suggested
    _ok("applications", "create", "--title", "Rete", "--call", regen, "--from-network")
    shown = _ok("applications", "show", "1")
    assert "Lead (capofila): Sesto San Giovanni" in shown
    assert "partner: Rho (Comune)" in shown and "partner: Legnano (Comune)" in shown
    assert "Refused" in runner.invoke(app, ["applications", "create", "--title", "X", "--from-network"]).output
