"""Glue for the project catalogue: the file I/O around the pure ``catalogue`` stage, and the import.

``load_catalogue`` reads a file and validates it, ``write_table`` writes a table as CSV or XLSX,
``import_catalogue`` upserts a validated file in one transaction. Used by ``cercabandi projects``
and by the demo (``DEMO_CATALOGUE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.catalogue import (
    CatalogueFileError,
    ParsedCatalogue,
    parse_catalogue,
    rejected_table,
    table_bytes,
)
from cercabandi.catalogue.table import MAX_FILE_BYTES, too_large
from cercabandi.catalogue.writer import Cell
from cercabandi.core.csv_export import DEFAULT_SEPARATOR
from cercabandi.db.repo.projects import UpsertReport, upsert_projects
from cercabandi.db.session import transaction

DEMO_CATALOGUE = Path(__file__).parent / "demo_data" / "catalogo_demo.csv"


def load_catalogue(
    path: Path,
    *,
    sheet: str | None = None,
    maps: Sequence[str] = (),
    preset: str | None = None,
    encoding: str | None = None,
) -> ParsedCatalogue:
    """Read and validate a catalogue file. Raises ``CatalogueFileError`` when it cannot be read at all."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:  # refused before reading: a huge file never enters memory
            raise CatalogueFileError(too_large(path.name, size))
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_catalogue(path.name, data, sheet=sheet, maps=maps, preset=preset, encoding=encoding)


def write_table(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, separator: str = DEFAULT_SEPARATOR
) -> None:
    """Write a table as CSV (``separator`` between cells) or XLSX, by the file's extension (``ValueError`` for any
    other)."""
    data = table_bytes(path.name, headers, rows, separator=separator)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@dataclass
class ImportOutcome:
    parsed: ParsedCatalogue
    report: UpsertReport | None  # None when nothing was written (errors and no --skip-invalid)
    rejected_path: Path | None = None

    @property
    def imported(self) -> bool:
        return self.report is not None


def import_catalogue(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    now: datetime,
    maps: Sequence[str] = (),
    sheet: str | None = None,
    preset: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    rejected_path: Path | None = None,
) -> ImportOutcome:
    """Import a catalogue file: all rows or nothing, unless ``skip_invalid``.

    Raises ``CatalogueFileError`` when the file cannot be read, and lets database errors
    through after the transaction rolled back (nothing half-written).
    """
    parsed = load_catalogue(path, sheet=sheet, maps=maps, preset=preset, encoding=encoding)
    written: Path | None = None
    if parsed.rejected and rejected_path is not None:
        headers, rows = rejected_table(parsed)
        write_table(rejected_path, headers, rows)
        written = rejected_path
    if parsed.rejected and not skip_invalid:
        return ImportOutcome(parsed=parsed, report=None, rejected_path=written)
    with transaction(sessions) as session:
        report = upsert_projects(session, [row.project for row in parsed.projects], now=now)
    return ImportOutcome(parsed=parsed, report=report, rejected_path=written)
