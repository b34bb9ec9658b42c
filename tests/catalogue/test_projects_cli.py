"""`cercabandi projects ...` through typer's CliRunner, on a SQLite database in a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cercabandi.flows.catalogue import DEMO_CATALOGUE
from cercabandi.flows.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


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


LONG_IDS = (
    "B21F22000420006|PRJ_120SCU0422X_000431",
    "D45F21005290001|D45F21005290001_2021",
    "D45F21005290001|D45F21005290001_2022",
)


def _long_id_catalogue(tmp_path: Path) -> Path:
    """Ids as long as the real PNRR catalogue's; two projects share one CUP (two yearly tranches)."""
    path = tmp_path / "pnrr.csv"
    path.write_text(
        "ID;CUP;Titolo;Comune\n"
        f"{LONG_IDS[0]};B21F22000420006;Sito web scolastico dell'istituto tecnico;Gorgonzola\n"
        f"{LONG_IDS[1]};D45F21005290001;Borse di dottorato 2021;Milano\n"
        f"{LONG_IDS[2]};D45F21005290001;Borse di dottorato 2022;Milano\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("columns", [80, 120])
def test_list_never_cuts_an_id(data_dir: Path, tmp_path: Path, columns: int) -> None:
    assert runner.invoke(app, ["projects", "import", str(_long_id_catalogue(tmp_path))]).exit_code == 0
    env = {**os.environ, "COLUMNS": str(columns), "CERCABANDI_DATA_DIR": str(data_dir)}
    env.pop("CERCABANDI_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "cercabandi", "projects", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for project_id in LONG_IDS:  # whole, on one line, ready to paste into `projects show`
        assert any(project_id in line for line in lines), done.stdout
    assert max(len(line) for line in lines) <= columns


def test_show_by_id_or_by_a_unique_cup(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["projects", "import", str(_long_id_catalogue(tmp_path))]).exit_code == 0
    by_id = runner.invoke(app, ["projects", "show", LONG_IDS[0]])
    by_cup = runner.invoke(app, ["projects", "show", "b21f22000420006 "])  # as typed or pasted
    assert by_id.exit_code == by_cup.exit_code == 0, by_cup.output
    assert "Sito web scolastico" in by_cup.output and by_cup.output == by_id.output
    ambiguous = runner.invoke(app, ["projects", "show", "D45F21005290001"])
    assert ambiguous.exit_code == 1
    assert "2 projects have the CUP 'D45F21005290001'" in ambiguous.output
    assert LONG_IDS[1] in ambiguous.output and LONG_IDS[2] in ambiguous.output
    missing = runner.invoke(app, ["projects", "show", "NOPE"])
    assert missing.exit_code == 1 and "No project with id or CUP 'NOPE'" in missing.output


@pytest.mark.parametrize(("option", "separator"), [([], b";"), (["--sep", ","], b","), (["--sep", "tab"], b"\t")])
def test_csv_export_opens_in_italian_excel_and_imports_back(
    data_dir: Path, tmp_path: Path, option: list[str], separator: bytes
) -> None:
    assert runner.invoke(app, ["projects", "import", str(DEMO_CATALOGUE)]).exit_code == 0
    out = tmp_path / "progetti.csv"
    exported = runner.invoke(app, ["projects", "export", str(out), *option])
    assert exported.exit_code == 0, exported.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfID" + separator + b"CUP" + separator + b"Titolo")  # BOM: UTF-8 for Excel
    assert "Comunità".encode() in data or "à".encode() in data
    again = runner.invoke(app, ["projects", "import", str(out)])
    assert "│ 0       │ 0       │ 26        │ 0        │" in again.output, again.output


def test_unknown_csv_separator_is_refused(data_dir: Path, tmp_path: Path) -> None:
    refused = runner.invoke(app, ["projects", "export", str(tmp_path / "x.csv"), "--sep", "|"])
    assert refused.exit_code == 2 and "unknown CSV separator '|'" in refused.output
