"""Progress from open data (real files in ../shared/data) and the staff update file (CSV and XLSX)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.vocab import ProgressStage
from cercabandi.db import models
from cercabandi.db.repo import applications as repo
from cercabandi.db.session import transaction
from cercabandi.flows.monitoring import import_opendata, import_updates
from tests.monitoring.world import NOW, TODAY, fund, network_application, seed


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions) as session:
        seed(session)
    return sessions


def _progress_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(models.ProgressUpdate)) or 0


def test_pnrr_catalogue_and_periferie_import_idempotently(world: sessionmaker[Session], shared_data: Path) -> None:
    catalogue = shared_data / "pnrr" / "catalogo_progetti_MI.csv"
    first = import_opendata(world, catalogue, "pnrr", now=NOW, today=TODAY)
    assert first.created == 1942 and first.progress_added == 1942
    again = import_opendata(world, catalogue, "pnrr", now=NOW, today=TODAY)
    assert (again.created, again.updated, again.progress_added, again.unchanged) == (0, 0, 0, 1942)
    periferie = import_opendata(
        world, shared_data / "periferie2016_cmm_programmi.csv", "periferie2016", now=NOW, today=TODAY
    )
    assert periferie.created == 6
    with world() as session:
        closed = [
            a
            for a in repo.list_applications(session)
            if a.latest_progress and a.latest_progress.stage == ProgressStage.COMPLETED
        ]
        programme = repo.get_application(session, repo.resolve_ref(session, "periferie2016:1"))
    assert len(closed) == 4  # "Chiuso" in the CUP status column
    assert closed[0].latest_progress is not None and closed[0].latest_progress.as_of == date(2023, 2, 21)
    assert programme is not None and programme.lead_name == "Città metropolitana di Milano"
    assert {"Milano", "Bussero", "Vimodrone"} <= set(programme.comuni)


def _funded(world: sessionmaker[Session]) -> int:
    with transaction(world) as session:
        app_id = network_application(session)
        fund(session, app_id)
    return app_id


def test_update_file_csv_imports_every_row(world: sessionmaker[Session], tmp_path: Path) -> None:
    app_id = _funded(world)
    path = tmp_path / "aggiornamenti.csv"
    path.write_text(
        "candidatura;fase;spesa_pct;lavori_pct;data;fonte;note\n"
        f"{app_id};Affidamento;10;;25/11/2026;telefonata con l'ufficio tecnico;\n"
        f"{app_id};under_way;25,5;15;2026-11-29;e-mail del RUP;cantiere aperto\n",
        encoding="utf-8",
    )
    outcome = import_updates(world, path, now=NOW, today=TODAY)
    assert (outcome.added, outcome.errors) == (2, [])
    assert import_updates(world, path, now=NOW, today=TODAY).already_known == 2
    with world() as session:
        item = repo.get_application(session, app_id)
    assert item is not None and item.latest_progress is not None
    assert item.latest_progress.spending_pct == 25.5 and item.latest_progress.stage == ProgressStage.UNDER_WAY


def test_update_file_xlsx_with_bad_rows_writes_nothing(world: sessionmaker[Session], tmp_path: Path) -> None:
    app_id = _funded(world)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Candidatura", "Fase", "Spesa_pct", "Lavori_pct", "Data", "Fonte"])
    sheet.append([app_id, "Progettazione", 5, None, date(2026, 11, 20), "telefonata"])
    sheet.append([999, "Progettazione", 5, None, date(2026, 11, 20), "telefonata"])
    sheet.append([app_id, "in volo", 5, None, date(2026, 11, 20), "telefonata"])
    sheet.append([app_id, "Progettazione", 5, None, date(2027, 1, 20), "telefonata"])
    path = tmp_path / "aggiornamenti.xlsx"
    book.save(path)
    outcome = import_updates(world, path, now=NOW, today=TODAY)
    assert outcome.added == 0
    assert any("riga 4: unknown stage 'in volo'" in e for e in outcome.errors), outcome.errors
    assert _progress_count(world) == 0
    sheet.delete_rows(4)  # the unknown stage: the rest is checked against the database
    book.save(path)
    outcome = import_updates(world, path, now=NOW, today=TODAY)
    assert [e.split(":")[0] for e in outcome.errors] == ["riga 3", "riga 4"], outcome.errors
    assert "unknown application '999'" in outcome.errors[0] and "in the future" in outcome.errors[1]
    assert _progress_count(world) == 0
