"""Funded projects from open data: PNRR catalogue rows and the Bando Periferie 2016 programmes.

Pure mappings from CSV rows (dicts of strings, as ``csv.DictReader`` gives them) to
``FundedRecord``; the flow reads the files and stores the records.

Public rule: what is imported here is already published open data (Italia Domani / ReGiS,
CC BY 4.0; the Periferie programmes from the Città metropolitana's own pages), so those
projects are public on the site. Applications made by staff stay private until marked public.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from cercabandi.core.applications import FundedRecord, Progress
from cercabandi.core.comuni import resolve_comune_list
from cercabandi.core.folding import fold_words
from cercabandi.core.vocab import ProgressStage

PNRR_SOURCE = "Italia Domani / ReGiS, catalogo progetti PNRR (stato CUP)"
PERIFERIE_SOURCE = "Bando Periferie 2016, programmi della Città metropolitana di Milano"
PERIFERIE_FUNDING = "Bando Periferie 2016 (DPCM 25 maggio 2016)"
PERIFERIE_FUNDED_ON = date(2016, 12, 29)  # the programmes' funding was announced on 29 December 2016
METROPOLITAN_LEAD = "Città metropolitana di Milano"

# CUP status in the open data -> stage. "Attivo" says the CUP is open, not how far the works are.
_CLASSIFICATION = ("cup_settore", "cup_sottosettore", "cup_categoria", "cup_tipologia")
CUP_STAGES = {"attivo": ProgressStage.ACTIVE, "chiuso": ProgressStage.COMPLETED}


Classify = Callable[[str], list[str]]  # text -> theme slugs (the catalogue's own rule, passed in)


def pnrr_record(row: Mapping[str, str], *, known_projects: set[str], classify: Classify) -> FundedRecord | None:
    """One PNRR catalogue row as a funded project with its CUP status as progress."""
    project_id = (row.get("project_id") or "").strip()
    title = (row.get("titolo_progetto") or "").strip()
    if not project_id or not title:
        return None
    comuni, _unknown = resolve_comune_list(row.get("comuni_MI") or "")
    as_of = _date(row.get("data_aggiornamento"))
    stage = CUP_STAGES.get(fold_words(row.get("stato_cup") or ""))
    progress = (
        Progress(stage=stage, as_of=as_of, source=f"{PNRR_SOURCE} al {as_of.isoformat()}")
        if stage is not None and as_of is not None
        else None
    )
    lead = (row.get("soggetto_attuatore") or "").strip() or "non indicato"
    municipal = row.get("is_municipal_attuatore") == "1" and len(comuni) == 1
    return FundedRecord(
        external_ref=f"pnrr:{project_id}",
        origin="opendata:pnrr",
        title=title,
        funding_source="PNRR",
        lead_istat=comuni[0].istat if municipal else None,
        lead_name=comuni[0].name if municipal else lead,
        istat=[c.istat for c in comuni],
        project_ids=[project_id] if project_id in known_projects else [],
        themes=classify(" ".join(row.get(k) or "" for k in _CLASSIFICATION))
        or classify(f"{title} {row.get('sintesi_progetto') or ''}"),
        story=(row.get("sintesi_progetto") or "").strip() or None,
        public=True,
        funded_on=as_of or date(2023, 2, 21),
        progress=progress,
    )


def periferie_record(row: Mapping[str, str]) -> FundedRecord | None:
    """One Bando Periferie 2016 programme: the Città metropolitana leads, the comuni named take part."""
    number = (row.get("programma_n") or "").strip()
    title = (row.get("titolo") or "").strip()
    if not number or not title:
        return None
    comuni, _others = resolve_comune_list(row.get("comuni_o_proponenti") or "")
    return FundedRecord(
        external_ref=f"periferie2016:{number}",
        origin="opendata:periferie2016",
        title=title,
        funding_source=PERIFERIE_FUNDING,
        lead_name=METROPOLITAN_LEAD,
        istat=[c.istat for c in comuni],
        themes=["urban_regeneration"],
        story=(row.get("note") or "").strip() or None,
        public=True,
        funded_on=PERIFERIE_FUNDED_ON,
    )


def records(
    rows: Iterable[Mapping[str, str]], kind: str, *, known_projects: set[str], classify: Classify
) -> list[FundedRecord]:
    """Map every usable row of a dataset (``kind``: pnrr | periferie2016)."""
    mapped = (
        pnrr_record(row, known_projects=known_projects, classify=classify) if kind == "pnrr" else periferie_record(row)
        for row in rows
    )
    return [r for r in mapped if r is not None]


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
