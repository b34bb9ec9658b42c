"""Settings come from CERCABANDI_* variables; secrets are never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cercabandi.core.settings import Settings


def test_defaults_to_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'cercabandi.sqlite3'}"
    assert settings.prefect_environment()["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert settings.timezone == "Europe/Rome"


def test_secrets_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCABANDI_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("CERCABANDI_SECRET_KEY", "s3cret-key")
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", "postgresql+psycopg://bandi:pw123@db.local/bandi")
    settings = Settings(_env_file=None)
    shown = str(settings.redacted()) + repr(settings) + str(settings)
    for secret in ("hunter2", "s3cret-key", "pw123"):
        assert secret not in shown
    assert settings.smtp_password is not None and settings.smtp_password.get_secret_value() == "hunter2"


def test_unknown_timezone_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCABANDI_TIMEZONE", "Europe/Milano")
    with pytest.raises(ValidationError) as exc:
        Settings(_env_file=None)
    assert "IANA name" in str(exc.value)
