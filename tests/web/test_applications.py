"""Applications and monitoring through the real app: role checks, CSRF, refused changes, dashboard, XLSX, ICS."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.models import Application
from tests.web.conftest import csrf_of

REGEN = "lombardia_bandi:RLO12026034567"  # matched in Sesto San Giovanni, Rho and Legnano


@pytest.fixture
def marco(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("marco")


def _count(web_sessions: sessionmaker[Session]) -> int:
    with web_sessions() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


def _create(marco: TestClient, **extra: object) -> str:
    form = marco.get(f"/applications/new?call={REGEN}")
    lead, *others = re.findall(r'name="comuni" value="(\d{6})" checked', form.text)
    projects = re.findall(r'name="projects" value="([^"]+)" checked', form.text)
    data = {
        "csrf_token": csrf_of(form.text),
        "call_id": REGEN,
        "title": "Rigenerazione in rete",
        "lead": re.search(r'<option value="(\d{6})" selected>', form.text).group(1),  # type: ignore[union-attr]
        "comuni": [lead, *others],
        "projects": projects,
        "requested": "1.200.000,00",
        "cofinancing": "300000",
        "note": "nota riservata",
        **extra,
    }
    return marco.post("/applications", data=data).headers["location"]


def test_only_staff_see_applications(as_user: Callable[[str], TestClient], client: TestClient) -> None:
    assert client.get("/applications").status_code == 303  # to the login page
    giulia = as_user("giulia")
    assert giulia.get("/applications").status_code == 403
    assert giulia.get("/monitoring").status_code == 403
    assert giulia.get("/monitoring.xlsx").status_code == 403


def test_create_from_a_call_with_the_network_suggestion(marco: TestClient) -> None:
    call_page = marco.get(f"/calls/{REGEN}")
    assert f'href="/applications/new?call={REGEN.replace(":", "%3A")}"' in call_page.text
    form = marco.get(f"/applications/new?call={REGEN}")
    assert "Progetti in rete suggeriti: comuni da invitare" in form.text
    assert len(re.findall(r'name="comuni" value="\d{6}" checked', form.text)) == 3
    location = _create(marco)
    assert location == "/applications/1"
    page = marco.get(location).text
    assert "Sesto San Giovanni" in page and "Legnano" in page and "Rho" in page
    assert "€ 1.200.000" in page and "Idea" in page


def test_refused_changes_write_nothing(marco: TestClient, web_sessions: sessionmaker[Session]) -> None:
    form = marco.get("/applications/new")
    bad = marco.post(
        "/applications",
        data={"csrf_token": csrf_of(form.text), "title": "X", "lead": "015182", "projects": ["NOPE"]},
    )
    assert bad.status_code == 303 and _count(web_sessions) == 0
    assert "progetto sconosciuto: NOPE" in marco.get(bad.headers["location"]).text
    no_csrf = marco.post("/applications", data={"title": "X", "lead": "015182"})
    assert no_csrf.status_code == 403 and _count(web_sessions) == 0
    location = _create(marco)
    token = csrf_of(marco.get(location).text)
    jump = marco.post(f"{location}/status", data={"csrf_token": token, "status": "funded", "on": "2026-11-20"})
    page = marco.get(jump.headers["location"]).text
    assert "una candidatura «Idea» non può diventare «Finanziata»" in page
    assert "<strong>Finanziata</strong>" not in page
    twice = marco.post(f"{location}/members", data={"csrf_token": token, "partner": "015182", "role": "x"})
    assert "il comune partecipa già" in marco.get(twice.headers["location"]).text
    added = marco.post(f"{location}/members", data={"csrf_token": token, "partner": "015146", "role": "supporto"})
    assert "Milano" in marco.get(added.headers["location"]).text


def test_funded_project_monitoring_dashboard_export_and_calendar(marco: TestClient) -> None:
    location = _create(marco)
    for status, day in (("in_preparation", "2026-11-21"), ("submitted", "2026-11-21"), ("funded", "2026-11-21")):
        token = csrf_of(marco.get(location).text)
        data = {"csrf_token": token, "status": status, "on": day, "granted": "1000000" if status == "funded" else ""}
        assert marco.post(f"{location}/status", data=data).status_code == 303
    page = marco.get(location).text
    assert "Monitoraggio" in page and "<strong>Finanziata</strong>" in page
    token = csrf_of(page)
    marco.post(
        f"{location}/monitoring",
        data={"csrf_token": token, "kind": "milestone", "title": "Avvio lavori", "due": "2027-02-01"},
    )
    marco.post(
        f"{location}/monitoring", data={"csrf_token": token, "kind": "reporting", "title": "SAL 1", "due": "2026-12-15"}
    )
    marco.post(
        f"{location}/progress",
        data={"csrf_token": token, "stage": "design", "spending": "5", "as_of": "2026-11-21", "source": "telefonata"},
    )
    page = marco.get(location).text
    assert "Avvio lavori" in page and "SAL 1" in page and "Progettazione" in page and "5%" in page

    board = marco.get("/monitoring?by=comune").text
    assert "<svg" in board and "Progetti finanziati per fase" in board
    assert "Rendicontazioni nei prossimi 60 giorni" in board and "SAL 1" in board
    assert "Tasso di successo" in board and "100%" in board
    assert "Sesto San Giovanni" in board
    assert "Per fonte di finanziamento" in marco.get("/monitoring?by=source").text

    export = marco.get("/monitoring.xlsx?by=comune")
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Riepilogo", "Rendicontazioni 60 giorni", "Senza aggiornamenti"]
    rows = list(book["Riepilogo"].iter_rows(values_only=True))
    assert rows[0][:6] == (
        "Comune",
        "Candidature",
        "Progetti finanziati",
        "Tasso di successo",
        "Importo richiesto (€)",
        "Importo concesso (€)",
    )
    assert any(r[0] == "Rho" and r[1] == 1 and r[5] == 1_000_000 for r in rows[1:])
    assert b"nota riservata" not in export.content

    summaries = [str(e["summary"]) for e in Calendar.from_ical(marco.get("/calendar.ics").content).walk("VEVENT")]
    assert "Rendicontazione: Rigenerazione in rete (SAL 1)" in summaries
    funded = marco.get("/monitoring/funded?stage=design").text
    assert "Rigenerazione in rete" in funded and "1 progetti" in funded
