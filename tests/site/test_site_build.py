"""The public site: nothing private ever reaches it; the real catalogue builds in seconds."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.applications import Progress
from cercabandi.core.vocab import ProgressStage
from cercabandi.db import models
from cercabandi.db.repo import applications as repo
from cercabandi.db.session import transaction
from cercabandi.flows.monitoring import import_opendata
from cercabandi.flows.site import build_site
from tests.monitoring.world import CALL_ID, MILANO, NOW, TODAY, fund, network_application, seed

SECRETS = (
    "ufficio.tecnico@comune.rho.mi.it",  # a project's contact
    "presidenza@coop-aurora.example",  # an organisation's contact
    "Sentito il sindaco di Sesto",  # the application's private note
    "gestione attività sociali",  # a partner's role
    "docs.example/riservato",  # a document link
    "telefonata con la geom. Bianchi",  # the source of a staff progress update
    "cantiere in ritardo per il ricorso",  # a progress note
    "Progetto segreto non pubblicato",  # a funded application not marked public
    "Idea pubblica ma non finanziata",  # marked public but not funded
    "verdetto: non pertinente per Rho",  # a reviewer's note
    "800.000",  # the amount requested
)


def _private_world(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as s:
        seed(s)
        public = network_application(s)
        fund(s, public)
        repo.add_document(s, public, "Domanda", "https://docs.example/riservato/domanda.pdf", now=NOW)
        repo.add_milestone(s, public, "Avvio lavori", date(2027, 3, 1), today=TODAY, now=NOW)
        repo.add_progress(
            s,
            public,
            Progress(
                stage=ProgressStage.UNDER_WAY,
                works_pct=40,
                as_of=TODAY,
                source="telefonata con la geom. Bianchi",
                note="cantiere in ritardo per il ricorso",
            ),
            today=TODAY,
            now=NOW,
        )
        repo.set_publication(
            s,
            public,
            public=True,
            now=NOW,
            story="Una piazza nuova davanti alla stazione.",
            good_practice="Tre comuni e una cooperativa gestiscono insieme gli spazi.",
        )
        hidden = network_application(s, title="Progetto segreto non pubblicato", lead_istat=MILANO, comuni=[])
        fund(s, hidden)
        idea = network_application(s, title="Idea pubblica ma non finanziata")
        repo.set_publication(s, idea, public=True, now=NOW, story="mai")
        s.add(
            models.ReviewRow(
                call_id=CALL_ID,
                project_id="P-RHO",
                reviewer="giulia",
                tag="not_relevant",
                note="verdetto: non pertinente per Rho",
                created_at=NOW,
            )
        )
    return public


def _all_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*")) if p.is_file())


def test_nothing_private_reaches_the_site(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    public = _private_world(sessions)
    out = tmp_path / "sito"
    report = build_site(sessions, out, now=NOW)
    assert report.projects == 1
    text = _all_text(out)
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == []
    page = (out / "progetti" / f"candidatura-{public}.html").read_text(encoding="utf-8")
    for shown in (
        "Rigenerazione in rete Rho-Sesto",
        "Una piazza nuova",
        "Cooperativa sociale Aurora",
        "€ 750.000",
        "Lavori / attività in corso",
        "40%",
        "Avvio lavori",
        "Sesto San Giovanni",
    ):
        assert shown in page
    assert "Tre comuni e una cooperativa" in (out / "buone-pratiche.html").read_text(encoding="utf-8")
    feed = ET.parse(out / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == [
        "Buona pratica: Rigenerazione in rete Rho-Sesto",
        "Aggiornamento: Rigenerazione in rete Rho-Sesto",
    ]
    assert (out / "comuni" / "015182.html").exists() and (out / "temi" / "urban_regeneration.html").exists()


def test_real_catalogue_builds_in_seconds(sqlite_engine, shared_data: Path, tmp_path: Path) -> None:
    from cercabandi.db.session import session_factory

    sessions = session_factory(sqlite_engine)
    import_opendata(sessions, shared_data / "pnrr" / "catalogo_progetti_MI.csv", "pnrr", now=NOW, today=TODAY)
    import_opendata(sessions, shared_data / "periferie2016_cmm_programmi.csv", "periferie2016", now=NOW, today=TODAY)
    started = time.perf_counter()
    report = build_site(sessions, tmp_path / "sito", now=NOW)
    seconds = time.perf_counter() - started
    print(f"site build: {report.projects} projects, {report.files} files, {seconds:.1f} s")
    assert report.projects == 1942 + 6
    assert seconds < 30, f"the site took {seconds:.1f} s"
    comuni = list((tmp_path / "sito" / "comuni").glob("0*.html"))
    assert len(comuni) >= 120
