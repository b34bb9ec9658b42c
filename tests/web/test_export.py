"""Exports: CSV and XLSX of the filtered list, the ICS feed of relevant calls' deadlines."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.models import Call, User
from cercabandi.web.routes_export import COLUMNS, ics_token


@pytest.fixture
def giulia(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("giulia")


def _csv(client: TestClient, query: str = "", *, separator: str = ";") -> list[dict[str, str]]:
    response = client.get(f"/calls.csv?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    # UTF-8 with a BOM and ';' between cells: what Italian Excel opens in columns with accents intact
    assert response.content.startswith(b"\xef\xbb\xbf" + b"id" + separator.encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=separator))


def test_csv_holds_the_filtered_list_with_italian_facts(giulia: TestClient) -> None:
    rows = _csv(giulia, "level=national&status=open")
    assert [r["id"] for r in rows] == [
        "it_padigitale:misura-1-4-1-comuni-2027",
        "it_incentivi:inclusione-sociale-periferie-2026",
        "it_dait:fondo-aree-interne-2027",
        "it_italiadomani:pinqua-2027",
        "it_coesione:fsc-sport-periferie-2027",
    ]
    first = rows[0]
    assert list(first) == list(COLUMNS)
    assert first["livello"] == "Nazionale" and first["stato"] == "Aperto"
    assert first["scadenza"] == "2026-12-09 12:00" and first["giorni_alla_scadenza"] == "18"
    assert first["soggetti_ammessi"] == "Comune" and first["dotazione_eur"] == "150000000.0"
    assert first["pertinente"] == "2" and first["tag"] == "digitale" and first["punteggio"] == "0.81"
    assert first["pagina_revisione"] == "https://cercabandi.example.org/calls/it_padigitale:misura-1-4-1-comuni-2027"
    assert len(_csv(giulia)) == 9  # what the list shows by default: open and forthcoming calls
    assert len(_csv(giulia, "status=all")) == 10


def test_csv_separator_for_other_tools(giulia: TestClient) -> None:
    assert _csv(giulia, "level=eu&sep=,", separator=",") == _csv(giulia, "level=eu")
    assert _csv(giulia, "level=eu&sep=tab", separator="\t") == _csv(giulia, "level=eu")
    refused = giulia.get("/calls.csv?sep=x")
    assert refused.status_code == 400 and "Separatore non valido" in refused.text


def test_xlsx_matches_the_csv(giulia: TestClient) -> None:
    response = giulia.get("/calls.xlsx?level=eu")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert [r[0] for r in rows[1:]] == [r["id"] for r in _csv(giulia, "level=eu")]
    assert rows[1][3] == "Europeo"


def test_spreadsheet_formulas_in_publisher_text_are_neutralised(
    giulia: TestClient, web_sessions: sessionmaker[Session]
) -> None:
    with web_sessions() as session, session.begin():
        call = session.get(Call, "it_dait:fondo-aree-interne-2027")
        assert call is not None
        call.title = '=HYPERLINK("https://evil.example","clic")'
        call.issuer = "@SUM(1+1)"
    row = next(r for r in _csv(giulia) if r["id"] == "it_dait:fondo-aree-interne-2027")
    assert row["titolo"].startswith("'=") and row["ente"].startswith("'@")
    sheet = load_workbook(io.BytesIO(giulia.get("/calls.xlsx").content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'") for c in cells)


def _events(ics: bytes) -> list:
    return [c for c in Calendar.from_ical(ics).walk("VEVENT")]


def test_ics_feed_holds_deadlines_of_relevant_calls(giulia: TestClient) -> None:
    response = giulia.get("/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"] == "text/calendar; charset=utf-8"
    events = _events(response.content)
    summaries = sorted(str(e["summary"]) for e in events)
    assert summaries == [
        "Scadenza: Misura 1.4.1 Esperienza del cittadino nei servizi pubblici - Comuni",
        "Scadenza: Programma innovativo nazionale per la qualità dell'abitare (PINQuA) - nuova finestra",
    ]
    misura = next(e for e in events if "Misura" in str(e["summary"]))
    assert misura.decoded("dtstart") == datetime(2026, 12, 9, 11, 0, tzinfo=UTC)
    assert "Scheda: https://cercabandi.example.org/calls/it_padigitale:misura-1-4-1-comuni-2027" in str(
        misura["description"]
    )


def test_ics_follows_new_verdicts(giulia: TestClient) -> None:
    from tests.web.conftest import csrf_of

    token = csrf_of(giulia.get("/triage").text)
    giulia.post(
        "/review", data={"csrf_token": token, "call_id": "eu_sedia:HORIZON-MISS-2027-CIT-02-01", "tag": "relevant"}
    )
    summaries = [str(e["summary"]) for e in _events(giulia.get("/calendar.ics").content)]
    assert sum("Climate-neutral" in s for s in summaries) == 2  # two stages, two events


def test_ics_with_token_for_calendar_clients(
    client: TestClient, web_sessions: sessionmaker[Session], web_settings, now
) -> None:
    secret = web_settings.secret_key.get_secret_value()
    with web_sessions() as session:
        user = session.scalar(select(User).where(User.username == "luca"))
        assert user is not None
        token = ics_token(secret, user, now)
    assert len(_events(client.get(f"/calendar.ics?token={token}").content)) == 2
    assert client.get("/calendar.ics?token=forged").status_code == 303
    assert client.get(f"/calendar.ics?token={token[:-2]}xx").status_code == 303
    with web_sessions() as session, session.begin():
        user = session.scalar(select(User).where(User.username == "luca"))
        assert user is not None
        user.active = False
    assert client.get(f"/calendar.ics?token={token}").status_code == 303


def test_account_page_shows_the_personal_calendar_address(giulia: TestClient) -> None:
    page = giulia.get("/account").text
    assert "https://cercabandi.example.org/calendar.ics?token=" in page
