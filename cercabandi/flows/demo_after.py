"""The demo after the match: one application in network, funded and monitored, and the public site.

From the demo's matches it takes the first call with a "projects in network" suggestion, opens
an application led by the first suggested comune with the second one and a third-sector
cooperative as partners, walks it from idea to funded, adds two milestones, a reporting
deadline 10 days ahead and a progress update, publishes it as a good practice, and builds the
public site. Idempotent: a second run finds the application by its reference and only rebuilds
the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.applications import Progress
from cercabandi.core.vocab import ApplicationStatus, PartnerKind, ProgressStage
from cercabandi.db import models
from cercabandi.db.repo import applications as repo
from cercabandi.db.repo import triage
from cercabandi.db.session import transaction
from cercabandi.flows.site import SiteReport, build_site

DEMO_REF = "demo:rete-1"
DEMO_COOP = "demo-coop-il-ponte"


@dataclass
class DemoApplication:
    application_id: int | None
    call_title: str | None
    comuni: list[str]
    site: SiteReport


def _network_call(session: Session) -> tuple[str, list[triage.NetworkSuggestion]] | None:
    """The call with the best-scoring projects-in-network suggestion."""
    call_ids = list(
        dict.fromkeys(
            session.scalars(
                select(models.MatchRow.call_id)
                .where(models.MatchRow.active.is_(True))
                .order_by(models.MatchRow.score.desc())
            )
        )
    )
    for call_id in call_ids:
        network = triage.projects_in_network(triage.matches_for_call(session, call_id))
        if len(network) >= 2:
            return call_id, network[:2]
    return None


def _walk_to_funded(session: Session, app_id: int, today: date, now: datetime) -> None:
    steps = (
        (ApplicationStatus.IN_PREPARATION, 80, "Incontro con i due comuni e la cooperativa"),
        (ApplicationStatus.SUBMITTED, 60, "Domanda inviata sulla piattaforma del bando"),
        (ApplicationStatus.FUNDED, 30, "Graduatoria pubblicata: ammessa e finanziata"),
    )
    for status, days_ago, note in steps:
        repo.change_status(
            session,
            app_id,
            status,
            on=today - timedelta(days=days_ago),
            today=today,
            now=now,
            note=note,
            by="demo",
            amount_granted=Decimal("450000") if status == ApplicationStatus.FUNDED else None,
        )


def _monitor(session: Session, app_id: int, today: date, now: datetime) -> None:
    repo.add_milestone(
        session,
        app_id,
        "Aggiudicazione dei lavori",
        today - timedelta(days=10),
        today=today,
        now=now,
        done_on=today - timedelta(days=12),
    )
    repo.add_milestone(
        session, app_id, "Fine lavori e inaugurazione", today + timedelta(days=300), today=today, now=now
    )
    repo.add_reporting_deadline(session, app_id, "Rendicontazione primo SAL", today + timedelta(days=10), now=now)
    progress = Progress(
        stage=ProgressStage.PROCUREMENT,
        spending_pct=15,
        works_pct=5,
        as_of=today - timedelta(days=5),
        source="telefonata con l'ufficio tecnico (demo)",
    )
    repo.add_progress(session, app_id, progress, today=today, now=now)
    repo.set_publication(
        session,
        app_id,
        public=True,
        now=now,
        story="Due comuni e una cooperativa sociale rigenerano insieme spazi pubblici e servizi di quartiere.",
        good_practice="Un'unica candidatura per due comuni vicini, con il terzo settore che gestisce le attività.",
    )


def _create(session: Session, call_id: str, network: list[triage.NetworkSuggestion], today: date, now: datetime) -> int:
    if session.get(models.Organisation, DEMO_COOP) is None:
        repo.add_organisation(
            session,
            DEMO_COOP,
            "Cooperativa sociale Il Ponte (demo)",
            PartnerKind.THIRD_SECTOR,
            now=now,
            contact_email="presidenza@il-ponte.demo.invalid",
        )
    lead, partner = network
    draft = repo.NewApplication(
        title=f"Rete {lead.comune.name} – {partner.comune.name}: {lead.project.title}"[:300],
        call_id=call_id,
        lead_istat=lead.comune.istat,
        comuni=[(partner.comune.istat, "partner")],
        organisations=[(DEMO_COOP, "gestione delle attività sociali")],
        project_ids=[lead.project.id, partner.project.id],
        amount_requested=Decimal("500000"),
        cofinancing=Decimal("100000"),
        on=today - timedelta(days=90),
        note="Demo: candidatura in rete creata dal suggerimento del matcher",
        external_ref=DEMO_REF,
    )
    app_id = repo.create_application(session, draft, now=now, today=today, by="demo")
    _walk_to_funded(session, app_id, today, now)
    _monitor(session, app_id, today, now)
    return app_id


def demo_after_match(sessions: sessionmaker[Session], site_dir: Path, *, now: datetime, tz: tzinfo) -> DemoApplication:
    today = now.astimezone(tz).date()
    with transaction(sessions) as session:
        app_id = repo.find_by_ref(session, DEMO_REF)
        found = _network_call(session) if app_id is None else None
        if app_id is None and found is not None:
            app_id = _create(session, found[0], found[1], today, now)
        item = repo.get_application(session, app_id) if app_id is not None else None
    site = build_site(sessions, site_dir, now=now)
    return DemoApplication(app_id, item.call_title if item else None, item.comuni if item else [], site)
