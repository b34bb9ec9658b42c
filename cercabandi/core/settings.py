"""Settings: one pydantic-settings class, read at the composition roots and passed down."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"
MIN_SECRET_BYTES = 32
GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


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
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    base_url: str = "http://127.0.0.1:8000"  # where the review application is reachable, for links
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: str = ""
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

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError as exc:
                    raise ValueError(
                        f"{part.strip()!r} is not an address or network, e.g. 127.0.0.1 or 10.0.0.0/8"
                    ) from exc
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

    @property
    def public(self) -> bool:
        """Whether the application is reached from other machines (its base URL is not loopback)."""
        return not is_loopback_host(urlsplit(self.base_url).hostname or "")

    def secret_key_problem(self, *, listening_on: str | None = None) -> str | None:
        """Why the secret key must not sign sessions or e-mail links here, or None.

        Anyone who knows the key can forge a login cookie or a one-click link: a public
        service (base URL, or the address the server listens on, not loopback) needs its
        own long random key; on loopback the default is fine (demo, tests).
        """
        secret = self.secret_key.get_secret_value()
        exposed = self.public or (listening_on is not None and not is_loopback_host(listening_on))
        if not exposed:
            return None
        if secret == DEFAULT_SECRET:
            problem = "CERCABANDI_SECRET_KEY is the default value"
        elif len(secret.encode()) < MIN_SECRET_BYTES:
            problem = f"CERCABANDI_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes"
        else:
            return None
        where = f"CERCABANDI_BASE_URL ({self.base_url})" if self.public else f"the listening address ({listening_on})"
        return (
            f"{problem} and {where} is not loopback: anyone could forge sessions and links. "
            f"Generate one with: {GENERATE_SECRET}"
        )

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(part.strip(), strict=False) for part in self.trusted_proxies.split(",") if part.strip()
        ]

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


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
