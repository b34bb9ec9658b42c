"""Full-text search gives the same answers on SQLite (FTS5) and PostgreSQL (tsvector), kept in step by the store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from cercabandi.core.models import ComuneRef, Deadline, FundingCall, Project
from cercabandi.core.search_text import highlight, query_terms
from cercabandi.core.vocab import Level
from cercabandi.db.models import Call, CallVersion, Source
from cercabandi.db.repo.calls import upsert_call
from cercabandi.db.repo.lists import CallFilters, list_calls, projects_page
from cercabandi.db.repo.projects import upsert_projects


def _call(native_id: str, title: str, now: datetime, *, summary: str = "", applicants: str = "") -> FundingCall:
    return FundingCall(
        id=f"lombardia_bandi:{native_id}",
        source="lombardia_bandi",
        native_id=native_id,
        title=title,
        summary=summary or None,
        body_text=summary,
        applicants_text=applicants or None,
        level=Level.REGIONAL,
        deadlines=[Deadline(at=now + timedelta(days=30))],
        url=f"https://example.org/{native_id}",
        first_seen=now,
        last_seen=now,
    )


@pytest.fixture
def stored(session: Session, now: datetime) -> Session:
    session.add(Source(id="lombardia_bandi", name="Regione Lombardia", url="https://x", level="regional"))
    session.flush()
    calls = [
        _call("A", "Bando per la Città metropolitana di Milano", now, summary="Servizi digitali per i comuni."),
        _call("B", "Rigenerazione urbana dei quartieri", now, summary="Spazi pubblici e luoghi di comunità."),
        _call("C", "Contributi alle imprese artigiane", now, applicants="Possono partecipare le micro imprese."),
        _call("D", "Sostegno alle aree urbane", now, summary="Interventi di rigenerazione del verde."),
    ]
    for call in calls:
        upsert_call(session, call, now=now)
    project = Project(
        id="P1",
        title="Asili nido comunali",
        description="Nuovi posti",
        comuni=[ComuneRef(istat="015146", name="Milano")],
    )
    upsert_projects(session, [project], now=now)
    session.flush()
    return session


def _found(session: Session, question: str, now: datetime) -> set[str]:
    rows, total = list_calls(session, CallFilters(q=question), now, limit=None)
    assert total == len(rows)
    return {row.native_id for row in rows}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("città metropolitana", {"A"}),
        ("citta metropolitana", {"A"}),  # accents do not matter
        ("CITTÀ METROPOLITANA", {"A"}),
        ("rigenerazione urbana", {"B", "D"}),  # D: both words, apart
        ("urbana rigenerazione", {"B", "D"}),  # any word order
        ("quartiere", {"B"}),  # stemmed: quartiere ~ quartieri
        ("micro imprese", {"C"}),  # the applicants' text is searched
        ("luogo pubblico", {"B"}),  # the summary, stemmed
        ("rigenerazione artigiane", set()),  # every word must be found
        ("!!!", set()),
    ],
)
def test_search_on_both_databases(stored: Session, now: datetime, question: str, expected: set[str]) -> None:
    assert _found(stored, question, now) == expected


def test_the_store_keeps_the_index_in_step(stored: Session, now: datetime) -> None:
    changed = _call("C", "Contributi per gli asili nido", now)
    upsert_call(stored, changed, now=now + timedelta(days=1))
    assert _found(stored, "asilo", now) == {"C"}
    assert _found(stored, "artigiane", now) == set()  # the old words are gone from the index
    stored.execute(delete(CallVersion).where(CallVersion.call_id == "lombardia_bandi:C"))
    stored.execute(delete(Call).where(Call.id == "lombardia_bandi:C"))
    assert _found(stored, "asilo", now) == set()


def test_projects_are_found_by_stem(stored: Session) -> None:
    rows, total = projects_page(stored, q="asilo")
    assert total == 1 and rows[0][0].title == "Asili nido comunali"
    assert projects_page(stored, q="nido comunale")[1] == 1
    assert projects_page(stored, q="palestra")[1] == 0


def test_highlight_marks_the_words_found() -> None:
    fragments = highlight("Sono ammessi i Comuni della Città metropolitana.", query_terms("citta metropolitana"))
    assert [f.text for f in fragments if f.hit] == ["Città", "metropolitana"]
    assert "".join(f.text for f in fragments) == "Sono ammessi i Comuni della Città metropolitana."
    assert highlight("Nulla da vedere", query_terms("asilo")) == []
