"""Settings: one pydantic-settings class, read at the composition roots and passed down."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration from ``CERCABANDI_*`` environment variables or a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="CERCABANDI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Path("data")
    database_url: SecretStr | None = None  # default: SQLite in data_dir; may hold a password
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    mail_from: str = "cercabandi <cercabandi@localhost>"
    contact_email: str = "welfare-rigenerazione@cittametropolitana.mi.it"
    timezone: str = "Europe/Rome"
    secret_key: SecretStr = SecretStr("change-me-in-production")
    base_url: str = "http://127.0.0.1:8000"  # where the review application is reachable, for links
    nightly_cron: str = "0 2 * * *"
    crawl_jobs: int = Field(3, ge=1)  # spider processes running at once (each source is a different host)
    prefect_api_url: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or ValueError for malformed keys
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as 'Europe/Rome'") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url and self.database_url.get_secret_value():
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'cercabandi.sqlite3').resolve()}"

    @property
    def prefect_home(self) -> Path:
        return (self.data_dir / "prefect").resolve()

    @property
    def raw_dir(self) -> Path:
        return (self.data_dir / "raw").resolve()

    @property
    def outbox_dir(self) -> Path:
        return (self.data_dir / "outbox").resolve()

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def prefect_environment(self) -> dict[str, str]:
        """Environment for Prefect: its state lives under the data directory, no telemetry."""
        env = {
            "PREFECT_HOME": str(self.prefect_home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
        }
        if self.prefect_api_url:
            env["PREFECT_API_URL"] = self.prefect_api_url
        return env

    def redacted(self) -> dict[str, str]:
        """Settings for display, secrets masked."""
        shown: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if name == "database_url":
                shown[name] = redact_url(self.resolved_database_url)
            elif isinstance(value, SecretStr):
                shown[name] = "********" if value.get_secret_value() else ""
            else:
                shown[name] = "" if value is None else str(value)
        return shown


def redact_url(url: str) -> str:
    """A database URL with its password masked, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"
