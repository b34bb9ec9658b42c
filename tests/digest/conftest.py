"""Digest test fixtures: a real SMTP server on loopback (aiosmtpd) and a small, realistic database."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.models import (
    Call,
    CallVersion,
    Comune,
    CrawlRun,
    MatchRow,
    Project,
    ProjectComune,
    ReviewRow,
    Source,
)
from cercabandi.db.repo.subscriptions import create_subscription
from cercabandi.db.session import transaction

MILANO, RHO, SESTO = "015146", "015182", "015209"


# --------------------------------------------------------------------- SMTP


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


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """aiosmtpd on 127.0.0.1 with a free port, accepting AUTH without TLS (loopback only)."""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_Authenticator(mailbox),
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    return smtp_server[0]


@pytest.fixture
def settings(smtp_server: tuple[Mailbox, int], tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server[1],
        smtp_starttls=False,
        smtp_user="digest",
        smtp_password="s3cret-pw",  # type: ignore[arg-type]
        mail_from="cercabandi <bandi@cittametropolitana.mi.it>",
        base_url="https://cercabandi.example.it/app",
        secret_key="test-secret-key",  # type: ignore[arg-type]
    )


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
    }
    data.update(extra)
    return data


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


@pytest.fixture
def world(sessions: sessionmaker[Session], now: datetime) -> World:
    """Four projects in three comuni, six calls (one closed, one duplicate), matches, a review, sources."""
    with transaction(sessions) as s:
        for istat, name in ((MILANO, "Milano"), (RHO, "Rho"), (SESTO, "Sesto San Giovanni")):
            if s.get(Comune, istat) is None:
                s.add(Comune(istat=istat, name=name))
        for source_id, name, level in (
            ("lombardia_bandi", "Regione Lombardia - Bandi Online", "regional"),
            ("it_incentivi", "incentivi.gov.it (MIMIT)", "national"),
            ("fnd_cariplo", "Fondazione Cariplo", "foundation"),
            ("eu_sedia", "EU Funding & Tenders Portal", "eu"),
            ("it_dait", "Ministero dell'Interno - DAIT finanza locale", "national"),
        ):
            if s.get(Source, source_id) is None:
                s.add(Source(id=source_id, name=name, url=f"https://example.org/{source_id}", level=level))
        s.flush()
        add_project(s, "P-RHO-SPORT", "Riqualificazione del centro sportivo di via Cilea", RHO, ["sport"], now=now)
        add_project(s, "P-RHO-SOC", "Casa delle associazioni a Lucernate", RHO, ["sociale"], now=now)
        add_project(s, "P-SESTO-PAL", "Nuova palestra della scuola Marconi", SESTO, ["sport", "scuola"], now=now)
        add_project(s, "P-MI-PIAZZA", "Piazza aperta in via Padova", MILANO, ["spazio pubblico"], now=now)
        calls = [
            funding_call(
                "lombardia_bandi:SPAZI-2026",
                "Bando Spazi Comuni 2026",
                level="regional",
                issuer="Regione Lombardia",
                deadline=rome_noon(now + timedelta(days=13)),
                budget_total="12000000.00",
            ),
            funding_call(
                "it_incentivi:SPORT-PERIFERIE",
                "Sport e Periferie 2026",
                level="national",
                issuer="Dipartimento per lo Sport",
                deadline=rome_noon(now + timedelta(days=55)),
                applicant_types=["citta_metropolitana", "comune", "third_sector"],
            ),
            funding_call(
                "fnd_cariplo:EMBLEMATICI",
                "Emblematici minori 2026",
                level="foundation",
                issuer="Fondazione Cariplo",
                deadline=rome_noon(now + timedelta(days=97)),
            ),
            funding_call(
                "eu_sedia:CERV-CHILD",
                "Rights of the child (CERV)",
                level="eu",
                issuer="European Commission",
                deadline=datetime(2027, 1, 21, 16, 0, tzinfo=now.tzinfo),
                budget_total="3000000.00",
            ),
            funding_call(
                "lombardia_bandi:CHIUSO",
                "Bando ormai chiuso",
                level="regional",
                issuer="Regione Lombardia",
                deadline=now - timedelta(days=2),
            ),
            funding_call(
                "it_incentivi:DUP",
                "Sport e Periferie 2026 (annuncio)",
                level="national",
                issuer="MIMIT",
                deadline=rome_noon(now + timedelta(days=55)),
            ),
        ]
        for data in calls:
            add_call(s, data, now=now)
        s.flush()
        dup = s.get(Call, "it_incentivi:DUP")
        assert dup is not None
        dup.canonical_id = "it_incentivi:SPORT-PERIFERIE"
        add_match(s, "lombardia_bandi:SPAZI-2026", "P-MI-PIAZZA", 0.57, now=now, terms=["spazi pubblici", "socialità"])
        add_match(
            s, "it_incentivi:SPORT-PERIFERIE", "P-RHO-SPORT", 0.62, now=now, terms=["impianti sportivi", "periferie"]
        )
        add_match(s, "it_incentivi:SPORT-PERIFERIE", "P-SESTO-PAL", 0.41, now=now, terms=["palestra"])
        add_match(s, "fnd_cariplo:EMBLEMATICI", "P-RHO-SOC", 0.48, now=now, terms=["associazioni", "terzo settore"])
        add_match(s, "fnd_cariplo:EMBLEMATICI", "P-MI-PIAZZA", 0.03, now=now, terms=["spazio"])
        add_match(s, "eu_sedia:CERV-CHILD", "P-MI-PIAZZA", 0.30, now=now, terms=["partecipazione"])
        add_match(s, "lombardia_bandi:CHIUSO", "P-RHO-SPORT", 0.70, now=now, terms=["sport"])
        add_match(s, "it_incentivi:DUP", "P-RHO-SPORT", 0.60, now=now, terms=["sport"])
        s.add(
            ReviewRow(
                call_id="lombardia_bandi:SPAZI-2026",
                reviewer="volontaria1",
                tag="relevant",
                via="web",
                created_at=now - timedelta(hours=5),
            )
        )
        s.add(
            CrawlRun(
                source_id="it_dait",
                started_at=now - timedelta(hours=7),
                finished_at=now - timedelta(hours=7),
                status="failed",
                problems=["HTTP 503 on the listing page"],
            )
        )
        s.add(
            CrawlRun(
                source_id="fnd_cariplo",
                started_at=now - timedelta(days=95),
                finished_at=now - timedelta(days=95),
                status="ok",
                items=4,
            )
        )
        s.add(
            CrawlRun(
                source_id="fnd_cariplo",
                started_at=now - timedelta(hours=7),
                finished_at=now - timedelta(hours=7),
                status="ok",
                items=0,
            )
        )
        s.add(
            CrawlRun(
                source_id="lombardia_bandi",
                started_at=now - timedelta(hours=7),
                finished_at=now - timedelta(hours=7),
                status="ok",
                items=40,
            )
        )
        staff = create_subscription(
            s,
            email=STAFF_EMAIL,
            name="Ufficio Welfare metropolitano",
            frequency="daily",
            min_score=0.1,
            now=now - timedelta(days=10),
        )
        rho = create_subscription(
            s, email=RHO_EMAIL, name=None, comuni=["Rho"], frequency="weekly", now=now - timedelta(days=10)
        )
        sport = create_subscription(
            s, email=SPORT_EMAIL, themes=["Sport"], frequency="daily", min_score=0.1, now=now - timedelta(days=10)
        )
        ids = (staff.id, rho.id, sport.id)
    return World(sessions, *ids)
