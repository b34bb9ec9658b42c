"""Glue for the project catalogue: read + validate a file, then upsert it in one transaction.

Used by ``cercabandi projects import`` and by the demo (``DEMO_CATALOGUE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.repo.projects import UpsertReport, upsert_projects
from cercabandi.db.session import transaction
from cercabandi.normalise.catalogue import ParsedCatalogue, load_catalogue, rejected_table, write_table

DEMO_CATALOGUE = Path(__file__).parent / "demo_data" / "catalogo_demo.csv"


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
