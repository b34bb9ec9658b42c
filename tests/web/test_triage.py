"""The triage queue and the actions on a call: verdicts, tags, notes, assignments, agreement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.models import Assignment, ReviewRow
from cercabandi.db.repo import triage as triage_repo
from cercabandi.web.routes_triage import parse_tags
from tests.web.conftest import csrf_of

DIGITALE = "it_padigitale:misura-1-4-1-comuni-2027"
REGEN = "lombardia_bandi:RLO12026034567"
SCHOOLS_CLOSED = "lombardia_bandi:RLO12026031111"
EUI_FORTHCOMING = "eu_urban_initiative:EUI-IA-2027"


def _review(client: TestClient, **data: str) -> None:
    token = csrf_of(client.get("/triage").text)
    response = client.post("/review", data={"csrf_token": token, **data})
    assert response.status_code == 303, response.text


def test_queue_is_sorted_by_score_then_deadline_and_skips_closed_calls(
    web_sessions: sessionmaker[Session], now: datetime
) -> None:
    with web_sessions() as session:
        queue = triage_repo.triage_queue(session, "giulia", now)
    scores = [item.score for item in queue]
    assert scores == sorted(scores, reverse=True)
    ids = [item.call_id for item in queue]
    assert ids[0] == DIGITALE  # 0.81, the best match
    assert SCHOOLS_CLOSED not in ids  # deadline passed: nothing left to decide
    assert EUI_FORTHCOMING in ids  # forthcoming calls are worth preparing for
    assert "it_dait:fondo-aree-interne-2027" not in ids  # no matched project


def test_queue_holds_only_calls_the_user_has_not_judged(web_sessions: sessionmaker[Session], now: datetime) -> None:
    with web_sessions() as session:
        luca = {i.call_id for i in triage_repo.triage_queue(session, "luca", now)}
        giulia = {i.call_id for i in triage_repo.triage_queue(session, "giulia", now)}
    assert DIGITALE in giulia and DIGITALE not in luca  # luca already judged it
    assert giulia - luca == {DIGITALE, "it_italiadomani:pinqua-2027", "eu_sedia:HORIZON-MISS-2027-CIT-02-01"}
    assert luca <= giulia


def test_triage_page_shows_facts_matches_reasons_and_shortcuts(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("giulia").get("/triage").text
    assert "1</strong> di 8 da valutare" in page
    assert "Misura 1.4.1 Esperienza del cittadino" in page
    for fact in ("Scadenza", "tra 18 giorni", "Comune", "€ 150.000.000", "da € 42.000 a € 155.000"):
        assert fact in page
    assert "Nuovo portale dei servizi online del comune" in page and "servizi digitali" in page
    for reason in ("Bando aperto", "Il proponente è tra i soggetti ammessi", "Costo del progetto compatibile"):
        assert reason in page
    assert "Scorciatoie da tastiera" in page and 'data-reason-key="1"' in page and "<kbd>p</kbd>" in page
    assert "Assegna a" not in page  # volunteers do not assign


def test_relevant_verdict_is_recorded_with_who_when_and_tags(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session], now: datetime
) -> None:
    client = as_user("giulia")
    _review(client, call_id=DIGITALE, tag="relevant", themes="Digitale, servizi online , digitale", note="Utile")
    with web_sessions() as session:
        row = session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia"))
        assert row is not None
        assert (row.call_id, row.tag, row.reason, row.via) == (DIGITALE, "relevant", None, "web")
        assert row.themes == ["digitale", "servizi online"] and row.note == "Utile"
        assert row.created_at == now and row.user_id is not None
        assert DIGITALE not in {i.call_id for i in triage_repo.triage_queue(session, "giulia", now)}
    follow = client.get("/triage")
    assert "Misura 1.4.1" in follow.text  # flash message names the call just judged
    assert "1</strong> di 7 da valutare" in follow.text


def test_reason_button_alone_means_not_relevant(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    _review(as_user("giulia"), call_id=REGEN, reason="territory")
    with web_sessions() as session:
        row = session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia"))
        assert row is not None and (row.tag, row.reason) == ("not_relevant", "territory")


def test_not_relevant_without_reason_is_refused_and_nothing_recorded(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("giulia")
    _review(client, call_id=REGEN, tag="not_relevant")
    assert "scegli un motivo" in client.get("/triage").text
    with web_sessions() as session:
        assert session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia")) is None


def test_verdict_for_one_project_and_back_to_the_call_page(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("giulia")
    token = csrf_of(client.get(f"/calls/{REGEN}").text)
    response = client.post(
        "/review",
        data={
            "csrf_token": token,
            "call_id": REGEN,
            "tag": "relevant",
            "project_id": "B41B22000510006",
            "back": "call",
        },
    )
    assert response.headers["location"] == f"/calls/{REGEN}"
    with web_sessions() as session:
        row = session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia"))
        assert row is not None and row.project_id == "B41B22000510006"


def test_unknown_call_or_project_is_reported_not_recorded(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("giulia")
    _review(client, call_id="nope:1", tag="relevant")
    assert "Bando non trovato" in client.get("/triage").text
    _review(client, call_id=REGEN, tag="relevant", project_id="NOPE")
    assert "Progetto non trovato" in client.get("/triage").text
    with web_sessions() as session:
        assert session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia")) is None


def test_double_submission_records_one_review(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("giulia")
    _review(client, call_id=REGEN, tag="relevant")
    _review(client, call_id=REGEN, tag="relevant")
    with web_sessions() as session:
        rows = session.scalars(select(ReviewRow).where(ReviewRow.reviewer == "giulia")).all()
    assert len(rows) == 1


def test_keyboard_navigation_links(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("giulia")
    first = client.get("/triage").text
    assert 'id="next" href="/triage?i=1"' in first and 'id="prev"' not in first
    second = client.get("/triage?i=1").text
    assert 'id="prev" href="/triage?i=0"' in second
    last = client.get("/triage?i=999").text  # clamped to the last item
    assert "8</strong> di 8" in last and 'id="next"' not in last


def test_empty_queue_says_so(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session], now: datetime
) -> None:
    client = as_user("giulia")
    with web_sessions() as session:
        ids = [i.call_id for i in triage_repo.triage_queue(session, "giulia", now)]
    for call_id in ids:
        _review(client, call_id=call_id, tag="relevant")
    assert "Nessun bando da valutare" in client.get("/triage").text


def test_staff_assign_a_call_to_a_project_or_a_comune(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("marco")
    page = client.get(f"/calls/{REGEN}").text
    assert "Assegna a" in page
    token = csrf_of(page)
    for target in ("project:B41B22000510006", "comune:015182"):
        response = client.post(
            "/assign", data={"csrf_token": token, "call_id": REGEN, "target": target, "note": "Da proporre"}
        )
        assert response.status_code == 303
    bad = client.post("/assign", data={"csrf_token": token, "call_id": REGEN, "target": "comune:999999"})
    assert bad.status_code == 303
    with web_sessions() as session:
        rows = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert [(r.project_id, r.istat, r.note) for r in rows] == [
        ("B41B22000510006", None, "Da proporre"),
        (None, "015182", "Da proporre"),
    ]
    detail = client.get(f"/calls/{REGEN}").text
    assert "Assegnato a progetto" in detail and "Assegnato a comune" in detail


def test_volunteer_cannot_assign(as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]) -> None:
    client = as_user("giulia")
    token = csrf_of(client.get("/triage").text)
    response = client.post("/assign", data={"csrf_token": token, "call_id": REGEN, "target": "comune:015182"})
    assert response.status_code == 403
    with web_sessions() as session:
        assert session.scalar(select(Assignment)) is None


def test_agreement_between_reviewers_is_visible_to_staff_only(as_user: Callable[[str], TestClient]) -> None:
    pinqua = "it_italiadomani:pinqua-2027"  # luca: relevant, marco: not relevant (budget)
    staff_view = as_user("marco").get(f"/calls/{pinqua}").text
    assert "accordo 50%" in staff_view and "luca" in staff_view and "Budget" in staff_view
    volunteer_view = as_user("giulia").get(f"/calls/{pinqua}").text
    assert "accordo 50%" in volunteer_view  # counts only
    assert "<td>luca" not in volunteer_view
    agreement = as_user("marco").get("/agreement").text
    assert agreement.index("PINQuA") < agreement.index("Misura 1.4.1")  # least agreement first
    assert as_user("giulia").get("/agreement").status_code == 403


def test_parse_tags() -> None:
    assert parse_tags(" Rigenerazione  urbana, giovani,,GIOVANI, 'verde' ") == [
        "rigenerazione urbana",
        "giovani",
        "verde",
    ]
    assert parse_tags("") == []
    assert len(parse_tags(",".join(f"t{i}" for i in range(30)))) == 10


def test_match_reasons_in_italian_each_said_once() -> None:
    from cercabandi.db.models import MatchRow
    from cercabandi.web.views import match_reasons

    row = MatchRow(
        explanation={
            "terms": [{"term": "rigenerazione", "weight": 0.4}, {"term": "piazza", "weight": 0.2}],
            "gates": [
                {"gate": "status", "passed": True, "reason": "forthcoming: opens on 2026-12-10"},
                {"gate": "applicant", "passed": None, "reason": "eligible applicants not stated"},
                {"gate": "territory", "passed": True, "reason": "call covers lombardia"},
                {"gate": "budget", "passed": None, "reason": "project's estimated cost not stated"},
            ],
            "unknowns": ["eligible applicants not stated", "project's estimated cost not stated"],
        }
    )
    terms, reasons = match_reasons(row)
    assert terms == [("rigenerazione", 0.4), ("piazza", 0.2)]
    assert [(r.kind, r.text) for r in reasons] == [
        ("gate_ok", "Bando in apertura"),
        ("gate_unknown", "Soggetti ammessi non indicati dal bando"),
        ("gate_ok", "Il territorio del bando comprende il comune"),
        ("gate_unknown", "Costo stimato del progetto non noto"),
    ]
    assert reasons[1].detail == "eligible applicants not stated"  # the matcher's words, on hover
