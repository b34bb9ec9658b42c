"""Fixtures of the review application: a seeded database, the app with a fixed clock, logged-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.session import make_engine, session_factory, upgrade
from cercabandi.web.app import create_app
from tests.conftest import NOW
from tests.web.seed import PASSWORD, seed

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key="test-secret-key-for-the-web-tests",  # type: ignore[arg-type]
        base_url="https://cercabandi.example.org",
    )


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """argon2 with its production cost takes ~0.7 s per login on the shared CI machine.

    The web tests log in hundreds of times, so they use argon2id with minimal cost;
    ``test_users.py`` checks the production parameters separately.
    """
    from argon2 import PasswordHasher

    from cercabandi.db.repo import users

    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        patch.setattr(users, "_hasher", cheap)
        patch.setattr(users, "_DUMMY_HASH", cheap.hash("not-a-real-password-but-constant"))
        yield


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, _fast_password_hashing: None) -> Path:
    """An upgraded and seeded SQLite file, built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("web-template") / "seeded.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        seed(session, NOW)
    engine.dispose()
    return path


@pytest.fixture
def web_engine(seeded_template: Path, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "web.sqlite3"
    shutil.copyfile(seeded_template, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.fixture
def web_sessions(web_engine: Engine) -> sessionmaker[Session]:
    return session_factory(web_engine)


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


class Clock:
    """The app's clock; a test may move it (e.g. past the login lock-out)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def app(web_settings: Settings, web_sessions: sessionmaker[Session], clock: Clock) -> FastAPI:
    # Secure cookies would not be sent back over the TestClient's http: off here, on in production.
    return create_app(web_settings, web_sessions, clock=clock, secure_cookies=False)


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
