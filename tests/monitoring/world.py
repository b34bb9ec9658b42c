"""A small world for applications and monitoring: one call, three projects in three comuni, one partner."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from cercabandi.core.models import ComuneRef, Project
from cercabandi.core.vocab import ApplicationStatus, PartnerKind
from cercabandi.db import models
from cercabandi.db.repo import applications as repo
from cercabandi.db.repo.projects import upsert_projects

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
RHO, SESTO, MILANO = "015182", "015209", "015146"
CALL_ID = "lombardia_bandi:RL-RIGEN-1"


def seed(session: Session) -> None:
    """A call, three projects and a third-sector organisation."""
    session.add(models.Source(id="lombardia_bandi", name="Regione Lombardia", url="https://x", level="regional"))
    session.flush()
    session.add(
        models.Call(
            id=CALL_ID,
            source_id="lombardia_bandi",
            native_id="RL-RIGEN-1",
            title="Bando rigenerazione urbana 2027",
            level="regional",
            programme="Regione Lombardia - rigenerazione",
            content_hash="0" * 64,
            data={"title": "Bando rigenerazione urbana 2027"},
            first_seen=NOW,
            last_seen=NOW,
            deadline_at=datetime(2027, 1, 15, 11, 0, tzinfo=UTC),
        )
    )
    upsert_projects(
        session,
        [
            Project(
                id="P-RHO",
                title="Piazza della stazione",
                comuni=[ComuneRef(istat=RHO, name="Rho")],
                themes=["urban_regeneration"],
                contact_email="ufficio.tecnico@comune.rho.mi.it",
            ),
            Project(
                id="P-SESTO",
                title="Ex area Falck, spazi civici",
                comuni=[ComuneRef(istat=SESTO, name="Sesto San Giovanni")],
            ),
            Project(id="P-MI", title="Orti sociali in periferia", comuni=[ComuneRef(istat=MILANO, name="Milano")]),
        ],
        now=NOW,
    )
    repo.add_organisation(
        session,
        "coop-aurora",
        "Cooperativa sociale Aurora",
        PartnerKind.THIRD_SECTOR,
        now=NOW,
        contact_email="presidenza@coop-aurora.example",
    )
    session.flush()


def network_application(session: Session, **overrides: object) -> int:
    """An application in network: Rho leads, Sesto and a cooperative take part."""
    draft = repo.NewApplication(
        title="Rigenerazione in rete Rho-Sesto",
        call_id=CALL_ID,
        lead_istat=RHO,
        comuni=[(SESTO, "partner")],
        organisations=[("coop-aurora", "gestione attività sociali")],
        project_ids=["P-RHO", "P-SESTO"],
        amount_requested=Decimal("800000"),
        cofinancing=Decimal("200000"),
        on=date(2026, 11, 2),
        note="Sentito il sindaco di Sesto: interessato",
    )
    for name, value in overrides.items():
        setattr(draft, name, value)
    return repo.create_application(session, draft, now=NOW, today=TODAY, by="staff1")


def fund(session: Session, app_id: int, on: date = date(2026, 11, 20)) -> None:
    for status, day in (
        (ApplicationStatus.IN_PREPARATION, date(2026, 11, 5)),
        (ApplicationStatus.SUBMITTED, date(2026, 11, 10)),
    ):
        repo.change_status(session, app_id, status, on=day, today=TODAY, now=NOW)
    repo.change_status(
        session, app_id, ApplicationStatus.FUNDED, on=on, today=TODAY, now=NOW, amount_granted=Decimal("750000")
    )
