"""The publishers we watch: one explicit registry, no registration by import side effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cercabandi.core.vocab import Level

DEFAULT_SILENT_AFTER_DAYS = 7


@dataclass(frozen=True)
class SourceInfo:
    id: str
    name: str
    url: str
    level: Level
    format: str
    licence: str
    cadence: str
    extracted: str
    silent_after_days: int = DEFAULT_SILENT_AFTER_DAYS  # no news for this long and the source is silent


LOMBARDIA_DATA_INDEX = "https://www.dati.lombardia.it/resource/bukx-h2uy.json"


def bandi_online_page(code: str) -> str:
    """Bandi Online's page for a call code, the page a person reads (the sitemap's address may differ)."""
    return f"https://www.bandi.regione.lombardia.it/servizi/servizio/agevolazioni/{code}"


SOURCES: dict[str, SourceInfo] = {
    s.id: s
    for s in (
        SourceInfo(
            "eu_sedia",
            "EU Funding & Tenders Portal",
            "https://ec.europa.eu/info/funding-tenders/opportunities/portal/",
            Level.EU,
            "JSON search API (SEDIA) + topic detail JSON",
            "Commission reuse policy (Decision 2011/833/EU)",
            "daily",
            "topics of types 1/2/8 forthcoming or open: deadlines, programme, conditions, budget overview",
        ),
        SourceInfo(
            "lombardia_bandi",
            "Regione Lombardia - Bandi Online",
            "https://www.bandi.regione.lombardia.it/",
            Level.REGIONAL,
            "Socrata JSON (bukx-h2uy) + HTML detail pages",
            "CC0 1.0 (open data); site terms",
            "daily",
            "dates and hour of closing, 'Chi può partecipare', funding sources, attachments",
        ),
        SourceInfo(
            "it_incentivi",
            "incentivi.gov.it (MIMIT)",
            "https://www.incentivi.gov.it/",
            Level.NATIONAL,
            "Solr JSON export",
            "IODL 2.0",
            "weekly",
            "measures open to public bodies and non-profits: sections, dates, applicants",
        ),
        SourceInfo(
            "it_padigitale",
            "PA digitale 2026",
            "https://padigitale2026.gov.it/",
            Level.NATIONAL,
            "JSON (GitHub open data)",
            "CC BY 4.0",
            "weekly",
            "PNRR digital-PA calls: measure, dates, amounts, soggetti destinatari",
        ),
        SourceInfo(
            "it_italiadomani",
            "Italia Domani - bandi delle amministrazioni titolari",
            "https://www.italiadomani.gov.it/",
            Level.NATIONAL,
            "HTML fragment (20 per page)",
            "CC BY 4.0",
            "weekly",
            "PNRR calls: opening, area, type, destinatari, measure",
        ),
        SourceInfo(
            "it_coesione",
            "Dipartimento per le politiche di coesione",
            "https://politichecoesione.governo.it/",
            Level.NATIONAL,
            "HTML",
            "CC BY 4.0",
            "weekly",
            "calls and notices: dates, text, attachments",
        ),
        SourceInfo(
            "it_dait",
            "Ministero dell'Interno - DAIT finanza locale",
            "https://dait.interno.gov.it/finanza-locale/",
            Level.NATIONAL,
            "HTML news pages",
            "site terms (public information)",
            "weekly",
            "decrees and communications on contributions to comuni",
            silent_after_days=30,
        ),
        SourceInfo(
            "fnd_cariplo",
            "Fondazione Cariplo",
            "https://www.fondazionecariplo.it/it/bandi.html",
            Level.FOUNDATION,
            "HTML + PDF",
            "site terms (public information)",
            "weekly",
            "calls: budget, min/max contribution, co-financing, deadlines, beneficiaries",
            silent_after_days=90,
        ),
        SourceInfo(
            "eu_urban_initiative",
            "European Urban Initiative",
            "https://www.urban-initiative.eu/",
            Level.EU,
            "HTML",
            "site terms (public information)",
            "weekly",
            "Innovative Actions calls for urban authorities: budget, co-financing, deadlines",
            silent_after_days=180,
        ),
    )
}


def is_silent(source_id: str, last_news: datetime | None, now: datetime) -> bool:
    """Nothing heard from a source (``last_news`` None) or not for longer than its ``silent_after_days``.

    The one rule behind the dashboard, the digest's source alerts and the run report.
    """
    info = SOURCES.get(source_id)
    days = info.silent_after_days if info else DEFAULT_SILENT_AFTER_DAYS
    return last_news is None or now - last_news > timedelta(days=days)
