"""Projects in the database: upsert by id or CUP, one transaction, filters; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.catalogue import export_table
from cercabandi.core.models import ComuneRef, Project
from cercabandi.db import models
from cercabandi.db.repo.projects import get_project, list_projects, upsert_projects
from cercabandi.db.session import transaction
from cercabandi.flows.catalogue import DEMO_CATALOGUE, import_catalogue, load_catalogue, write_table

RHO = ComuneRef(istat="015182", name="Rho")
MILANO = ComuneRef(istat="015146", name="Milano")


def _project(pid: str, **kwargs: object) -> Project:
    data: dict[str, object] = {"id": pid, "title": f"Progetto {pid}", "comuni": [RHO], **kwargs}
    return Project(**data)  # type: ignore[arg-type]


def _snapshot(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(select(models.Project).order_by(models.Project.id)).scalars()
    links = session.execute(select(models.ProjectComune.project_id, models.ProjectComune.istat)).all()
    return [(r.id, r.cup, r.title, r.estimated_cost, r.themes, r.extra, r.updated_at) for r in rows] + sorted(
        tuple(link) for link in links
    )


def test_upsert_creates_updates_and_leaves_unchanged(session: Session, now: datetime) -> None:
    report = upsert_projects(session, [_project("A", themes=["welfare"]), _project("B")], now=now)
    assert (report.created, report.updated, report.unchanged) == (["A", "B"], [], [])
    later = now + timedelta(days=1)
    report = upsert_projects(
        session,
        [_project("A", themes=["welfare"]), _project("B", comuni=[RHO, MILANO], estimated_cost=Decimal("10"))],
        now=later,
    )
    assert (report.created, report.updated, report.unchanged) == ([], ["B"], ["A"])
    assert sorted(report.changes["B"]) == ["comuni", "estimated_cost"]
    session.commit()
    stored = get_project(session, "B")
    assert stored is not None and [c.name for c in stored.comuni] == ["Milano", "Rho"]
    assert stored.estimated_cost == Decimal("10.00")
    row = session.get(models.Project, "A")
    assert row is not None and row.updated_at == now  # unchanged rows are not touched


def test_upsert_matches_by_cup_when_the_id_is_new(session: Session, now: datetime) -> None:
    upsert_projects(session, [_project("B21F22000420006", cup="B21F22000420006")], now=now)
    report = upsert_projects(session, [_project("RHO-7", cup="B21F22000420006", title="Nuovo titolo")], now=now)
    assert report.matched_by_cup == {"RHO-7": "B21F22000420006"}
    assert report.updated == ["B21F22000420006"]
    assert session.scalar(select(func.count()).select_from(models.Project)) == 1


def test_one_cup_may_fund_several_projects(session: Session, now: datetime) -> None:
    tranches = [_project(f"G45F21003110005|{year}", cup="G45F21003110005") for year in (2021, 2022)]
    assert len(upsert_projects(session, tranches, now=now).created) == 2
    session.commit()


def test_a_failed_import_leaves_the_database_exactly_as_before(sessions: sessionmaker[Session], now: datetime) -> None:
    with transaction(sessions) as session:
        upsert_projects(session, [_project("A", title="Prima"), _project("B")], now=now)
    with sessions() as session:
        before = _snapshot(session)
    batch = [
        _project("A", title="Cambiato"),  # an update...
        _project("C"),  # ...a creation...
        _project("D", comuni=[ComuneRef(istat="015999", name="Inesistente")]),  # ...then a failure
    ]
    with pytest.raises(ValueError, match="015999"), transaction(sessions) as session:
        upsert_projects(session, batch, now=now + timedelta(hours=1))
    with sessions() as session:
        assert _snapshot(session) == before


def test_filters_by_comune_stage_and_theme(session: Session, now: datetime) -> None:
    upsert_projects(
        session,
        [
            _project("A", themes=["energy"], stage="idea"),
            _project("B", comuni=[MILANO], themes=["welfare", "energy"], stage="completed"),
            _project("C", comuni=[MILANO, RHO]),
        ],
        now=now,
    )
    session.commit()
    assert [p.id for p in list_projects(session, istat="015146")] == ["B", "C"]
    assert [p.id for p in list_projects(session, stage="idea")] == ["A"]
    assert [p.id for p in list_projects(session, theme="energy")] == ["A", "B"]
    assert [p.id for p in list_projects(session, istat="015182", theme="energy")] == ["A"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips(
    sessions: sessionmaker[Session], now: datetime, tmp_path: Path, suffix: str
) -> None:
    first = import_catalogue(sessions, DEMO_CATALOGUE, now=now)
    assert first.report is not None and len(first.report.created) == 26
    with sessions() as session:
        projects = list_projects(session)
    path = tmp_path / f"export{suffix}"
    write_table(path, *export_table(projects))
    again = import_catalogue(sessions, path, now=now + timedelta(days=1))
    assert again.parsed.ok, again.parsed.errors
    assert again.report is not None
    assert (len(again.report.created), len(again.report.updated), len(again.report.unchanged)) == (0, 0, 26)
    assert [row.project for row in load_catalogue(path).projects] == projects


def test_skip_invalid_imports_valid_rows_and_writes_the_rejected(
    sessions: sessionmaker[Session], now: datetime, tmp_path: Path
) -> None:
    source = tmp_path / "misto.csv"
    source.write_text("Titolo;Comune;Costo\nPiazza;Rho;100\nPonte;Monza;200\nScuola;Milano;-5\n", encoding="utf-8")
    rejected = tmp_path / "scartati.csv"
    strict = import_catalogue(sessions, source, now=now, rejected_path=rejected)
    assert strict.report is None  # errors and no --skip-invalid: nothing written
    with sessions() as session:
        assert list_projects(session) == []
    outcome = import_catalogue(sessions, source, now=now, skip_invalid=True, rejected_path=rejected)
    assert outcome.report is not None and outcome.report.created == ["015182-piazza"]
    lines = rejected.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Riga;Titolo;Comune;Costo;Errori"
    assert lines[1].startswith("3;Ponte;Monza;200;B 'Comune': unknown comune 'Monza'")
    assert lines[2] == "4;Scuola;Milano;-5;C 'Costo': '-5' is negative: a cost must be zero or more"
    # Fixing the rejected file and importing it completes the catalogue.
    fixed = tmp_path / "corretti.csv"
    fixed.write_text("Riga;Titolo;Comune;Costo\n3;Ponte;Rho;200\n4;Scuola;Milano;5\n", encoding="utf-8")
    done = import_catalogue(sessions, fixed, now=now)
    assert done.report is not None and len(done.report.created) == 2


@pytest.mark.slow
def test_the_real_pnrr_catalogue_imports_cleanly_and_idempotently(
    sessions: sessionmaker[Session], now: datetime, shared_data: Path
) -> None:
    path = shared_data / "pnrr" / "catalogo_progetti_MI.csv"
    first = import_catalogue(sessions, path, now=now)
    assert first.parsed.preset == "pnrr"
    assert first.parsed.ok, first.parsed.errors[:5]
    assert first.report is not None and len(first.report.created) == 1942
    with sessions() as session:
        projects = list_projects(session)
        assert len(projects) == 1942
        assert all(p.comuni for p in projects)
        assert sum(1 for p in projects if len(p.comuni) == 133) == 17  # "TUTTI I COMUNI"
        kinds = {p.proponent_type for p in projects}
        assert {"comune", "school", "citta_metropolitana", "university_research"} <= {str(k) for k in kinds}
        assert (session.scalar(select(func.count()).select_from(models.ProjectComune)) or 0) >= 1942
    again = import_catalogue(sessions, path, now=now + timedelta(days=1))
    assert again.report is not None
    assert (len(again.report.created), len(again.report.updated), len(again.report.unchanged)) == (0, 0, 1942)
