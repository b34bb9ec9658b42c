"""The review application on SQLite and on PostgreSQL, seeded, for the hardening tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.session import make_engine, session_factory, upgrade
from cercabandi.web.app import create_app
from tests.conftest import NOW, _fresh_postgres_database
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    Clock,
    _fast_password_hashing,
    app,
    as_user,
    client,
    clock,
    ids,
    seeded_template,
    web_engine,
    web_sessions,
    web_settings,
)
from tests.web.seed import seed


@dataclass
class Served:
    app: FastAPI
    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def app_client(self, address: tuple[str, int]) -> TestClient:
        """A client connecting from this address (as the server sees the peer)."""
        return TestClient(self.app, follow_redirects=False, client=address)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path, web_settings: Settings) -> Iterator[Served]:  # noqa: F811
    """The seeded application on each database (PostgreSQL: a fresh database per test)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    else:
        url = _fresh_postgres_database(request.getfixturevalue("postgres_server"))
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        seed(session, NOW)
    fixed = Clock(NOW)
    served_app = create_app(web_settings, sessions, clock=fixed, secure_cookies=False)
    yield Served(served_app, sessions, fixed, web_settings)
    engine.dispose()
