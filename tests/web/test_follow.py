"""Following a call from its page: the button, the "Bandi seguiti" list on the profile, CSRF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.models import CallFollow, User
from cercabandi.db.repo.subscriptions import create_subscription
from cercabandi.db.session import transaction
from tests.web.conftest import csrf_of


def _follows(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    with sessions() as session:
        return [(f.user_id, f.call_id) for f in session.scalars(select(CallFollow).order_by(CallFollow.id))]


def test_follow_and_unfollow_a_call_from_its_page_and_the_profile(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session], ids: dict[str, Any]
) -> None:
    client = as_user("giulia")
    call_id = ids["calls"][0]
    page_url = f"/calls/{quote(call_id, safe=':')}"
    page = client.get(page_url).text
    assert 'value="follow"' in page and "Segui le modifiche" in page
    assert "Non segui nessun bando" in client.get("/account").text
    token = csrf_of(page)

    response = client.post("/follow", data={"csrf_token": token, "call_id": call_id, "action": "follow"})
    assert response.status_code == 303 and response.headers["location"].endswith(page_url)
    client.post("/follow", data={"csrf_token": token, "call_id": call_id, "action": "follow"})  # twice: one row
    assert _follows(web_sessions) == [(ids["users"]["giulia"], call_id)]
    assert 'value="unfollow"' in client.get(page_url).text
    profile = client.get("/account").text
    assert "Bandi seguiti" in profile and f'href="{page_url.replace(":", "%3A")}"' in profile

    client.post("/follow", data={"csrf_token": token, "call_id": call_id, "action": "unfollow"})
    assert _follows(web_sessions) == []
    assert "Non segui nessun bando" in client.get("/account").text


def test_follow_needs_the_csrf_token_an_existing_call_and_a_login(
    as_user: Callable[[str], TestClient], client: TestClient, web_sessions: sessionmaker[Session], ids: dict[str, Any]
) -> None:
    call_id = ids["calls"][0]
    person = as_user("giulia")
    assert person.post("/follow", data={"csrf_token": "forged", "call_id": call_id}).status_code == 403
    token = csrf_of(person.get("/account").text)
    person.post("/follow", data={"csrf_token": token, "call_id": "nessuno:BANDO"})
    assert "Bando non trovato" in person.get("/calls").text
    anonymous = client.post("/follow", data={"call_id": call_id})
    assert anonymous.status_code in (303, 403)
    assert _follows(web_sessions) == []


def test_profile_says_where_the_changes_of_followed_calls_go(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session], ids: dict[str, Any], now: datetime
) -> None:
    client = as_user("marco")
    token = csrf_of(client.get("/account").text)
    client.post("/follow", data={"csrf_token": token, "call_id": ids["calls"][1]})
    assert "non ha un indirizzo e-mail" in client.get("/account").text
    with transaction(web_sessions) as session:
        marco = session.get(User, ids["users"]["marco"])
        assert marco is not None
        marco.email = "marco.brambilla@cittametropolitana.mi.it"
    assert "Nessun riepilogo e-mail è attivo per marco.brambilla@" in client.get("/account").text
    with transaction(web_sessions) as session:
        create_subscription(session, email="Marco.Brambilla@cittametropolitana.mi.it", now=now)
    profile = client.get("/account").text
    assert "arrivano nel riepilogo e-mail inviato a marco.brambilla@cittametropolitana.mi.it" in profile
