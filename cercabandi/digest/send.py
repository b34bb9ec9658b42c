"""Hand a rendered digest to SMTP, or write it to the outbox folder as an ``.eml`` file.

SMTP uses implicit TLS (``smtp_ssl``) or STARTTLS (``smtp_starttls``) and logs in
when a user is configured. Errors are reported without the password: smtplib never
puts it in an exception, and we never log the settings.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from cercabandi.core.settings import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 60


class Transport(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Deliver the message; return where it went (for the run report)."""
        ...


class SendError(RuntimeError):
    """The mail server refused or could not be reached; the delivery is retried next run."""


class SmtpTransport:
    def __init__(self, settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> None:
        if not settings.smtp_host:
            raise ValueError("no SMTP server configured: set CERCABANDI_SMTP_HOST (or use --dry-run)")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.user = settings.smtp_user
        self._password = settings.smtp_password
        self.use_ssl = settings.smtp_ssl
        self.starttls = settings.smtp_starttls and not settings.smtp_ssl
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> str:
        try:
            client: smtplib.SMTP
            if self.use_ssl:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=self.ssl_context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
            with client:
                if self.starttls:
                    client.starttls(context=self.ssl_context)
                if self.user:
                    password = self._password.get_secret_value() if self._password else ""
                    client.login(self.user, password)
                refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc
        if refused:
            raise SendError(f"SMTP {self.host}:{self.port} refused recipients: {sorted(refused)}")
        log.info("digest %s sent to %s via %s:%s", message["Message-ID"], message["To"], self.host, self.port)
        return f"smtp://{self.host}:{self.port}"


class OutboxTransport:
    """Writes each message to ``<outbox>/<period>/<subscription>-<recipient>.eml`` (dry runs, no SMTP)."""

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = outbox_dir

    def path_for(self, message: EmailMessage) -> Path:
        message_id = str(message["Message-ID"]).strip("<>")
        name = re.sub(r"[^A-Za-z0-9@._-]+", "_", f"{message_id.split('@')[0]}-{message['To']}")
        return self.outbox_dir / f"{name}.eml"

    def send(self, message: EmailMessage) -> str:
        path = self.path_for(message)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(message.as_bytes())
        tmp.replace(path)
        return str(path)
