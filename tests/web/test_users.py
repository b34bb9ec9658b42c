"""User accounts: argon2 hashing with production parameters, validation, the users CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from cercabandi.db.repo import users
from cercabandi.db.session import session_factory


def test_production_hasher_is_argon2id_with_recommended_cost() -> None:
    hasher = PasswordHasher()  # what users._hasher is outside the web tests
    encoded = hasher.hash("una-password-lunga")
    assert encoded.startswith("$argon2id$")
    assert hasher.verify(encoded, "una-password-lunga")
    assert hasher.time_cost >= 2 and hasher.memory_cost >= 19 * 1024


def test_create_and_authenticate(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions() as session, session.begin():
        users.create_user(session, " Anna ", "una-password-lunga", "admin", now=now, email="anna@example.org")
    with sessions() as session:
        assert users.authenticate(session, "ANNA", "una-password-lunga") is not None
        assert users.authenticate(session, "anna", "una-password-lungA") is None
        assert users.authenticate(session, "nessuno", "una-password-lunga") is None
        [anna] = users.list_users(session)
        assert anna.username == "anna" and anna.role == "admin" and anna.email == "anna@example.org"


def test_outdated_hashes_are_upgraded_at_login(sessions: sessionmaker[Session], now: datetime) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    with sessions() as session, session.begin():
        user = users.create_user(session, "vecchio", "una-password-lunga", "volunteer", now=now)
        user.password_hash = weak.hash("una-password-lunga")
    with sessions() as session, session.begin():
        assert users.authenticate(session, "vecchio", "una-password-lunga") is not None
    with sessions() as session:
        stored = users.get_user(session, "vecchio")
        assert stored is not None and not users._hasher.check_needs_rehash(stored.password_hash)


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("a", "una-password-lunga", "admin", "username"),
        ("con spazio", "una-password-lunga", "admin", "username"),
        ("mario", "corta", "admin", "at least 10"),
        ("mario", " una-password-lunga", "admin", "spaces"),
        ("mario", "una-password-lunga", "superuser", "unknown role"),
    ],
)
def test_invalid_users_are_refused_with_a_reason(
    sqlite_engine: Engine, now: datetime, username: str, password: str, role: str, message: str
) -> None:
    with session_factory(sqlite_engine)() as session, pytest.raises(users.UserError, match=message) as info:
        users.create_user(session, username, password, role, now=now)
    assert info.value.italian


def test_users_cli_add_list_passwd_deactivate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.flows.cli import app

    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(
        app, ["users", "add", "anna", "--role", "admin", "--password-stdin"], input="una-password-lunga\n"
    )
    assert added.exit_code == 0, added.output
    assert "User anna created with role admin" in added.output
    prompted = runner.invoke(app, ["users", "add", "luca"], input="altra-password-1\naltra-password-1\n")
    assert prompted.exit_code == 0, prompted.output
    duplicate = runner.invoke(app, ["users", "add", "anna", "--password-stdin"], input="una-password-lunga\n")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    short = runner.invoke(app, ["users", "add", "bob", "--password-stdin"], input="corta\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    listing = runner.invoke(app, ["users", "list"])
    assert "anna" in listing.output and "admin" in listing.output and "luca" in listing.output
    assert "volunteer" in listing.output and "bob" not in listing.output
    assert (
        runner.invoke(app, ["users", "passwd", "luca", "--password-stdin"], input="nuova-password-2\n").exit_code == 0
    )
    last_admin = runner.invoke(app, ["users", "deactivate", "anna"])
    assert last_admin.exit_code == 1 and "last active administrator" in last_admin.output
    assert runner.invoke(app, ["users", "deactivate", "luca"]).exit_code == 0
    assert runner.invoke(app, ["users", "deactivate", "nessuno"]).exit_code == 1
    unknown = runner.invoke(app, ["users", "passwd", "nessuno", "--password-stdin"], input="nuova-password-3\n")
    assert unknown.exit_code == 1 and "no user named 'nessuno'" in unknown.output


def test_web_and_users_commands_have_help() -> None:
    from cercabandi.flows.cli import app

    runner = CliRunner()
    for args in (["web", "--help"], ["users", "--help"], ["users", "add", "--help"], ["users", "list", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and len(result.output) > 100


def test_web_refuses_the_default_secret_on_a_public_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.flows.cli import app

    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["web", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "CERCABANDI_SECRET_KEY" in result.output
