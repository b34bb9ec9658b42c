"""Issue #12, hostile and careless catalogue files through ``cercabandi projects import`` / ``export``.

On SQLite and PostgreSQL: far cells, control characters, formula-like values, UTF-16 without BOM, size.
"""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from cercabandi.db.models import Project
from cercabandi.flows.cli import app

runner = CliRunner()
HEADER = ["Titolo", "Comune", "Costo"]
FORMULAS = ['=HYPERLINK("http://x.example";"clic")', "\uff1d1+1 centro", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


@pytest.fixture
def db_url(empty_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return empty_db_url


def _titles(url: str) -> dict[str, str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        titles = {row.id: row.title for row in conn.execute(select(Project.id, Project.title))}
    engine.dispose()
    return titles


def _xlsx(path: Path, rows: list[list[object]], far_cell: str | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if far_cell:
        sheet[far_cell] = "x"
    workbook.save(path)
    return path


def _import(path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["projects", "import", str(path), *extra])


@pytest.mark.parametrize(
    ("far_cell", "message"),
    [("XFD1048576", "past row 100,001"), ("XFD2", "past column GR"), ("A200000", "past row 100,001")],
)
def test_a_far_cell_is_refused_with_bounded_memory(db_url: str, tmp_path: Path, far_cell: str, message: str) -> None:
    path = _xlsx(tmp_path / "lontano.xlsx", [HEADER, ["Piazza", "Rho", 100]], far_cell)
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        result = _import(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert _titles(db_url) == {}


def test_a_style_only_far_cell_does_not_matter(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "stile.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["Piazza", "Rho", 100])
    sheet["XFD1048576"].number_format = "0.00"  # formatted, empty: Excel writes such cells
    workbook.save(path)
    assert _import(path).exit_code == 0
    assert list(_titles(db_url).values()) == ["Piazza"]


def test_an_oversized_file_is_refused_before_reading(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "enorme.csv"
    with path.open("wb") as fh:
        fh.truncate(21 * 10**6)
    result = _import(path)
    assert result.exit_code == 2 and "at most 20 MB" in result.output


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x07"])
def test_control_characters_reject_the_row_with_its_reason(db_url: str, tmp_path: Path, control: str) -> None:
    path = _csv(tmp_path / "nul.csv", [HEADER, ["Piazza", "Rho", "100"], [f"Pon{control}te", "Rho", "5"]])
    refused = _import(path)
    assert refused.exit_code == 1 and "contains control characters (U+" in refused.output
    assert _titles(db_url) == {}
    rejected = tmp_path / "scarti.xlsx"
    skipped = _import(path, "--skip-invalid", "--rejected", str(rejected))
    assert skipped.exit_code == 0, skipped.output
    for word in ("INSERT", "SELECT", "[parameters", "Traceback"):
        assert word not in skipped.output
    assert list(_titles(db_url).values()) == ["Piazza"]
    assert load_workbook(rejected).active["B2"].value == "Ponte"  # type: ignore[index]
    out = tmp_path / "export.xlsx"
    assert runner.invoke(app, ["projects", "export", str(out)]).exit_code == 0


def test_formula_like_values_are_neutralised_and_come_back_unchanged(db_url: str, tmp_path: Path) -> None:
    rows = [HEADER] + [[title, "Rho", str(10 + i)] for i, title in enumerate(FORMULAS)]
    assert _import(_csv(tmp_path / "formule.csv", rows)).exit_code == 0
    before = _titles(db_url)
    assert sorted(before.values()) == sorted(FORMULAS)
    csv_out, xlsx_out = tmp_path / "export.csv", tmp_path / "export.xlsx"
    assert runner.invoke(app, ["projects", "export", str(csv_out)]).exit_code == 0
    assert runner.invoke(app, ["projects", "export", str(xlsx_out)]).exit_code == 0
    written = csv_out.read_text(encoding="utf-8-sig")
    for title in FORMULAS[:4]:
        assert f"'{title}" in written.replace('""', '"')
    sheet = load_workbook(xlsx_out).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value in FORMULAS]
    assert len(cells) == len(FORMULAS) and all(cell.data_type == "s" for cell in cells)
    for exported in (csv_out, xlsx_out):
        assert _import(exported).exit_code == 0
        assert _titles(db_url) == before  # no duplicate project, no changed title


def test_utf16_without_bom_is_read(db_url: str, tmp_path: Path) -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        path = _csv(tmp_path / f"{encoding}.csv", [HEADER, ["Città sicura", "Rho", "100"]], encoding=encoding)
        assert not path.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
        result = _import(path)
        assert result.exit_code == 0, result.output
    assert list(_titles(db_url).values()) == ["Città sicura"]
