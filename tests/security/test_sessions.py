"""Issue #12, authentication and sessions: forged keys, sessions that outlive logout, throttling, headers.

Each test drives the real application (TestClient) on SQLite and PostgreSQL where the database is involved.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from cercabandi.core.settings import Settings
from cercabandi.db.models import LoginFailure
from cercabandi.web.app import SESSION_COOKIE, InsecureSettings, create_app
from tests.security.conftest import Served
from tests.web.conftest import csrf_of, login
from tests.web.seed import PASSWORD

NEW_PASSWORD = "una-password-nuova-e-lunga"


def _attempt(client: TestClient, username: str, password: str, **headers: str) -> int:
    token = csrf_of(client.get("/login").text)
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=data, headers=headers).status_code


# ------------------------------------------------------------------ secret key


@pytest.mark.parametrize("key", [None, "short-but-not-default"])
def test_the_app_refuses_a_weak_key_behind_a_public_address(tmp_path: Path, web_sessions, key: str | None) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, base_url="https://bandi.example.it")  # type: ignore[call-arg]
    if key:
        settings = settings.model_copy(update={"secret_key": settings.secret_key.__class__(key)})
    with pytest.raises(InsecureSettings, match=r"secrets\.token_urlsafe"):
        create_app(settings, web_sessions)


def test_loopback_keeps_the_default_key_for_the_demo_and_the_tests(tmp_path: Path, web_sessions) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    with TestClient(create_app(settings, web_sessions)) as client:
        assert client.get("/login").status_code == 200


def test_web_command_refuses_the_readme_proxy_setup_without_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cercabandi.flows.cli import app

    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CERCABANDI_BASE_URL", "https://bandi.example.it/cercabandi")
    monkeypatch.delenv("CERCABANDI_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["web", "--host", "127.0.0.1", "--root-path", "/cercabandi"])
    assert result.exit_code == 2
    assert "CERCABANDI_SECRET_KEY" in result.output and "secrets.token_urlsafe(48)" in result.output
    monkeypatch.setenv("CERCABANDI_SECRET_KEY", "x" * 20)
    result = CliRunner().invoke(app, ["web"])
    assert result.exit_code == 2 and "shorter than 32 bytes" in result.output


def test_digest_refuses_to_send_links_signed_with_the_default_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cercabandi.flows.cli import app

    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CERCABANDI_BASE_URL", "https://bandi.example.it")
    monkeypatch.setenv("CERCABANDI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CERCABANDI_SMTP_PORT", "9")  # nothing must be attempted
    monkeypatch.delenv("CERCABANDI_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["digest"])
    assert result.exit_code == 2
    assert "refusing to send digests" in result.output and "secrets.token_urlsafe(48)" in result.output


# -------------------------------------------------------------------- sessions


def test_a_cookie_saved_before_logout_no_longer_works(served: Served) -> None:
    with served.client() as client:
        login(client, "giulia")
        saved = client.cookies[SESSION_COOKIE]
        assert client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)}).status_code == 303
    with served.client() as thief:
        thief.cookies.set(SESSION_COOKIE, saved)
        response = thief.get("/calls")
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        assert "Giulia" not in thief.get("/no-such-page").text  # not even the menu of a not-found page


def test_a_password_change_ends_the_other_sessions(served: Served) -> None:
    with served.client() as laptop, served.client() as phone:
        login(laptop, "giulia")
        login(phone, "giulia")
        token = csrf_of(laptop.get("/account").text)
        form = {"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        laptop.post("/account/password", data=form)
        assert "Password cambiata" in laptop.get("/account").text  # the session that changed it carries on
        assert phone.get("/calls").status_code == 303


def _calendar_token(client: TestClient) -> str:
    match = re.search(r"calendar\.ics\?token=([^\"&]+)", client.get("/account").text)
    assert match
    return match.group(1)


def test_the_calendar_address_changes_with_the_password_and_expires(served: Served) -> None:
    with served.client() as giulia, served.client() as calendar_app:
        login(giulia, "giulia")
        old = _calendar_token(giulia)
        assert calendar_app.get(f"/calendar.ics?token={old}").status_code == 200
        form = {"csrf_token": csrf_of(giulia.get("/account").text), "current": PASSWORD}
        giulia.post("/account/password", data=form | {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert calendar_app.get(f"/calendar.ics?token={old}").status_code == 303
        new = _calendar_token(giulia)
        assert calendar_app.get(f"/calendar.ics?token={new}").status_code == 200
        served.clock.now += timedelta(days=366)
        assert calendar_app.get(f"/calendar.ics?token={new}").status_code == 303


# -------------------------------------------------------------------- throttle


def test_an_attacker_cannot_lock_the_owner_out(served: Served) -> None:
    with served.app_client(("198.51.100.66", 40000)) as attacker, served.app_client(("203.0.113.5", 1)) as owner:
        codes = [_attempt(attacker, "giulia", f"tentativo-{i}") for i in range(8)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
        assert _attempt(attacker, "giulia", PASSWORD) == 429  # the attacker's own guesses are slowed
        assert _attempt(owner, "giulia", PASSWORD) == 303  # the owner, elsewhere, is not


def test_the_delay_grows_and_then_lets_the_right_password_in(served: Served) -> None:
    with served.app_client(("198.51.100.66", 40000)) as client:
        for i in range(5):
            assert _attempt(client, "giulia", f"tentativo-{i}") == 401
        assert _attempt(client, "giulia", PASSWORD) == 429
        served.clock.now += timedelta(seconds=31)
        assert _attempt(client, "giulia", "ancora-sbagliata") == 401
        served.clock.now += timedelta(seconds=31)
        assert _attempt(client, "giulia", PASSWORD) == 429  # the sixth failure doubled the delay to a minute
        served.clock.now += timedelta(seconds=30)
        assert _attempt(client, "giulia", PASSWORD) == 303


def test_throttle_state_is_shared_by_workers(served: Served) -> None:
    second_worker = create_app(served.settings, served.sessions, clock=served.clock, secure_cookies=False)
    with served.client() as one, TestClient(second_worker, follow_redirects=False) as two:
        for i in range(30):
            worker = one if i % 2 else two
            assert _attempt(worker, f"utente{i}", "sbagliata-123") == 401
        assert _attempt(one, "giulia", PASSWORD) == 429
        assert _attempt(two, "luca", PASSWORD) == 429
    with served.sessions() as session:
        assert len(session.scalars(select(LoginFailure)).all()) == 30


def test_forwarded_for_is_ignored_from_untrusted_peers(served: Served) -> None:
    with served.app_client(("198.51.100.66", 40000)) as client:
        codes = [
            _attempt(client, f"utente{i}", "sbagliata-123", **{"X-Forwarded-For": f"10.0.{i}.1"}) for i in range(31)
        ]
    assert codes.count(429) >= 1


def test_only_the_hop_the_trusted_proxy_saw_counts(served: Served) -> None:
    settings = served.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    app = create_app(settings, served.sessions, clock=served.clock, secure_cookies=False)
    with TestClient(app, follow_redirects=False, client=("127.0.0.1", 5000)) as via_proxy:
        # nginx's $proxy_add_x_forwarded_for appends the real peer after what the client wrote.
        codes = [
            _attempt(via_proxy, f"u{i}", "sbagliata-123", **{"X-Forwarded-For": f"10.9.{i}.1, 198.51.100.66"})
            for i in range(31)
        ]
        assert codes[-1] == 429
        assert _attempt(via_proxy, "giulia", PASSWORD, **{"X-Forwarded-For": "203.0.113.5"}) == 303
    with served.sessions() as session:
        assert set(session.scalars(select(LoginFailure.address))) == {"198.51.100.66"}


def test_wrong_current_passwords_are_throttled(served: Served) -> None:
    with served.client() as client:
        login(client, "giulia")
        token = csrf_of(client.get("/account").text)
        for i in range(5):
            form = {"csrf_token": token, "current": f"sbagliata-{i}", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
            client.post("/account/password", data=form)
            assert "password attuale non è corretta" in client.get("/account").text
        form = {"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        client.post("/account/password", data=form)
        assert "Troppi tentativi falliti" in client.get("/account").text
    with served.app_client(("203.0.113.5", 1)) as elsewhere:
        assert _attempt(elsewhere, "giulia", NEW_PASSWORD) == 401  # the password did not change


# --------------------------------------------------------------------- headers


def test_headers_on_pages_and_errors(served: Served) -> None:
    with served.client() as client:
        login_page = client.get("/login")
        assert login_page.headers["x-frame-options"] == "DENY"
        login(client, "giulia")
        page = client.get("/calls")
        assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
        missing = client.get("/no-such-page")
        assert missing.status_code == 404 and "frame-ancestors 'none'" in missing.headers["content-security-policy"]
        with served.sessions() as session, session.begin():
            session.execute(text("DROP TABLE reviews CASCADE" if _is_pg(session) else "DROP TABLE reviews"))
        broken = client.get("/calls")
        assert broken.status_code == 500 and "Errore interno" in broken.text
        assert "frame-ancestors 'none'" in broken.headers["content-security-policy"]
        assert broken.headers["x-frame-options"] == "DENY" and "Traceback" not in broken.text


def _is_pg(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
