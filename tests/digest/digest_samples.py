"""Realistic digest inputs (written for these tests, shaped like the demo data), without a database.

Used by the golden-file tests and to regenerate ``docs/sample-digest.*``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cercabandi.core.settings import Settings
from cercabandi.digest.build import build_digest
from cercabandi.digest.model import CallFacts, DeadlineFact, DigestInputs, MatchFact, SourceAlert, VersionFact
from cercabandi.digest.render import RenderedDigest, render_digest

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _rome_noon(year: int, month: int, day: int) -> datetime:
    # 12:00 in Rome is 11:00 UTC in winter, 10:00 UTC in summer
    hour = 10 if 4 <= month <= 10 else 11
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


CALLS = {
    "lombardia_bandi:RLO12026041234": CallFacts(
        id="lombardia_bandi:RLO12026041234",
        title="Bando Spazi Comuni 2026 – rigenerazione di spazi pubblici per la socialità",
        url="https://www.bandi.regione.lombardia.it/servizi/servizio/bandi/dettaglio/RLO12026041234",
        level="regional",
        issuer="Regione Lombardia – DG Enti locali, Montagna e Piccoli Comuni",
        programme="FESR 2021-2027",
        deadlines=(DeadlineFact(_rome_noon(2026, 12, 4)),),
        applicant_types=("comune", "unione_comuni"),
        budget_total=Decimal("12000000"),
        grant_max=Decimal("400000"),
        cofinancing_rate=0.2,
    ),
    "fnd_cariplo:emblematici-2026": CallFacts(
        id="fnd_cariplo:emblematici-2026",
        title="Emblematici minori 2026 – provincia di Milano",
        url="https://www.fondazionecariplo.it/it/bandi/emblematici-minori-2026.html",
        level="foundation",
        issuer="Fondazione Cariplo",
        deadlines=(DeadlineFact(_rome_noon(2027, 2, 26)),),
        applicant_types=("comune", "third_sector"),
        budget_total=Decimal("2500000"),
        grant_max=Decimal("250000"),
    ),
    "it_incentivi:sport-periferie-2026": CallFacts(
        id="it_incentivi:sport-periferie-2026",
        title="Sport e Periferie 2026 – impianti sportivi nelle aree urbane svantaggiate",
        url="https://www.incentivi.gov.it/it/catalogo/sport-e-periferie-2026",
        level="national",
        issuer="Dipartimento per lo Sport",
        deadlines=(DeadlineFact(_rome_noon(2027, 1, 15)),),
        applicant_types=("comune", "citta_metropolitana", "third_sector"),
        budget_total=Decimal("70000000"),
        grant_max=Decimal("1000000"),
    ),
    "eu_sedia:CERV-2027-CHILD": CallFacts(
        id="eu_sedia:CERV-2027-CHILD",
        title="Rights of the child and children's participation (CERV-2027-CHILD)",
        url="https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/CERV-2027-CHILD",
        level="eu",
        issuer="European Commission – DG JUST",
        programme="CERV",
        deadlines=(DeadlineFact(datetime(2027, 3, 18, 16, 0, tzinfo=UTC)),),
        applicant_types=("other_public", "third_sector", "university_research"),
        budget_total=Decimal("4500000"),
    ),
}


def _explanation(terms: list[tuple[str, float]], budget: bool | None = True) -> dict[str, object]:
    return {
        "terms": [{"term": t, "weight": w} for t, w in terms],
        "gates": [
            {"gate": "status", "passed": True, "reason": "open"},
            {"gate": "applicant", "passed": True, "reason": "comune is eligible"},
            {"gate": "territory", "passed": True, "reason": "Lombardia covers the comune"},
            {
                "gate": "budget",
                "passed": budget,
                "reason": "cost fits the grant range" if budget else "project's estimated cost not stated",
            },
        ],
        "unknowns": [] if budget is not None else ["project's estimated cost not stated"],  # as the matcher says
    }


MATCHES = (
    MatchFact(
        call_id="it_incentivi:sport-periferie-2026",
        project_id="J41B22000130006",
        project_title="Riqualificazione del centro sportivo di via Cilea",
        comuni=("Rho",),
        score=0.62,
        explanation=_explanation([("impianti sportivi", 0.21), ("periferie", 0.12), ("riqualificazione", 0.07)]),
    ),
    MatchFact(
        call_id="it_incentivi:sport-periferie-2026",
        project_id="B27H21003370001",
        project_title="Nuova palestra della scuola Marconi",
        comuni=("Sesto San Giovanni",),
        score=0.41,
        explanation=_explanation([("palestra", 0.18), ("impianti sportivi", 0.09)], budget=None),
    ),
    MatchFact(
        call_id="fnd_cariplo:emblematici-2026",
        project_id="RHO-2026-07",
        project_title="Casa delle associazioni nell'ex scuola di Lucernate",
        comuni=("Rho",),
        score=0.48,
        explanation=_explanation([("associazioni", 0.16), ("spazi comuni", 0.11), ("terzo settore", 0.08)]),
    ),
    MatchFact(
        call_id="lombardia_bandi:RLO12026041234",
        project_id="RHO-2026-03",
        project_title="Piazza della Libertà: spazio pubblico per la socialità",
        comuni=("Rho",),
        score=0.57,
        explanation=_explanation([("spazi pubblici", 0.2), ("socialità", 0.14), ("rigenerazione", 0.1)]),
    ),
)

VERSIONS = (
    VersionFact(
        call_id="eu_sedia:CERV-2027-CHILD",
        version=2,
        created_at=NOW - timedelta(days=2),
        before={
            "deadlines": [{"at": "2027-01-21T16:00:00Z", "label": None}],
            "budget_total": "3000000.00",
            "applicant_types": ["third_sector", "university_research"],
        },
        after={
            "deadlines": [{"at": "2027-03-18T16:00:00Z", "label": None}],
            "budget_total": "4500000.00",
            "applicant_types": ["other_public", "third_sector", "university_research"],
        },
    ),
)

ALERTS = (
    SourceAlert("it_dait", "Ministero dell'Interno - DAIT finanza locale", "ultima raccolta fallita il 20/11/2026"),
    SourceAlert("fnd_cariplo", "Fondazione Cariplo", "nessuna novità da 95 giorni"),
)


def staff_inputs(**overrides: object) -> DigestInputs:
    values: dict[str, object] = {
        "subscription_id": 1,
        "email": "welfare-rigenerazione@cittametropolitana.mi.it",
        "name": "Ufficio Welfare metropolitano",
        "scope_label": "tutta la Città metropolitana",
        "item_cap": 20,
        "calls": CALLS,
        "matches": MATCHES,
        "versions": VERSIONS,
        "interest_calls": ("lombardia_bandi:RLO12026041234",),
        "told_calls": frozenset({"eu_sedia:CERV-2027-CHILD", "lombardia_bandi:RLO12026041234"}),
        "sent_keys": frozenset(),
        "source_alerts": ALERTS,
    }
    values.update(overrides)
    return DigestInputs(**values)  # type: ignore[arg-type]


def sample_settings() -> Settings:
    """Explicit values for everything rendering reads, so the environment cannot change the output."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        timezone="Europe/Rome",
        base_url="https://cercabandi.cittametropolitana.mi.it",
        contact_email="welfare-rigenerazione@cittametropolitana.mi.it",
        mail_from="cercabandi <cercabandi@cittametropolitana.mi.it>",
        secret_key="sample-not-secret",  # type: ignore[arg-type]
    )


def rho_inputs() -> DigestInputs:
    """A comune's referent: only Rho's projects, weekly, no name, no source problems."""
    rho = tuple(m for m in MATCHES if m.comuni == ("Rho",))
    return staff_inputs(
        subscription_id=2,
        email="lavoripubblici@comune.rho.mi.it",
        name=None,
        scope_label="il Comune di Rho",
        matches=rho,
        versions=(),
        interest_calls=(),
        told_calls=frozenset(),
        source_alerts=(),
    )


def render_sample(inputs: DigestInputs, period: str) -> RenderedDigest:
    settings = sample_settings()
    digest = build_digest(inputs, now=NOW, tz=settings.tz, period=period)
    return render_digest(digest, settings=settings, now=NOW)


if (
    __name__ == "__main__"
):  # PYTHONPATH=. python tests/digest/digest_samples.py DIR: writes DIR/sample-digest.{html,txt}
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    target.mkdir(parents=True, exist_ok=True)
    sample = render_sample(staff_inputs(), "daily:2026-11-21")
    (target / "sample-digest.html").write_text(sample.html, encoding="utf-8")
    (target / "sample-digest.txt").write_text(f"Subject: {sample.subject}\n\n{sample.text}", encoding="utf-8")
    print(f"wrote {target / 'sample-digest.html'} and {target / 'sample-digest.txt'}")
