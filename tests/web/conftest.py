"""Fixtures of the review application: a seeded database, the app with a fixed clock, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.session import session_factory
from cercabandi.web.app import create_app
from tests.web.seed import PASSWORD, seed

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def web_settings(tmp_path: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key="test-secret-key-for-the-web-tests",  # type: ignore[arg-type]
        base_url="https://cercabandi.example.org",
    )


@pytest.fixture
def web_sessions(sqlite_engine: Engine, now: datetime) -> sessionmaker[Session]:
    factory = session_factory(sqlite_engine)
    with factory() as session, session.begin():
        seed(session, now)
    return factory


@pytest.fixture
def ids(web_sessions: sessionmaker[Session], now: datetime) -> dict[str, Any]:
    from sqlalchemy import select

    from cercabandi.db.models import Call, Project, User

    with web_sessions() as session:
        return {
            "calls": list(session.scalars(select(Call.id).order_by(Call.first_seen))),
            "projects": list(session.scalars(select(Project.id))),
            "users": {u.username: u.id for u in session.scalars(select(User))},
            "evil_call": "lombardia_bandi:RLO12026034567",
        }


@pytest.fixture
def app(web_settings: Settings, web_sessions: sessionmaker[Session], now: datetime) -> FastAPI:
    # Secure cookies would not be sent back over the TestClient's http: off here, on in production.
    return create_app(web_settings, web_sessions, clock=lambda: now, secure_cookies=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def as_user(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        test_client = TestClient(app, follow_redirects=False)
        test_client.__enter__()
        clients.append(test_client)
        return login(test_client, username)

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)
