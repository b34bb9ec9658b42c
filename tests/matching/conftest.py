"""Small canonical calls and projects for the matcher tests, written for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from cercabandi.core.models import ComuneRef, Deadline, FundingCall, Project, Territory
from cercabandi.core.vocab import ApplicantType, Level, TerritoryScope

MILANO = ComuneRef(istat="015146", name="Milano")
RHO = ComuneRef(istat="015182", name="Rho")
LEGNANO = ComuneRef(istat="015118", name="Legnano")


@pytest.fixture
def make_call(now: datetime) -> Callable[..., FundingCall]:
    def make(native_id: str, title: str, body: str = "", **fields: Any) -> FundingCall:
        fields.setdefault("deadlines", [Deadline(at=now + timedelta(days=30))])
        return FundingCall(
            id=f"test:{native_id}",
            source="test",
            native_id=native_id,
            title=title,
            body_text=body,
            level=Level.REGIONAL,
            url=f"https://example.org/{native_id}",
            first_seen=now - timedelta(days=3),
            last_seen=now,
            **fields,
        )

    return make


@pytest.fixture
def make_project() -> Callable[..., Project]:
    def make(pid: str, title: str, description: str = "", **fields: Any) -> Project:
        fields.setdefault("comuni", [MILANO])
        fields.setdefault("proponent_type", ApplicantType.COMUNE)
        return Project(id=pid, title=title, description=description, **fields)

    return make


@pytest.fixture
def calls(make_call: Callable[..., FundingCall], now: datetime) -> list[FundingCall]:
    return [
        make_call(
            "nidi",
            "Bando per la costruzione di asili nido",
            "Contributi ai comuni per nuovi asili nido e scuole dell'infanzia.",
            applicant_types=[ApplicantType.COMUNE],
        ),
        make_call(
            "rigenerazione",
            "Rigenerazione urbana delle periferie",
            "Interventi di rigenerazione urbana di piazze, parchi ed edifici pubblici degradati.",
        ),
        make_call(
            "ciclabili",
            "Piste ciclabili urbane",
            "Realizzazione di piste ciclabili e percorsi ciclopedonali nei comuni.",
            territory=Territory(scope=TerritoryScope.COMUNI, comuni=[RHO.istat, LEGNANO.istat]),
        ),
        make_call(
            "chiuso",
            "Asili nido: bando chiuso",
            "Asili nido e servizi per l'infanzia, edizione passata.",
            deadlines=[Deadline(at=now - timedelta(days=10))],
        ),
        make_call(
            "imprese",
            "Contributi alle imprese per gli asili nido aziendali",
            "Asili nido aziendali realizzati da imprese.",
            applicant_types=[ApplicantType.BUSINESS],
        ),
        make_call(
            "grande",
            "Grandi opere di rigenerazione urbana",
            "Rigenerazione urbana di grandi aree dismesse.",
            grant_min=Decimal("5000000"),
            grant_max=Decimal("20000000"),
        ),
        make_call(
            "futuro",
            "Biblioteche di quartiere",
            "Nuove biblioteche e centri culturali.",
            opening_date=now + timedelta(days=5),
            deadlines=[Deadline(at=now + timedelta(days=60))],
        ),
    ]


@pytest.fixture
def places() -> dict[str, ComuneRef]:
    return {"milano": MILANO, "rho": RHO, "legnano": LEGNANO}
