"""Helpers of the digest tests: the loopback SMTP mailbox and writers of realistic database rows."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import FundingCall
from cercabandi.db.models import (
    Call,
    CallVersion,
    MatchRow,
    Project,
    ProjectComune,
)

MILANO, RHO, SESTO = "015146", "015182", "015209"


# --------------------------------------------------------------------- SMTP


# aiosmtpd gives its server thread 5 s to start by default: a busy 2-core machine can take longer.
READY_TIMEOUT = 120.0


@dataclass
class Mailbox:
    """What the loopback SMTP server received; ``refuse`` makes it answer 451 to the next N messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: int = 0
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 mailbox temporarily unavailable"
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Authenticator:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    def __call__(self, server: SMTP, session: SmtpSession, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == b"digest" and data.password == b"s3cret-pw"
        if ok:
            self.mailbox.logins.append(data.login.decode())
        return AuthResult(success=ok)


# ----------------------------------------------------------------- database


def rome_noon(when: datetime) -> datetime:
    return when.replace(hour=11, minute=0, second=0, microsecond=0)


def funding_call(
    call_id: str, title: str, *, level: str, issuer: str, deadline: datetime | None, **extra: Any
) -> dict[str, Any]:
    source, native = call_id.split(":", 1)
    data: dict[str, Any] = {
        "id": call_id,
        "source": source,
        "native_id": native,
        "title": title,
        "level": level,
        "issuer": issuer,
        "url": f"https://example.org/{source}/{native}",
        "deadlines": [] if deadline is None else [{"at": deadline.isoformat().replace("+00:00", "Z"), "label": None}],
        "applicant_types": ["comune"],
        "rolling": False,
        "closed_by_publisher": False,
        "budget_total": None,
        "grant_max": None,
        "cofinancing_rate": None,
        "first_seen": "2026-01-01T00:00:00Z",
        "last_seen": "2026-01-01T00:00:00Z",
    }
    data.update(extra)
    return FundingCall.model_validate(data).model_dump(mode="json")  # what db/repo stores: a canonical dump


def add_call(session: Session, data: dict[str, Any], *, now: datetime, canonical_id: str | None = None) -> Call:
    deadlines = data["deadlines"]
    row = Call(
        id=data["id"],
        source_id=data["source"],
        native_id=data["native_id"],
        canonical_id=canonical_id,
        title=data["title"],
        level=data["level"],
        issuer=data["issuer"],
        deadline_at=datetime.fromisoformat(deadlines[-1]["at"].replace("Z", "+00:00")) if deadlines else None,
        budget_total=Decimal(data["budget_total"]) if data.get("budget_total") else None,
        applicant_types=data["applicant_types"],
        content_hash=f"h-{data['id']}-1",
        version=1,
        data=data,
        first_seen=now - timedelta(days=3),
        last_seen=now,
    )
    session.add(row)
    session.add(
        CallVersion(
            call_id=row.id,
            version=1,
            content_hash=row.content_hash,
            data=data,
            diff=[],
            created_at=now - timedelta(days=3),
        )
    )
    return row


def add_version(session: Session, call_id: str, changes: dict[str, Any], *, at: datetime) -> None:
    call = session.get(Call, call_id)
    assert call is not None
    data = {**call.data, **changes}
    diff = [{"field": k, "old": call.data.get(k), "new": v} for k, v in changes.items()]
    call.version += 1
    call.data = data
    call.content_hash = f"h-{call_id}-{call.version}"
    if changes.get("deadlines"):
        call.deadline_at = datetime.fromisoformat(changes["deadlines"][-1]["at"].replace("Z", "+00:00"))
    session.add(
        CallVersion(
            call_id=call_id, version=call.version, content_hash=call.content_hash, data=data, diff=diff, created_at=at
        )
    )


def add_project(session: Session, project_id: str, title: str, istat: str, themes: list[str], *, now: datetime) -> None:
    session.add(Project(id=project_id, title=title, themes=themes, created_at=now, updated_at=now))
    session.flush()
    session.add(ProjectComune(project_id=project_id, istat=istat))


def add_match(
    session: Session, call_id: str, project_id: str, score: float, *, now: datetime, terms: list[str]
) -> None:
    session.add(
        MatchRow(
            call_id=call_id,
            project_id=project_id,
            score=score,
            rank=1,
            explanation={
                "terms": [{"term": t, "weight": round(0.2 - i * 0.03, 3)} for i, t in enumerate(terms)],
                "gates": [
                    {"gate": "status", "passed": True, "reason": "open"},
                    {"gate": "applicant", "passed": True, "reason": "comune is eligible"},
                    {"gate": "territory", "passed": True, "reason": "Italy covers the comune"},
                    {"gate": "budget", "passed": None, "reason": "call states no amounts"},
                ],
                "unknowns": ["budget_total"],
            },
            matcher_version="test",
            first_matched_at=now - timedelta(days=1),
            updated_at=now,
            active=True,
        )
    )


@dataclass(frozen=True)
class World:
    sessions: sessionmaker[Session]
    staff: int
    rho: int
    sport: int


STAFF_EMAIL = "welfare@cittametropolitana.mi.it"
RHO_EMAIL = "lavoripubblici@comune.rho.mi.it"
SPORT_EMAIL = "sport@cittametropolitana.mi.it"
