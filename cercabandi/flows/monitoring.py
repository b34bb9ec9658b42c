"""Glue for monitoring: read open-data files and staff update files, store them in one transaction.

Used by ``cercabandi monitoring import-opendata`` / ``import-updates`` and by the demo.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.catalogue.table import read_grid
from cercabandi.catalogue.themes import themes_in_text
from cercabandi.core.applications import MonitoringError
from cercabandi.db import models
from cercabandi.db.repo.applications import ImportReport, add_progress, resolve_ref, upsert_funded
from cercabandi.db.session import transaction
from cercabandi.monitoring.opendata import records
from cercabandi.monitoring.updates import parse_update_rows


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def import_opendata(
    sessions: sessionmaker[Session], path: Path, kind: str, *, now: datetime, today: date
) -> ImportReport:
    """Import a PNRR catalogue (``kind="pnrr"``) or the Periferie 2016 programmes (``"periferie2016"``).

    Re-running it changes nothing; a newer CUP status adds one progress update.
    """
    if kind not in ("pnrr", "periferie2016"):
        raise MonitoringError(f"unknown dataset {kind!r}: pnrr or periferie2016")
    rows = _rows(path)
    with transaction(sessions) as session:
        known = set(session.scalars(select(models.Project.id)))
        found = records(rows, kind, known_projects=known, classify=themes_in_text)
        return upsert_funded(session, found, now=now, today=today)


@dataclass
class UpdatesOutcome:
    added: int = 0
    already_known: int = 0
    errors: list[str] = field(default_factory=list)  # nothing was written when not empty


def import_updates(sessions: sessionmaker[Session], path: Path, *, now: datetime, today: date) -> UpdatesOutcome:
    """Import a staff update file (CSV or XLSX): every row or none."""
    grid = read_grid(path.name, path.read_bytes())
    parsed = parse_update_rows(grid.rows, grid.row_numbers)
    outcome = UpdatesOutcome(errors=list(parsed.errors))
    if outcome.errors:
        return outcome
    try:
        with transaction(sessions) as session:
            for number, ref, progress in parsed.updates:
                try:
                    added = add_progress(session, resolve_ref(session, ref), progress, today=today, now=now)
                except MonitoringError as exc:
                    outcome.errors.append(f"riga {number}: {exc}")
                    continue
                outcome.added += int(added)
                outcome.already_known += int(not added)
            if outcome.errors:
                raise MonitoringError("; ".join(outcome.errors))  # roll everything back
    except MonitoringError:
        outcome.added = outcome.already_known = 0
    return outcome
