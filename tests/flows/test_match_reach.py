"""The match step says whether EU calls reach our projects: EU calls with a text, matches by source and level."""

from __future__ import annotations

from datetime import datetime

from factories import add_sources, funding_call
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import ComuneRef, Project
from cercabandi.core.vocab import ApplicantType
from cercabandi.db.repo.calls import upsert_call
from cercabandi.db.repo.projects import upsert_projects
from cercabandi.flows.matching_step import match_all
from cercabandi.flows.report import _render_reach


def test_match_summary_counts_eu_texts_and_matches_by_source_and_level(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    english = "Urban regeneration of deprived neighbourhoods and social inclusion of vulnerable people."
    calls = [
        funding_call("eu_sedia", "URBAN-TEXT", now=now, title="Urban regeneration and social inclusion").model_copy(
            update={"body_text": english}
        ),
        funding_call("eu_sedia", "TITLE-ONLY", now=now, title="Space weather services").model_copy(
            update={"body_text": ""}
        ),
        funding_call("lombardia_bandi", "RLA1", now=now),
    ]
    project = Project(
        id="p1",
        title="Rigenerazione urbana del quartiere",
        description="Rigenerazione urbana e inclusione sociale nel quartiere, con i servizi per le persone fragili.",
        comuni=[ComuneRef(istat="015146", name="Milano")],
        proponent_type=ApplicantType.COMUNE,
    )
    with sessions() as session, session.begin():
        add_sources(session)
        for call in calls:
            upsert_call(session, call, now=now)
        upsert_projects(session, [project], now=now)

    summary = match_all(sessions, now=now)

    assert (summary.eu_calls, summary.eu_calls_with_text) == (2, 1)
    assert summary.by_source_level == {"eu_sedia/eu": 1, "lombardia_bandi/regional": 1}
    console = Console(record=True, width=200)
    _render_reach(summary.as_dict(), console)
    text = console.export_text()
    assert "EU calls with a text (not only a title): 1 of 2" in text
    assert "Active matches by source/level: eu_sedia/eu 1 (50%), lombardia_bandi/regional 1 (50%)" in text
