"""The incremental night: a match step with nothing new or changed reuses the stored matches.

The matcher is the real one; a wrapper counts how often it is fitted and asked to rank, so
"nothing recomputed" is observed, not timed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from factories import add_sources, funding_call
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import ComuneRef, FundingCall, Project
from cercabandi.core.vocab import ApplicantType
from cercabandi.db.repo.calls import upsert_call
from cercabandi.db.repo.matches import active_matches
from cercabandi.db.repo.projects import upsert_projects
from cercabandi.flows.matching_step import match_all
from cercabandi.flows.report import _render_match
from cercabandi.matching.matcher import Matcher


class CountingMatcher(Matcher):
    """The real matcher, counting its fits and rankings."""

    fits = 0
    ranks = 0

    def fit(self, calls: Sequence[FundingCall]) -> Matcher:
        CountingMatcher.fits += 1
        return super().fit(calls)

    def rank(self, projects: Sequence[Project], **kwargs: Any) -> Any:
        CountingMatcher.ranks += 1
        return super().rank(projects, **kwargs)


def _project(pid: str, description: str) -> Project:
    return Project(
        id=pid,
        title="Rigenerazione urbana del quartiere",
        description=description,
        comuni=[ComuneRef(istat="015146", name="Milano")],
        proponent_type=ApplicantType.COMUNE,
    )


def _seed(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions() as session, session.begin():
        add_sources(session)
        upsert_call(session, funding_call("lombardia_bandi", "RLA1", now=now), now=now)
        upsert_call(
            session,
            funding_call("lombardia_bandi", "RLA2", now=now, title="Bando per le biblioteche di quartiere"),
            now=now,
        )
        upsert_projects(session, [_project("p1", "Rigenerazione urbana e inclusione sociale nel quartiere.")], now=now)


def _run(sessions: sessionmaker[Session], now: datetime) -> Any:
    CountingMatcher.fits = CountingMatcher.ranks = 0
    return match_all(sessions, now=now, matcher=CountingMatcher)


def _stored(sessions: sessionmaker[Session]) -> list[tuple[str, str, float, datetime]]:
    with sessions() as session:
        return [(r.call_id, r.project_id, r.score, r.updated_at) for r in active_matches(session)]


def test_second_step_with_nothing_new_reuses_everything(sessions: sessionmaker[Session], now: datetime) -> None:
    _seed(sessions, now)
    first = _run(sessions, now)
    assert (CountingMatcher.fits, CountingMatcher.ranks, first.reused) == (1, 1, False)
    before = _stored(sessions)
    assert before, "the seeded project matches at least one call"

    second = _run(sessions, now + timedelta(hours=24))  # the next night: calls only seen again

    assert (CountingMatcher.fits, CountingMatcher.ranks, second.reused) == (0, 0, True)
    assert _stored(sessions) == before
    assert (second.unchanged, second.new, second.updated) == (len(before), 0, 0)
    assert second.by_source_level == first.by_source_level
    assert [t["call_id"] for t in second.top] == [t["call_id"] for t in first.top]
    console = Console(record=True, width=200)
    _render_match(second.as_dict(), console)
    assert "(reused: nothing new or changed, nothing re-scored)" in console.export_text()


def test_a_changed_call_is_rescored(sessions: sessionmaker[Session], now: datetime) -> None:
    _seed(sessions, now)
    _run(sessions, now)
    changed = funding_call("lombardia_bandi", "RLA2", now=now, title="Bando per la rigenerazione urbana delle piazze")
    with sessions() as session, session.begin():
        upsert_call(session, changed, now=now + timedelta(hours=1))

    again = _run(sessions, now + timedelta(hours=2))

    assert (CountingMatcher.fits, CountingMatcher.ranks, again.reused) == (1, 1, False)
    assert "lombardia_bandi:RLA2" in {call_id for call_id, *_ in _stored(sessions)}


def test_a_changed_project_is_rescored(sessions: sessionmaker[Session], now: datetime) -> None:
    _seed(sessions, now)
    _run(sessions, now)
    with sessions() as session, session.begin():
        upsert_projects(
            session, [_project("p1", "Biblioteche di quartiere e rigenerazione urbana.")], now=now + timedelta(hours=1)
        )

    again = _run(sessions, now + timedelta(hours=2))

    assert (CountingMatcher.fits, CountingMatcher.ranks, again.reused) == (1, 1, False)


def test_a_call_closing_at_now_is_not_reused(sessions: sessionmaker[Session], now: datetime) -> None:
    _seed(sessions, now)
    with sessions() as session, session.begin():
        soon = funding_call("lombardia_bandi", "RLA3", now=now, deadline=now + timedelta(hours=12))
        upsert_call(session, soon, now=now)
    _run(sessions, now)

    later = _run(sessions, now + timedelta(days=1))  # RLA3's deadline has passed: it is no longer rankable

    assert (CountingMatcher.fits, later.reused) == (1, False)
    assert "lombardia_bandi:RLA3" not in {call_id for call_id, *_ in _stored(sessions)}
