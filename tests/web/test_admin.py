"""Users (admins), subscriptions (staff), one's own password; and who may do what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.models import Subscription, User
from cercabandi.db.repo.subscriptions import DEFAULT_MIN_SCORE
from tests.web.conftest import csrf_of, login
from tests.web.seed import PASSWORD


def _user(sessions: sessionmaker[Session], username: str) -> User | None:
    with sessions() as session:
        return session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("giulia", "/admin/users", 403),
        ("giulia", "/subscriptions", 403),
        ("giulia", "/agreement", 403),
        ("marco", "/admin/users", 403),
        ("marco", "/subscriptions", 200),
        ("marco", "/agreement", 200),
        ("anna", "/admin/users", 200),
        ("anna", "/subscriptions", 200),
    ],
)
def test_pages_by_role(as_user: Callable[[str], TestClient], username: str, path: str, status: int) -> None:
    response = as_user(username).get(path)
    assert response.status_code == status
    if status == 403:
        assert "Accesso negato" in response.text


def test_navigation_shows_only_what_the_role_may_open(as_user: Callable[[str], TestClient]) -> None:
    volunteer = as_user("giulia").get("/").text
    assert 'href="/admin/users"' not in volunteer and 'href="/subscriptions"' not in volunteer
    admin = as_user("anna").get("/").text
    assert 'href="/admin/users"' in admin and 'href="/subscriptions"' in admin


def test_volunteer_cannot_manage_users(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("giulia")
    token = csrf_of(client.get("/").text)
    created = client.post(
        "/admin/users", data={"csrf_token": token, "username": "intruso", "password": "x" * 12, "role": "admin"}
    )
    assert created.status_code == 403
    giulia_id = _user(web_sessions, "giulia").id  # type: ignore[union-attr]
    promoted = client.post(f"/admin/users/{giulia_id}", data={"csrf_token": token, "action": "role", "role": "admin"})
    assert promoted.status_code == 403
    assert _user(web_sessions, "intruso") is None
    assert _user(web_sessions, "giulia").role == "volunteer"  # type: ignore[union-attr]


def test_admin_creates_a_user_who_can_log_in(
    app, as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("anna")
    token = csrf_of(client.get("/admin/users").text)
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "Sara.Verdi",
            "password": "una-password-sicura",
            "role": "staff",
            "full_name": "Sara Verdi",
            "email": "sara@example.org",
        },
    )
    assert response.status_code == 303
    assert "Utente «sara.verdi» creato (Staff)" in client.get("/admin/users").text
    user = _user(web_sessions, "sara.verdi")
    assert user is not None and user.role == "staff" and user.password_hash.startswith("$argon2id$")
    assert "una-password-sicura" not in user.password_hash
    with TestClient(app, follow_redirects=False) as fresh:
        login(fresh, "sara.verdi", "una-password-sicura")
        assert fresh.get("/subscriptions").status_code == 200


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "giulia", "password": "una-password-sicura"}, "Esiste già un utente"),
        ({"username": "x", "password": "una-password-sicura"}, "Nome utente"),
        ({"username": "nuovo", "password": "corta"}, "almeno 10 caratteri"),
        ({"username": "nuovo", "password": "una-password-sicura", "role": "root"}, "Ruolo sconosciuto"),
    ],
)
def test_bad_new_users_are_explained(as_user: Callable[[str], TestClient], form: dict[str, str], message: str) -> None:
    client = as_user("anna")
    token = csrf_of(client.get("/admin/users").text)
    client.post("/admin/users", data={"csrf_token": token, "role": "volunteer", **form})
    assert message in client.get("/admin/users").text


def test_admin_changes_role_and_deactivates(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("anna")
    token = csrf_of(client.get("/admin/users").text)
    luca = _user(web_sessions, "luca")
    assert luca is not None
    client.post(f"/admin/users/{luca.id}", data={"csrf_token": token, "action": "role", "role": "staff"})
    assert _user(web_sessions, "luca").role == "staff"  # type: ignore[union-attr]
    client.post(f"/admin/users/{luca.id}", data={"csrf_token": token, "action": "deactivate"})
    assert _user(web_sessions, "luca").active is False  # type: ignore[union-attr]
    client.post(f"/admin/users/{luca.id}", data={"csrf_token": token, "action": "activate"})
    assert _user(web_sessions, "luca").active is True  # type: ignore[union-attr]


def test_the_last_admin_cannot_be_demoted_or_deactivated(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("anna")
    token = csrf_of(client.get("/admin/users").text)
    anna = _user(web_sessions, "anna")
    assert anna is not None
    client.post(f"/admin/users/{anna.id}", data={"csrf_token": token, "action": "role", "role": "volunteer"})
    assert "ultimo amministratore" in client.get("/admin/users").text
    client.post(f"/admin/users/{anna.id}", data={"csrf_token": token, "action": "deactivate"})
    anna = _user(web_sessions, "anna")
    assert anna is not None and anna.role == "admin" and anna.active


def test_change_own_password(app, as_user: Callable[[str], TestClient]) -> None:
    client = as_user("giulia")
    token = csrf_of(client.get("/account").text)
    client.post(
        "/account/password", data={"csrf_token": token, "current": "sbagliata", "new": "x" * 12, "confirm": "x" * 12}
    )
    assert "password attuale non è corretta" in client.get("/account").text
    client.post(
        "/account/password", data={"csrf_token": token, "current": PASSWORD, "new": "x" * 12, "confirm": "y" * 12}
    )
    assert "non coincidono" in client.get("/account").text
    client.post(
        "/account/password",
        data={"csrf_token": token, "current": PASSWORD, "new": "nuova-password-1", "confirm": "nuova-password-1"},
    )
    assert "Password cambiata" in client.get("/account").text
    with TestClient(app, follow_redirects=False) as fresh:
        login(fresh, "giulia", "nuova-password-1")


def test_staff_manage_subscriptions(as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]) -> None:
    client = as_user("marco")
    token = csrf_of(client.get("/subscriptions").text)
    response = client.post(
        "/subscriptions",
        data={
            "csrf_token": token,
            "email": "referente@comune.rho.mi.it",
            "name": "Referente Rho",
            "frequency": "daily",
            "comuni": ["015182", "015118"],
            "themes": "Rigenerazione urbana, giovani",
            "projects": "J84E21000330001",
            "item_cap": "15",
            "min_score": "0.3",
        },
    )
    assert response.status_code == 303
    with web_sessions() as session:
        sub = session.scalar(select(Subscription))
        assert sub is not None
        assert (sub.email, sub.frequency, sub.comuni, sub.projects, sub.item_cap, sub.min_score, sub.active) == (
            "referente@comune.rho.mi.it",
            "daily",
            ["015118", "015182"],
            ["J84E21000330001"],
            15,
            0.3,
            True,
        )
        assert sorted(sub.themes) == ["urban_regeneration", "youth"]  # the catalogue's slugs, so projects are found
    page = client.get("/subscriptions").text
    assert "referente@comune.rho.mi.it" in page and "Rho" in page and "Legnano" in page and "0.30" in page
    assert "Temi: Rigenerazione urbana, Giovani" in page and "urban_regeneration" not in page
    client.post(f"/subscriptions/{sub.id}", data={"csrf_token": token, "action": "deactivate"})
    with web_sessions() as session:
        stored = session.get(Subscription, sub.id)
        assert stored is not None and not stored.active
    assert "sospesa" in client.get("/subscriptions").text
    client.post(f"/subscriptions/{sub.id}", data={"csrf_token": token, "action": "activate"})
    with web_sessions() as session:
        stored = session.get(Subscription, sub.id)
        assert stored is not None and stored.active


def test_bad_subscriptions_are_explained_and_not_stored(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("marco")
    token = csrf_of(client.get("/subscriptions").text)
    client.post(
        "/subscriptions",
        data={
            "csrf_token": token,
            "email": "non-una-mail",
            "comuni": ["999999"],
            "projects": "NOPE",
            "item_cap": "0",
            "min_score": "2",
        },
    )
    page = client.get("/subscriptions").text
    for message in ("non valido", "Comuni sconosciuti", "Progetti sconosciuti", "tra 1 e 200", "tra 0 e 1"):
        assert message in page
    with web_sessions() as session:
        assert session.scalar(select(Subscription)) is None


def test_an_unknown_theme_is_refused_with_the_valid_ones(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    client = as_user("marco")
    token = csrf_of(client.get("/subscriptions").text)
    form = {"csrf_token": token, "email": "a@comune.rho.mi.it", "themes": "rigenerazione urbanistica"}
    client.post("/subscriptions", data=form)
    page = client.get("/subscriptions").text
    assert "Temi sconosciuti: rigenerazione urbanistica. Temi validi: Rigenerazione urbana, Abitare sociale" in page
    with web_sessions() as session:
        assert session.scalar(select(Subscription)) is None


def test_the_form_offers_the_same_default_minimum_score_as_the_cli(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("marco").get("/subscriptions").text
    assert f'name="min_score" type="number" min="0" max="1" step="0.05" value="{DEFAULT_MIN_SCORE}"' in page
    assert DEFAULT_MIN_SCORE == 0.1
    assert '<option value="Rigenerazione urbana">' in page  # themes offered by their Italian labels


def test_volunteer_cannot_manage_subscriptions(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("giulia")
    token = csrf_of(client.get("/").text)
    assert client.post("/subscriptions", data={"csrf_token": token, "email": "a@b.it"}).status_code == 403


def test_recipient_unsubscribe_is_shown_apart_from_a_pause(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session], now
) -> None:
    from cercabandi.db.repo.subscriptions import create_subscription, unsubscribe

    with web_sessions() as session, session.begin():
        sub = create_subscription(session, email="ufficio@comune.legnano.mi.it", now=now, comuni=["015118"])
        unsubscribe(session, sub.id, now=now)
    assert "disiscritta il 21/11/2026" in as_user("marco").get("/subscriptions").text
