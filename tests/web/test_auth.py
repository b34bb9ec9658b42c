"""Login, logout, sessions, CSRF and the failed-login throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.models import User
from cercabandi.web import routes_admin, routes_auth, routes_browse, routes_dashboard, routes_export, routes_triage
from cercabandi.web.app import SESSION_COOKIE, create_app
from cercabandi.web.security import csrf_protect
from tests.web.conftest import Clock, csrf_of, login
from tests.web.seed import PASSWORD

PAGES = [
    "/",
    "/triage",
    "/calls",
    "/calls/lombardia_bandi:RLO12026034567",
    "/projects",
    "/projects/B41B22000510006",
    "/comuni",
    "/comuni/015209",
    "/agreement",
    "/subscriptions",
    "/admin/users",
    "/account",
    "/calls.csv",
    "/calls.xlsx",
    "/calendar.ics",
    "/calendar/lombardia_bandi:RLO12026034567.ics",
    "/calls.atom",
]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_sees_only_the_login_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert "Bando" not in response.text


ROUTERS = [m.router for m in (routes_admin, routes_auth, routes_browse, routes_dashboard, routes_export, routes_triage)]


def test_every_get_route_is_covered_by_the_anonymous_test() -> None:
    paths = {r.path for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) and "GET" in r.methods}
    templated = {p for p in paths if "{" in p}
    assert paths - {"/login"} - templated <= set(PAGES)
    assert len(templated) == 4  # call, project, comune detail, a call's .ics: in PAGES with real ids


def test_every_form_route_checks_the_csrf_token() -> None:
    for router in ROUTERS:
        writes = [
            r for r in router.routes if isinstance(r, APIRoute) and r.methods & {"POST", "PUT", "PATCH", "DELETE"}
        ]
        router_level = [d.dependency for d in router.dependencies]
        for route in writes:
            route_level = [d.call for d in route.dependant.dependencies]
            assert csrf_protect in router_level + route_level, f"{route.path} does not check the CSRF token"


def test_login_page_is_italian_and_has_a_csrf_token(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "Accedi" in page.text and 'lang="it"' in page.text
    assert csrf_of(page.text)


def test_login_then_logout(client: TestClient) -> None:
    login(client, "giulia")
    home = client.get("/")
    assert home.status_code == 200 and "Cruscotto" in home.text and "Giulia Ferrari" in home.text
    response = client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 303


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: TestClient) -> None:
    page = client.get("/login")
    for username in ("giulia", "nobody"):
        response = client.post(
            "/login", data={"username": username, "password": "sbagliata-123", "csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 401
        assert "Nome utente o password non corretti" in response.text
    assert client.get("/").status_code == 303


def test_login_form_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "giulia", "password": PASSWORD})
    assert response.status_code == 403
    assert "token di sicurezza" in response.text


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_action_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient, token: str | None) -> None:
    login(client, "giulia")
    data = {"call_id": "it_padigitale:misura-1-4-1-comuni-2027", "tag": "relevant"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/review", data=data)
    assert response.status_code == 403
    assert "Modulo non valido" in response.text
    assert "Pertinente" not in client.get("/calls?verdict=relevant").text.split("<tbody>")[1][:10]


def test_csrf_token_of_another_session_is_refused(app: FastAPI, client: TestClient) -> None:
    login(client, "giulia")
    with TestClient(app, follow_redirects=False) as other:
        login(other, "luca")
        foreign = csrf_of(other.get("/triage").text)
    response = client.post(
        "/review", data={"call_id": "it_padigitale:misura-1-4-1-comuni-2027", "tag": "relevant", "csrf_token": foreign}
    )
    assert response.status_code == 403


def test_session_cookie_is_httponly_samesite_and_secure_over_https(
    web_settings: Settings, web_sessions: sessionmaker[Session], clock: Clock
) -> None:
    app = create_app(web_settings, web_sessions, clock=clock)  # base_url is https: Secure by default
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as https_client:
        response = https_client.get("/login")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" in cookie.lower()


def test_session_cookie_not_secure_for_local_http(
    web_settings: Settings, web_sessions: sessionmaker[Session], clock: Clock
) -> None:
    settings = web_settings.model_copy(update={"base_url": "http://127.0.0.1:8000"})
    with TestClient(create_app(settings, web_sessions, clock=clock)) as local:
        cookie = local.get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" not in cookie


def test_a_tampered_session_cookie_is_ignored(client: TestClient) -> None:
    login(client, "giulia")
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    client.cookies.set(SESSION_COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/").status_code == 303


def test_deactivated_user_is_logged_out_at_once(client: TestClient, web_sessions: sessionmaker[Session]) -> None:
    login(client, "giulia")
    assert client.get("/").status_code == 200
    with web_sessions() as session, session.begin():
        user = session.scalar(select(User).where(User.username == "giulia"))
        assert user is not None
        user.active = False
    assert client.get("/").status_code == 303
    page = client.get("/login")
    refused = client.post("/login", data={"username": "giulia", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 401


def test_repeated_failures_slow_this_address_for_that_account(client: TestClient, clock: Clock) -> None:
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        response = client.post("/login", data={"username": "giulia", "password": "no-no-no-no", "csrf_token": token})
        assert response.status_code == 401
    locked = client.post("/login", data={"username": "giulia", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429
    assert "Troppi tentativi falliti" in locked.text and "1 minuto" in locked.text
    clock.now += timedelta(minutes=16)
    unlocked = client.post("/login", data={"username": "giulia", "password": PASSWORD, "csrf_token": token})
    assert unlocked.status_code == 303


def test_login_redirects_back_but_never_to_another_site(client: TestClient) -> None:
    assert client.get("/calls?level=eu").headers["location"] == "/login?next=/calls%3Flevel%3Deu"
    token = csrf_of(client.get("/login").text)
    ok = client.post(
        "/login", data={"username": "giulia", "password": PASSWORD, "next": "/calls?level=eu", "csrf_token": token}
    )
    assert ok.headers["location"] == "/calls?level=eu"
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    token = csrf_of(client.get("/login").text)
    evil = client.post(
        "/login", data={"username": "giulia", "password": PASSWORD, "next": "//evil.example/x", "csrf_token": token}
    )
    assert evil.headers["location"] == "/"


def test_pages_forbid_framing_and_inline_scripts(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_many_failures_from_one_address_lock_it_for_every_username(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    for i in range(30):
        response = client.post("/login", data={"username": f"utente{i}", "password": "x" * 12, "csrf_token": token})
        assert response.status_code == 401
    locked = client.post("/login", data={"username": "giulia", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429
