"""Applications, partners, status history and monitoring on SQLite and PostgreSQL.

Bad input (unknown project, partner or comune, a status move that makes no sense, dates out
of order) raises ``MonitoringError`` with a clear reason and leaves the database as it was.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.applications import MonitoringError, Progress
from cercabandi.core.vocab import ApplicationStatus, PartnerKind, ProgressStage
from cercabandi.db import models
from cercabandi.db.repo import applications as repo
from cercabandi.db.session import transaction
from tests.monitoring.world import NOW, RHO, SESTO, TODAY, fund, network_application, seed


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions) as session:
        seed(session)
    return sessions


def _counts(session: Session) -> tuple[int, ...]:
    tables = (
        models.Application,
        models.ApplicationPartner,
        models.ApplicationEvent,
        models.Milestone,
        models.ReportingDeadline,
        models.ProgressUpdate,
    )
    return tuple(session.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


def test_application_in_network_round_trips(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        app_id = network_application(session)
    with world() as session:
        item = repo.get_application(session, app_id)
    assert item is not None
    assert item.lead_name == "Rho" and item.status == ApplicationStatus.IDEA
    assert item.call_title == "Bando rigenerazione urbana 2027"
    assert item.funding_source == "Regione Lombardia - rigenerazione"
    assert item.deadline_on == date(2027, 1, 15)  # the call's deadline, in Rome
    assert [(p.kind, p.name, p.role) for p in item.partners] == [
        (PartnerKind.COMUNE, "Sesto San Giovanni", "partner"),
        (PartnerKind.THIRD_SECTOR, "Cooperativa sociale Aurora", "gestione attività sociali"),
    ]
    assert [p.id for p in item.projects] == ["P-RHO", "P-SESTO"]
    assert set(item.istat) == {RHO, SESTO}
    assert item.amount_requested == Decimal("800000") and item.cofinancing == Decimal("200000")
    assert item.themes == ["urban_regeneration"]
    assert [(c.from_status, c.to_status, c.on) for c in item.history] == [
        (None, ApplicationStatus.IDEA, date(2026, 11, 2))
    ]


def test_status_history_and_monitoring(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        app_id = network_application(session)
        fund(session, app_id)
        repo.add_document(session, app_id, "Domanda firmata", "https://docs.example/domanda.pdf", now=NOW)
        repo.add_milestone(session, app_id, "Avvio lavori", date(2027, 3, 1), today=TODAY, now=NOW)
        repo.add_milestone(
            session, app_id, "Aggiudicazione", date(2026, 11, 25), today=TODAY, now=NOW, done_on=date(2026, 11, 28)
        )
        deadline = repo.add_reporting_deadline(session, app_id, "Rendicontazione SAL 1", date(2026, 12, 10), now=NOW)
        progress = Progress(stage=ProgressStage.PROCUREMENT, spending_pct=5, as_of=TODAY, source="telefonata RUP")
        assert repo.add_progress(session, app_id, progress, today=TODAY, now=NOW)
        assert not repo.add_progress(session, app_id, progress, today=TODAY, now=NOW)  # idempotent
    with world() as session:
        item = repo.get_application(session, app_id)
        due = repo.reporting_due(session, TODAY, date(2026, 12, 14))
    assert item is not None
    assert [c.to_status for c in item.history] == [
        ApplicationStatus.IDEA,
        ApplicationStatus.IN_PREPARATION,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.FUNDED,
    ]
    assert item.amount_granted == Decimal("750000") and item.funded_on == date(2026, 11, 20)
    assert [m.title for m in item.milestones] == ["Aggiudicazione", "Avvio lavori"]
    assert item.latest_progress is not None and item.latest_progress.spending_pct == 5
    assert [(a.id, r.id) for a, r in due] == [(app_id, deadline)]
    with transaction(world) as session:
        repo.mark_done(session, "reporting", deadline, date(2026, 11, 30), today=TODAY)
    with world() as session:
        assert repo.reporting_due(session, TODAY, date(2026, 12, 14)) == []


BAD_NEW = [
    ({"project_ids": ["P-RHO", "P-NOWHERE"]}, "unknown project"),
    ({"organisations": [("coop-ghost", "partner")]}, "unknown partner"),
    ({"comuni": [("999999", "partner")]}, "unknown comune"),
    ({"call_id": "lombardia_bandi:NOPE"}, "unknown call"),
    ({"amount_requested": Decimal("-5")}, "cannot be negative"),
    ({"lead_istat": None}, "lead body"),
    ({"on": date(2026, 12, 5)}, "in the future"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_NEW)
def test_bad_new_application_changes_nothing(
    world: sessionmaker[Session], overrides: dict[str, object], message: str
) -> None:
    with world() as session:
        before = _counts(session)
    with pytest.raises(MonitoringError, match=message), transaction(world) as session:
        network_application(session, **overrides)
    with world() as session:
        assert _counts(session) == before


def test_status_moves_that_make_no_sense_are_refused(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        app_id = network_application(session)
    with world() as session:
        before = _counts(session)
    cases = [
        (ApplicationStatus.FUNDED, date(2026, 11, 20), "cannot become 'Finanziata'"),  # idea -> funded
        (ApplicationStatus.IN_PREPARATION, date(2026, 10, 1), "before the previous change"),
        (ApplicationStatus.IN_PREPARATION, date(2027, 1, 1), "in the future"),
    ]
    for status, on, message in cases:
        with pytest.raises(MonitoringError, match=message), transaction(world) as session:
            repo.change_status(session, app_id, status, on=on, today=TODAY, now=NOW)
    with world() as session:
        assert _counts(session) == before
        item = repo.get_application(session, app_id)
        assert item is not None and item.status == ApplicationStatus.IDEA


def test_monitoring_needs_a_funded_application_and_dates_in_order(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        app_id = network_application(session)
    with pytest.raises(MonitoringError, match="only to a funded application"), transaction(world) as session:
        repo.add_milestone(session, app_id, "Avvio", date(2027, 1, 1), today=TODAY, now=NOW)
    with transaction(world) as session:
        fund(session, app_id)
    with world() as session:
        before = _counts(session)
    bad = [
        (lambda s: repo.add_reporting_deadline(s, app_id, "SAL", date(2026, 11, 1), now=NOW), "before the funding"),
        (
            lambda s: repo.add_milestone(
                s, app_id, "X", date(2027, 1, 1), today=TODAY, now=NOW, done_on=date(2027, 1, 2)
            ),
            "in the future",
        ),
        (
            lambda s: repo.add_progress(
                s,
                app_id,
                Progress(stage=ProgressStage.UNDER_WAY, works_pct=120, as_of=TODAY, source="x"),
                today=TODAY,
                now=NOW,
            ),
            "between 0 and 100",
        ),
        (
            lambda s: repo.change_status(s, 424242, ApplicationStatus.WITHDRAWN, on=TODAY, today=TODAY, now=NOW),
            "unknown application",
        ),
    ]
    for action, message in bad:
        with pytest.raises(MonitoringError, match=message), transaction(world) as session:
            action(session)
    with world() as session:
        assert _counts(session) == before


def test_open_application_deadlines(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        soon = network_application(session)
        later = network_application(session, deadline_on=date(2027, 6, 1), title="Altra")
    with world() as session:
        found = repo.open_deadlines(session, TODAY, date(2027, 1, 31))
    assert [a.id for a in found] == [soon] and later != soon


def test_partners_and_projects_added_later(world: sessionmaker[Session]) -> None:
    with transaction(world) as session:
        app_id = network_application(session, comuni=[], organisations=[], project_ids=["P-RHO"])
        repo.add_partner(session, app_id, SESTO, "partner tecnico", now=NOW)
        repo.add_partner(session, app_id, "coop-aurora", "animazione", now=NOW)
        repo.add_project(session, app_id, "P-MI", now=NOW)
    with world() as session:
        before = _counts(session)
    for action, message in (
        (lambda s: repo.add_partner(s, app_id, SESTO, "", now=NOW), "already takes part"),
        (lambda s: repo.add_partner(s, app_id, RHO, "", now=NOW), "already takes part"),  # the lead
        (lambda s: repo.add_partner(s, app_id, "coop-ghost", "", now=NOW), "unknown partner"),
        (lambda s: repo.add_project(s, app_id, "P-MI", now=NOW), "already in it"),
        (lambda s: repo.add_project(s, app_id, "P-NOWHERE", now=NOW), "unknown project"),
    ):
        with pytest.raises(MonitoringError, match=message), transaction(world) as session:
            action(session)
    with world() as session:
        assert _counts(session) == before
        item = repo.get_application(session, app_id)
    assert item is not None
    assert [(p.name, p.role) for p in item.partners] == [
        ("Sesto San Giovanni", "partner tecnico"),
        ("Cooperativa sociale Aurora", "animazione"),
    ]
    assert [p.id for p in item.projects] == ["P-MI", "P-RHO"]
