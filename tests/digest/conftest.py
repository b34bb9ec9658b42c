"""Digest test fixtures: a real SMTP server on loopback (aiosmtpd) and a small, realistic database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from digest_world import (
    MILANO,
    READY_TIMEOUT,
    RHO,
    RHO_EMAIL,
    SESTO,
    SPORT_EMAIL,
    STAFF_EMAIL,
    Mailbox,
    World,
    _Authenticator,
    _free_port,
    add_call,
    add_match,
    add_project,
    funding_call,
    rome_noon,
)
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.models import Call, Comune, CrawlRun, RawRecord, ReviewRow, Source
from cercabandi.db.repo.subscriptions import create_subscription
from cercabandi.db.session import transaction


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
        ready_timeout=READY_TIMEOUT,
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
                items=4,
            )
        )
        # the raw store keeps one record per distinct payload: Cariplo has said nothing new for 95 days
        for source_id, age in (("fnd_cariplo", timedelta(days=95)), ("lombardia_bandi", timedelta(hours=7))):
            s.add(
                RawRecord(
                    source_id=source_id,
                    native_id="n1",
                    payload_hash=f"hash-{source_id}",
                    url=f"https://example.org/{source_id}/n1",
                    fetched_at=now - age,
                    record={},
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
