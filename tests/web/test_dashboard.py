"""The dashboard: closing soon, new this week, review progress, source health with a chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.repo import dashboard as dashboard_repo


def test_dashboard_sections(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("giulia").get("/")
    assert page.status_code == 200
    html = page.text
    closing = html.split("In scadenza nei prossimi 30 giorni", 1)[1].split("Scadenze per settimana", 1)[0]
    assert closing.count('<a href="/calls/') == 3
    assert "Bando Rigenerazione urbana 2027" in closing and "tra 9 giorni" in closing
    assert "Sport e periferie" not in closing  # no deadline
    new = html.split("Nuovi questa settimana", 1)[1].split("Avanzamento della revisione", 1)[0]
    assert new.count('<a href="/calls/') == 5
    assert "<strong>3</strong> di 8 bandi candidati" in html
    assert "luca 3" in html and "marco 2" in html
    assert html.count('<svg class="chart"') == 1 and html.count('<svg class="spark"') >= 8


def test_source_health_states(web_sessions: sessionmaker[Session], now: datetime) -> None:
    with web_sessions() as session:
        health = {h.id: h for h in dashboard_repo.source_health(session, now)}
    assert health["it_italiadomani"].state == "failing"
    assert health["it_italiadomani"].problems == ["zero items: the listing page layout may have changed"]
    assert health["it_coesione"].state == "silent"  # last success 9 days ago, silent after 7
    assert health["it_dait"].state == "ok"  # a slow publisher: silent only after 30 days
    assert health["eu_sedia"].state == "ok" and health["eu_sedia"].last_item_count
    assert len(health["eu_sedia"].runs) == 10
    assert (health["lombardia_bandi"].quarantined, health["eu_sedia"].quarantined) == (1, 0)
    assert health["eu_sedia"].runs[0].started_at < health["eu_sedia"].runs[-1].started_at


def test_dashboard_shows_source_health(as_user: Callable[[str], TestClient]) -> None:
    html = as_user("marco").get("/").text
    assert "In errore" in html and "Silenziosa" in html and "Regolare" in html
    assert "zero items: the listing page layout may have changed" in html


def test_deadlines_per_week(web_sessions: sessionmaker[Session], now: datetime) -> None:
    with web_sessions() as session:
        weeks = dashboard_repo.deadlines_per_week(session, now, weeks=8)
    assert [n for _, n in weeks] == [0, 1, 1, 1, 1, 0, 0, 1]


def test_empty_database_renders(as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]) -> None:
    from sqlalchemy import delete

    from cercabandi.db.models import Assignment, Call, CallVersion, CrawlRun, MatchRow, Quarantine, RawRecord, ReviewRow

    with web_sessions() as session, session.begin():
        for model in (ReviewRow, Assignment, MatchRow, CallVersion, Call, Quarantine, RawRecord, CrawlRun):
            session.execute(delete(model))
    client = as_user("giulia")
    html = client.get("/").text
    assert "Nessun bando in scadenza" in html and "nessuna esecuzione" in html
    assert "Nessun bando corrisponde ai filtri" in client.get("/calls").text


def test_sources_with_problems_come_first(web_sessions: sessionmaker[Session], now: datetime) -> None:
    with web_sessions() as session:
        states = [h.state for h in dashboard_repo.source_health(session, now)]
    assert states[:2] == ["failing", "silent"] and set(states[2:]) == {"ok"}


def test_a_source_living_on_the_fallback_shows_as_degraded(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session], now: datetime
) -> None:
    """Issue #15: a crawl read by the generic fallback is 'degraded' on the dashboard, problems first."""
    from datetime import timedelta

    from sqlalchemy import delete

    from cercabandi.db.models import CrawlRun

    problem = "3 of 20 items read by the generic fallback: the publisher's layout changed"
    with web_sessions() as session, session.begin():
        run = CrawlRun(source_id="it_dait", started_at=now - timedelta(minutes=30), finished_at=now - timedelta(minutes=20),
                       status="degraded", complete=False, items=20, problems=[problem])  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        with web_sessions() as session:
            states = [(h.id, h.state) for h in dashboard_repo.source_health(session, now)]
        assert states[:3] == [("it_italiadomani", "failing"), ("it_dait", "degraded"), ("it_coesione", "silent")]
        html = as_user("marco").get("/").text
        assert "Degradata (lettura generica)" in html and "3 of 20 items read by the generic fallback" in html
    finally:
        with web_sessions() as session, session.begin():
            session.execute(delete(CrawlRun).where(CrawlRun.id == run_id))
