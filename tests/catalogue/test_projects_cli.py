"""`cercabandi projects ...` through typer's CliRunner, on a SQLite database in a temp dir."""

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
    return tmp_path


def test_import_list_show_export(data_dir: Path) -> None:
    result = runner.invoke(app, ["projects", "import", str(DEMO_CATALOGUE)])
    assert result.exit_code == 0, result.output
    assert "│ 26      │ 0       │ 0         │ 0        │" in result.output
    again = runner.invoke(app, ["projects", "import", str(DEMO_CATALOGUE)])
    assert "│ 0       │ 0       │ 26        │ 0        │" in again.output
    listed = runner.invoke(app, ["projects", "list", "--comune", "cassina de pecchi", "--theme", "CER"])
    assert listed.exit_code == 0 and "DEMO-016" in listed.output and "1 project(s)" in listed.output
    staged = runner.invoke(app, ["projects", "list", "--stage", "esecutivo", "--limit", "0"])
    assert "4 project(s)" in staged.output
    shown = runner.invoke(app, ["projects", "show", "DEMO-006"])
    assert "Corbetta (015085)" in shown.output and "Caritas Ambrosiana" in shown.output
    assert runner.invoke(app, ["projects", "show", "NOPE"]).exit_code == 1
    out = data_dir / "export.xlsx"
    exported = runner.invoke(app, ["projects", "export", str(out)])
    assert exported.exit_code == 0 and out.exists()
    assert "│ 0       │ 0       │ 26        │ 0        │" in runner.invoke(app, ["projects", "import", str(out)]).output


def test_errors_exit_non_zero_and_write_nothing(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Titolo;Comune\nPiazza;Rho\nPonte;Monza\n", encoding="utf-8")
    result = runner.invoke(app, ["projects", "import", str(bad)])
    assert result.exit_code == 1
    assert "unknown comune 'Monza'" in result.output
    assert "Nothing imported" in result.output
    assert "0 project(s)" in runner.invoke(app, ["projects", "list"]).output
    rejected = tmp_path / "scarti.xlsx"
    skipped = runner.invoke(app, ["projects", "import", str(bad), "--skip-invalid", "--rejected", str(rejected)])
    assert skipped.exit_code == 0 and rejected.exists()
    assert "1 project(s)" in runner.invoke(app, ["projects", "list"]).output


def test_unreadable_file_and_unknown_filter(data_dir: Path, tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    result = runner.invoke(app, ["projects", "import", str(xls)])
    assert result.exit_code == 2 and "save it as .xlsx or CSV" in result.output
    fake = tmp_path / "progetti.xlsx"
    fake.write_text("Titolo;Comune\nAsilo nido;Rho\n", encoding="utf-8")
    result = runner.invoke(app, ["projects", "import", str(fake)])
    assert result.exit_code == 2 and "is named .xlsx but is not an Excel workbook" in result.output
    result = runner.invoke(app, ["projects", "list", "--comune", "Monza"])
    assert result.exit_code == 2 and "Unknown comune 'Monza'" in result.output
