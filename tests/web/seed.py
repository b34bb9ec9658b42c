"""Realistic seed data for the review application's tests and screenshots.

Calls, projects and matches shaped like what the pipeline stores: ``calls.data`` is a
validated ``FundingCall`` dump, ``matches.explanation`` holds terms, gates and unknowns.
Every date is relative to the ``now`` passed in, so "closing in 30 days" stays true.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cercabandi.core.models import Deadline, FundingCall, Territory
from cercabandi.core.search_text import document
from cercabandi.core.sources import SOURCES
from cercabandi.core.vocab import ApplicantType as A
from cercabandi.core.vocab import Level, ProjectStage, TerritoryScope, label_it
from cercabandi.db.models import (
    Call,
    CallVersion,
    Comune,
    CrawlRun,
    MatchRow,
    Project,
    Quarantine,
    RawRecord,
    ReviewRow,
    Source,
    User,
)
from cercabandi.db.repo.search import search_document
from cercabandi.db.repo.users import hash_password

PASSWORD = "password-di-prova"
ROME = ZoneInfo("Europe/Rome")

COMUNI = {
    "015146": ("Milano", 1_371_498),
    "015209": ("Sesto San Giovanni", 79_261),
    "015077": ("Cinisello Balsamo", 75_161),
    "015182": ("Rho", 51_125),
    "015118": ("Legnano", 60_543),
    "015192": ("San Donato Milanese", 32_690),
    "015002": ("Abbiategrasso", 32_596),
    "015081": ("Cologno Monzese", 47_042),
}

EVIL_HTML = (
    "<p>Il bando finanzia <strong>interventi di rigenerazione</strong> di spazi pubblici.</p>"
    "<script>document.title='pwned'</script>"
    '<img src="x.png" onerror="alert(1)">'
    '<p><a href="javascript:alert(2)">modulo di domanda</a> e '
    '<a href="https://www.bandi.regione.lombardia.it/" onclick="steal()">pagina ufficiale</a></p>'
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>'
)


@functools.cache
def _password_hash() -> str:
    # argon2 is slow by design: hash the shared test password once per process.
    return hash_password(PASSWORD)


@dataclass
class CallSpec:
    source: str
    native_id: str
    title: str
    issuer: str
    level: Level
    deadline_days: list[float]
    applicants: list[A]
    summary: str
    programme: str | None = None
    opening_days: float | None = None
    budget: str | None = None
    grant_min: str | None = None
    grant_max: str | None = None
    cofinancing: float | None = None
    rolling: bool = False
    body_html: str | None = None
    first_seen_days: float = -20
    territory: TerritoryScope = TerritoryScope.ITALY
    extra: dict[str, Any] = field(default_factory=dict)


CALLS = [
    CallSpec(
        "lombardia_bandi",
        "RLO12026034567",
        "Bando Rigenerazione urbana 2027: spazi pubblici e luoghi di comunità",
        "Regione Lombardia - DG Territorio e Sistemi Verdi",
        Level.REGIONAL,
        [9.13],
        [A.COMUNE, A.UNIONE_COMUNI],
        "Contributi a fondo perduto ai comuni lombardi per la riqualificazione di piazze, parchi e "
        "edifici pubblici dismessi da restituire alla comunità.",
        programme="Programma regionale di sviluppo sostenibile",
        budget="25000000",
        grant_min="200000",
        grant_max="1500000",
        cofinancing=0.2,
        body_html=EVIL_HTML,
        first_seen_days=-3,
        territory=TerritoryScope.LOMBARDIA,
    ),
    CallSpec(
        "it_incentivi",
        "inclusione-sociale-periferie-2026",
        "Fondo per l'inclusione sociale nelle periferie urbane",
        "Ministero del Lavoro e delle Politiche Sociali",
        Level.NATIONAL,
        [24.4],
        [A.COMUNE, A.THIRD_SECTOR, A.CITTA_METROPOLITANA],
        "Progetti di welfare di comunità, contrasto alla povertà educativa e inclusione di persone fragili "
        "nelle periferie delle città metropolitane.",
        programme="PN Inclusione e lotta alla povertà 2021-2027",
        budget="40000000",
        grant_max="800000",
        first_seen_days=-5,
    ),
    CallSpec(
        "eu_sedia",
        "HORIZON-MISS-2027-CIT-02-01",
        "Climate-neutral and smart cities: urban regeneration with citizens' participation",
        "European Commission - Horizon Europe",
        Level.EU,
        [40.4, 160.4],
        [A.COMUNE, A.UNIVERSITY_RESEARCH, A.BUSINESS, A.OTHER_PUBLIC],
        "Pilots of neighbourhood regeneration co-designed with residents, with energy retrofits of public "
        "buildings and nature-based solutions.",
        programme="Horizon Europe - Cities Mission",
        budget="30000000",
        grant_min="1000000",
        grant_max="4000000",
        cofinancing=0.0,
        first_seen_days=-30,
        territory=TerritoryScope.EU,
    ),
    CallSpec(
        "fnd_cariplo",
        "2026-emblematici-minori",
        "Emblematici minori 2027 - Città metropolitana di Milano",
        "Fondazione Cariplo",
        Level.FOUNDATION,
        [55.4],
        [A.COMUNE, A.THIRD_SECTOR],
        "Interventi di rilevante interesse per il territorio: recupero di beni culturali, servizi di "
        "welfare e spazi di aggregazione giovanile.",
        budget="3000000",
        grant_max="500000",
        cofinancing=0.3,
        first_seen_days=-2,
        territory=TerritoryScope.LOMBARDIA,
    ),
    CallSpec(
        "it_padigitale",
        "misura-1-4-1-comuni-2027",
        "Misura 1.4.1 Esperienza del cittadino nei servizi pubblici - Comuni",
        "Dipartimento per la trasformazione digitale",
        Level.NATIONAL,
        [18.4],
        [A.COMUNE],
        "Contributi forfettari ai comuni per migliorare siti web e servizi digitali secondo il modello nazionale.",
        programme="PNRR M1C1 Investimento 1.4",
        budget="150000000",
        grant_min="42000",
        grant_max="155000",
        first_seen_days=-12,
    ),
    CallSpec(
        "it_italiadomani",
        "pinqua-2027",
        "Programma innovativo nazionale per la qualità dell'abitare (PINQuA) - nuova finestra",
        "Ministero delle Infrastrutture e dei Trasporti",
        Level.NATIONAL,
        [75.4],
        [A.COMUNE, A.CITTA_METROPOLITANA],
        "Riqualificazione e incremento dell'edilizia residenziale sociale, rigenerazione del tessuto "
        "socio-economico dei centri urbani.",
        programme="PNRR M5C2 Investimento 2.3",
        budget="280000000",
        grant_max="15000000",
        first_seen_days=-6,
    ),
    CallSpec(
        "it_coesione",
        "fsc-sport-periferie-2027",
        "Sport e periferie 2027: impianti sportivi di quartiere",
        "Dipartimento per lo Sport",
        Level.NATIONAL,
        [],
        [A.COMUNE, A.UNIONE_COMUNI, A.THIRD_SECTOR],
        "Realizzazione e rigenerazione di impianti sportivi nelle aree urbane svantaggiate, a sportello "
        "fino a esaurimento delle risorse.",
        budget="50000000",
        grant_max="700000",
        rolling=True,
        first_seen_days=-45,
    ),
    CallSpec(
        "lombardia_bandi",
        "RLO12026031111",
        "Bando Scuole sicure: efficientamento energetico degli edifici scolastici",
        "Regione Lombardia - DG Istruzione",
        Level.REGIONAL,
        [-4],
        [A.COMUNE, A.CITTA_METROPOLITANA],
        "Interventi di efficientamento energetico e messa in sicurezza degli edifici scolastici pubblici.",
        budget="12000000",
        grant_max="900000",
        first_seen_days=-60,
        territory=TerritoryScope.LOMBARDIA,
    ),
    CallSpec(
        "eu_urban_initiative",
        "EUI-IA-2027",
        "European Urban Initiative - Innovative Actions, 4th call",
        "European Urban Initiative",
        Level.EU,
        [130.4],
        [A.COMUNE, A.UNIONE_COMUNI],
        "Innovative urban solutions on the green transition, inclusion and sustainable tourism; urban "
        "authorities of at least 50,000 inhabitants.",
        opening_days=20,
        budget="120000000",
        grant_max="5000000",
        cofinancing=0.2,
        first_seen_days=-1,
        territory=TerritoryScope.EU,
    ),
    CallSpec(
        "it_dait",
        "fondo-aree-interne-2027",
        "Fondo per i comuni marginali: contrasto allo spopolamento",
        "Dipartimento per gli affari interni e territoriali",
        Level.NATIONAL,
        [33.4],
        [A.COMUNE],
        "Contributi ai comuni con popolazione fino a 5.000 abitanti per attività economiche e servizi.",
        budget="60000000",
        grant_max="100000",
        first_seen_days=-8,
    ),
]

PROJECTS = [
    (
        "B41B22000510006",
        "Riqualificazione di piazza Petazzi e del mercato coperto",
        "015209",
        A.COMUNE,
        ProjectStage.FEASIBILITY,
        "1800000",
        ["rigenerazione urbana", "spazi pubblici"],
    ),
    (
        "B91J23000120001",
        "Hub di comunità nel quartiere Crocetta: servizi per famiglie e giovani",
        "015077",
        A.COMUNE,
        ProjectStage.IDEA,
        "650000",
        ["welfare di comunità", "giovani"],
    ),
    (
        "J84E21000330001",
        "Casa delle associazioni nell'ex scuola di via Livorno",
        "015182",
        A.COMUNE,
        ProjectStage.FINAL_DESIGN,
        "1200000",
        ["rigenerazione urbana", "terzo settore"],
    ),
    (
        "C31B23000090005",
        "Parco lineare lungo l'Olona e orti sociali",
        "015118",
        A.COMUNE,
        ProjectStage.FEASIBILITY,
        "2400000",
        ["verde urbano", "inclusione"],
    ),
    (
        "D61H22000140006",
        "Efficientamento energetico della scuola primaria Gianni Rodari",
        "015192",
        A.COMUNE,
        ProjectStage.EXECUTIVE_DESIGN,
        "850000",
        ["scuole", "energia"],
    ),
    (
        "E21B23000310001",
        "Alloggi temporanei per l'emergenza abitativa in via Novara",
        "015146",
        A.COMUNE,
        ProjectStage.FEASIBILITY,
        "9500000",
        ["abitare sociale"],
    ),
    (
        "F11D22000270001",
        "Nuovo portale dei servizi online del comune",
        "015002",
        A.COMUNE,
        ProjectStage.UNDER_WAY,
        "120000",
        ["digitale"],
    ),
    (
        "G81C23000050001",
        "Palestra di quartiere e campo polivalente di via Volta",
        "015081",
        A.COMUNE,
        ProjectStage.IDEA,
        "600000",
        ["sport", "giovani"],
    ),
]

# Co-financing the comuni can put in themselves (the matcher's budget gate subtracts it).
COFINANCING = {
    "B41B22000510006": "400000",
    "B91J23000120001": "150000",
    "J84E21000330001": "700000",
    "C31B23000090005": "1600000",
}

# (call index, project index, score, terms)
MATCHES = [
    (0, 0, 0.71, ["rigenerazione", "piazza", "spazi pubblici", "mercato"]),
    (0, 2, 0.64, ["rigenerazione", "edifici dismessi", "comunità"]),
    (0, 3, 0.42, ["parco", "riqualificazione"]),
    (1, 1, 0.68, ["welfare di comunità", "giovani", "famiglie"]),
    (1, 3, 0.37, ["inclusione", "orti sociali"]),
    (2, 0, 0.33, ["urban regeneration", "public space"]),
    (3, 2, 0.58, ["terzo settore", "aggregazione", "spazi"]),
    (3, 1, 0.52, ["welfare", "giovani"]),
    (4, 6, 0.81, ["servizi digitali", "siti web", "cittadino"]),
    (5, 5, 0.74, ["edilizia residenziale", "abitare", "sociale"]),
    (6, 7, 0.66, ["impianti sportivi", "quartiere"]),
    (7, 4, 0.77, ["efficientamento energetico", "scuola"]),
    (8, 3, 0.29, ["green transition", "inclusion"]),
]


def _noon_rome(now: datetime, days: float) -> datetime:
    """Deadlines as publishers write them: a day, at noon Italian time."""
    day = (now + timedelta(days=days)).astimezone(ROME).date()
    return datetime.combine(day, time(12, 0), tzinfo=ROME).astimezone(UTC)


def _call(spec: CallSpec, now: datetime) -> FundingCall:
    first_seen = now + timedelta(days=spec.first_seen_days)
    return FundingCall(
        id=f"{spec.source}:{spec.native_id}",
        source=spec.source,
        native_id=spec.native_id,
        title=spec.title,
        summary=spec.summary,
        body_text=spec.summary,
        body_html=spec.body_html,
        issuer=spec.issuer,
        level=spec.level,
        programme=spec.programme,
        applicant_types=spec.applicants,
        applicants_text="Possono partecipare: " + ", ".join(label_it(a.value).lower() for a in spec.applicants),
        territory=Territory(scope=spec.territory),
        opening_date=now + timedelta(days=spec.opening_days) if spec.opening_days is not None else None,
        deadlines=[Deadline(at=_noon_rome(now, d)) for d in spec.deadline_days],
        rolling=spec.rolling,
        budget_total=Decimal(spec.budget) if spec.budget else None,
        grant_min=Decimal(spec.grant_min) if spec.grant_min else None,
        grant_max=Decimal(spec.grant_max) if spec.grant_max else None,
        cofinancing_rate=spec.cofinancing,
        url=f"https://example.org/{spec.source}/{spec.native_id}",
        first_seen=first_seen,
        last_seen=now - timedelta(hours=7),
    )


def call_row(fc: FundingCall, *, version: int = 1) -> Call:
    return Call(
        id=fc.id,
        source_id=fc.source,
        native_id=fc.native_id,
        title=fc.title,
        level=fc.level.value,
        programme=fc.programme,
        issuer=fc.issuer,
        opening_date=fc.opening_date,
        deadline_at=fc.deadlines[-1].at if fc.deadlines else None,
        rolling=fc.rolling,
        closed_by_publisher=fc.closed_by_publisher,
        budget_total=fc.budget_total,
        applicant_types=[a.value for a in fc.applicant_types],
        content_hash=fc.content_hash(),
        version=version,
        data=fc.model_dump(mode="json"),
        first_seen=fc.first_seen,
        last_seen=fc.last_seen,
        search_text=search_document(fc),  # what the store writes, so the search finds it
    )


def ensure_reference(session: Session) -> None:
    for istat, (name, population) in COMUNI.items():
        if session.get(Comune, istat) is None:
            session.add(Comune(istat=istat, name=name, population=population))
    for info in SOURCES.values():
        if session.get(Source, info.id) is None:
            session.add(Source(id=info.id, name=info.name, url=info.url, level=info.level.value, format=info.format))
    session.flush()


def add_user(session: Session, username: str, role: str, now: datetime, full_name: str | None = None) -> User:
    user = User(
        username=username, full_name=full_name, password_hash=_password_hash(), role=role, active=True, created_at=now
    )
    session.add(user)
    session.flush()
    return user


def _gates(call: Call, project: Project) -> list[dict[str, Any]]:
    """Gate results worded like the matcher's (English, for logs; the pages translate)."""
    data = call.data
    scope = data["territory"]["scope"]
    status = (
        {"gate": "status", "passed": True, "reason": f"forthcoming: opens on {data['opening_date'][:10]}"}
        if data.get("opening_date")
        else {"gate": "status", "passed": True, "reason": "open: rolling (a sportello)"}
        if call.rolling
        else {"gate": "status", "passed": True, "reason": f"open until {data['deadlines'][0]['at'][:10]}"}
    )
    low, high = data.get("grant_min"), data.get("grant_max")
    cost = project.estimated_cost or Decimal(0)
    needed = cost - (project.cofinancing_available or Decimal(0))
    if low is None and high is None:
        budget = {"gate": "budget", "passed": None, "reason": "grant range not stated"}
    elif low is not None and cost < Decimal(low):
        budget = {"gate": "budget", "passed": False, "reason": f"cost {cost:.0f} EUR below the minimum grant {low} EUR"}
    elif high is not None and needed > Decimal(high):
        budget = {
            "gate": "budget",
            "passed": False,
            "reason": f"needs {needed:.0f} EUR beyond co-financing, above the maximum grant {high} EUR",
        }
    else:
        budget = {"gate": "budget", "passed": True, "reason": f"cost {cost:.0f} EUR fits the grant range"}
    return [
        status,
        {"gate": "applicant", "passed": True, "reason": "comune is eligible"},
        {"gate": "territory", "passed": True, "reason": f"call covers {scope}"},
        budget,
    ]


def seed(session: Session, now: datetime) -> dict[str, Any]:
    """Fill an upgraded, empty database; returns handy ids. The caller commits."""
    ensure_reference(session)
    users = {
        "anna": add_user(session, "anna", "admin", now, "Anna Colombo"),
        "marco": add_user(session, "marco", "staff", now, "Marco Brambilla"),
        "giulia": add_user(session, "giulia", "volunteer", now, "Giulia Ferrari"),
        "luca": add_user(session, "luca", "volunteer", now, "Luca Rossi"),
    }
    projects: list[Project] = []
    for cup, title, istat, ptype, stage, cost, themes in PROJECTS:
        project = Project(
            id=cup,
            cup=cup,
            title=title,
            description=f"{title}. Progetto del comune di {COMUNI[istat][0]}.",
            proponent=f"Comune di {COMUNI[istat][0]}",
            proponent_type=ptype.value,
            stage=stage.value,
            estimated_cost=Decimal(cost),
            cofinancing_available=Decimal(COFINANCING[cup]) if cup in COFINANCING else None,
            themes=themes,
            created_at=now - timedelta(days=90),
            updated_at=now - timedelta(days=10),
        )
        project.search_text = document((project.title, project.description, project.proponent, cup))
        project.comuni = [session.get(Comune, istat)]  # type: ignore[list-item]
        session.add(project)
        projects.append(project)
    calls: list[Call] = []
    for spec in CALLS:
        fc = _call(spec, now)
        row = call_row(fc)
        session.add(row)
        session.flush()
        session.add(
            CallVersion(
                call_id=fc.id, version=1, content_hash=fc.content_hash(), data=row.data, created_at=fc.first_seen
            )
        )
        calls.append(row)
    # The regional regeneration call moved its deadline: version 2 with a field-level diff.
    moved = calls[0]
    old_deadline = _noon_rome(now, 2).isoformat()
    session.add(
        CallVersion(
            call_id=moved.id,
            version=2,
            content_hash=moved.content_hash,
            data=moved.data,
            diff=[
                {"field": "deadlines", "old": [{"at": old_deadline, "label": None}], "new": moved.data["deadlines"]},
                {"field": "budget_total", "old": "20000000", "new": "25000000"},
            ],
            created_at=now - timedelta(days=1),
        )
    )
    moved.version = 2
    for call_index, project_index, score, terms in MATCHES:
        call, project = calls[call_index], projects[project_index]
        gates = _gates(call, project)
        session.add(
            MatchRow(
                call_id=call.id,
                project_id=project.id,
                score=score,
                rank=1,
                explanation={
                    "terms": [{"term": t, "weight": round(score / (i + 2), 3)} for i, t in enumerate(terms)],
                    "gates": gates,
                    # Like the matcher: the reasons of the gates it could not decide.
                    "unknowns": [g["reason"] for g in gates if g["passed"] is None],
                },
                matcher_version="test",
                first_matched_at=now - timedelta(days=2),
                updated_at=now - timedelta(days=1),
                active=True,
            )
        )
    # Reviews by luca and marco: agreement and disagreement are visible to staff.
    for reviewer, call_index, tag, reason, themes in (
        ("luca", 4, "relevant", None, ["digitale"]),
        ("marco", 4, "relevant", None, ["digitale"]),
        ("luca", 5, "relevant", None, ["abitare sociale"]),
        ("marco", 5, "not_relevant", "budget", []),
        ("luca", 2, "not_relevant", "applicant_type", []),
    ):
        session.add(
            ReviewRow(
                call_id=calls[call_index].id,
                user_id=users[reviewer].id,
                reviewer=reviewer,
                tag=tag,
                reason=reason,
                themes=themes,
                via="web",
                created_at=now - timedelta(days=1, hours=call_index),
            )
        )
    # Crawl history: most sources healthy, one failing, one silent.
    for info in SOURCES.values():
        source = session.get(Source, info.id)
        assert source is not None
        for day in range(10, 0, -1):
            started = now - timedelta(days=day, hours=-2)
            failing = info.id == "it_italiadomani" and day <= 2
            silent = info.id == "it_coesione"
            if silent and day < 9:
                continue
            items = 0 if failing else 18 + (len(info.id) * 7 + day * 3) % 11
            session.add(
                CrawlRun(
                    source_id=info.id,
                    started_at=started,
                    finished_at=started + timedelta(minutes=3),
                    status="failing" if failing else "ok",
                    complete=not failing,
                    items=items,
                    problems=["zero items: the listing page layout may have changed"] if failing else [],
                )
            )
            if not failing:
                source.last_success_at = started + timedelta(minutes=3)
                source.last_item_count = items
    # Two records of one source could not be normalised; one was fixed since.
    for n, resolved in ((1, None), (2, now - timedelta(days=1))):
        raw = RawRecord(
            source_id="lombardia_bandi",
            native_id=f"RLO1202603999{n}",
            payload_hash=f"{n:064d}",
            url=f"https://www.bandi.regione.lombardia.it/servizi/servizio/bandi/dettaglio/{n}",
            fetched_at=now - timedelta(days=2),
            record={"source": "lombardia_bandi", "native_id": f"RLO1202603999{n}"},
        )
        session.add(raw)
        session.flush()
        session.add(
            Quarantine(
                raw_record_id=raw.id,
                source_id="lombardia_bandi",
                native_id=raw.native_id,
                reasons=["deadline 'entro la fine del mese' could not be read as a date"],
                created_at=now - timedelta(days=2),
                resolved_at=resolved,
            )
        )
    session.flush()
    return {
        "users": {name: user.id for name, user in users.items()},
        "calls": [c.id for c in calls],
        "projects": [p.id for p in projects],
        "evil_call": calls[0].id,
    }
