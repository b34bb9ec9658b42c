"""``cercabandi projects import`` on generated malformed CSV and XLSX files (hypothesis).

Whatever the file: a clean error (exit 1 or 2, a message, no traceback) or a clean import; nothing
half-written (a refused import leaves the catalogue as it was, a rejected row is never stored);
memory bounded. A fixed number of examples keeps each test to a few seconds.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from cercabandi.core.untrusted import CONTROL_RE
from cercabandi.db.models import Project
from cercabandi.flows.cli import app

runner = CliRunner()
MAX_PEAK = 80 * 2**20
HEADERS = ["Titolo", "Comune", "Costo", "CUP", "Temi", "Stato", "Ente proponente", "", "Titolo"]
AWKWARD = ["Rho", "Milano", "Tutti i comuni", "Monza", "=1+1", "\uff1d2", "-5", "1e309", "nan", "'", '"', ";", "\r\n"]
cell = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from("\x00\x01\x1b\x7f\t\n;,\"'= "), max_size=5),
)
header = st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=12)), min_size=1, max_size=8)
body = st.lists(st.lists(cell, max_size=10), max_size=12)
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,  # the same files on every run: a failure can be replayed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    # Something to protect: a refused import must leave these as they are.
    seed = tmp_path / "seed.csv"
    seed.write_text("Titolo;Comune;Costo\nPiazza;Rho;100\nBiblioteca;Milano;2000\n", encoding="utf-8")
    assert runner.invoke(app, ["projects", "import", str(seed)]).exit_code == 0
    return url


def _catalogue(url: str) -> dict[str, str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {row.id: row.title for row in conn.execute(select(Project.id, Project.title))}
    engine.dispose()
    return rows


def _check_import(url: str, path: Path, skip_invalid: bool) -> None:
    before = _catalogue(url)
    tracemalloc.start()
    try:
        result = runner.invoke(app, ["projects", "import", str(path), *(["--skip-invalid"] if skip_invalid else [])])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "[SQL" not in result.output
    assert peak < MAX_PEAK, f"peak {peak / 2**20:.0f} MiB"
    after = _catalogue(url)
    if result.exit_code != 0:
        assert after == before, "a refused import changed the catalogue"
    assert set(before) <= set(after)  # an import adds or updates, never drops
    assert not any(CONTROL_RE.search(title) for title in after.values())


def _csv_bytes(rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@SETTINGS
@given(
    head=header,
    rows=body,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    cut=st.one_of(st.none(), st.integers(0, 400)),
    skip_invalid=st.booleans(),
)
def test_malformed_csv_imports_cleanly_or_is_refused_cleanly(
    cli_db: str,
    tmp_path: Path,
    head: list[str],
    rows: list[list[str]],
    encoding: str,
    delimiter: str,
    cut: int | None,
    skip_invalid: bool,
) -> None:
    data = _csv_bytes([head, *rows], encoding, delimiter)
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data if cut is None else data[:cut])
    _check_import(cli_db, path, skip_invalid)


@SETTINGS
@given(
    head=header,
    rows=body,
    far=st.one_of(st.none(), st.sampled_from(["XFD1048576", "GS1", "A100002", "ZZ9"])),
    damage=st.one_of(st.none(), st.tuples(st.integers(0, 3000), st.binary(min_size=1, max_size=8))),
    skip_invalid=st.booleans(),
)
def test_malformed_xlsx_imports_cleanly_or_is_refused_cleanly(
    cli_db: str,
    tmp_path: Path,
    head: list[str],
    rows: list[list[str]],
    far: str | None,
    damage: tuple[int, bytes] | None,
    skip_invalid: bool,
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [head, *rows]:
        sheet.append([CONTROL_RE.sub("", value) for value in row])  # XLSX cannot hold them at all
    if far:
        sheet[far] = "lontano"
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if damage is not None:
        at, junk = damage
        data = data[:at] + junk + data[at + len(junk) :]
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(data)
    _check_import(cli_db, path, skip_invalid)
