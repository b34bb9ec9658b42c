"""The matches store on SQLite and PostgreSQL: idempotent, first match kept, drop-outs deactivated."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cercabandi.core.models import GateResult, Match, TermContribution
from cercabandi.db.models import MatchRow, Project
from cercabandi.db.repo import calls as calls_repo
from cercabandi.db.repo.matches import active_matches, match_from_row, store_matches
from tests.flows.factories import add_sources, funding_call


def _setup(session: Session, now: datetime) -> None:
    add_sources(session)
    for native in ("A", "B", "C"):
        calls_repo.upsert_call(session, funding_call(native_id=native, now=now), now=now)
    for pid in ("P1", "P2"):
        session.add(Project(id=pid, title=f"Progetto {pid}", created_at=now, updated_at=now))
    session.flush()


def _match(call: str, project: str, score: float, rank: int) -> Match:
    return Match(
        call_id=f"lombardia_bandi:{call}",
        project_id=project,
        score=score,
        rank=rank,
        terms=[TermContribution(term="rigener", weight=0.4)],
        gates=[GateResult(gate="status", passed=True, reason="open until 2027-01-20")],
        unknowns=["eligible applicants not stated"],
    )


def test_storing_twice_changes_nothing(session: Session, now: datetime) -> None:
    _setup(session, now)
    ranking = [_match("A", "P1", 0.8, 1), _match("B", "P1", 0.5, 2), _match("A", "P2", 0.3, 1)]
    first = store_matches(session, ranking, now=now, matcher_version="t1")
    assert (first.new, first.unchanged) == (3, 0)
    second = store_matches(session, ranking, now=now + timedelta(days=1), matcher_version="t1")
    assert (second.new, second.updated, second.unchanged, second.deactivated) == (0, 0, 3, 0)
    assert session.scalar(select(func.count()).select_from(MatchRow)) == 3
    best = active_matches(session, project_id="P1")
    assert [row.call_id for row in best] == ["lombardia_bandi:A", "lombardia_bandi:B"]
    assert match_from_row(best[0]) == ranking[0]
    assert best[0].updated_at == now  # untouched by the identical second store


def test_drop_outs_are_deactivated_and_first_match_kept(session: Session, now: datetime) -> None:
    _setup(session, now)
    store_matches(session, [_match("A", "P1", 0.8, 1), _match("B", "P1", 0.5, 2)], now=now, matcher_version="t1")
    later = now + timedelta(days=1)
    # B drops out of P1's ranking, C enters, A's score moves; P2 was not ranked and is untouched.
    result = store_matches(
        session, [_match("A", "P1", 0.7, 1), _match("C", "P1", 0.6, 2)], now=later, matcher_version="t1"
    )
    assert (result.new, result.updated, result.deactivated) == (1, 1, 1)
    rows = {row.call_id: row for row in session.scalars(select(MatchRow))}
    assert rows["lombardia_bandi:B"].active is False
    assert rows["lombardia_bandi:A"].first_matched_at == now and rows["lombardia_bandi:A"].score == 0.7
    assert rows["lombardia_bandi:C"].first_matched_at == later

    # B comes back: reactivated, still first matched on the first night.
    result = store_matches(
        session,
        [_match("A", "P1", 0.7, 1), _match("B", "P1", 0.65, 2)],
        now=later + timedelta(days=1),
        matcher_version="t1",
    )
    assert (result.reactivated, result.deactivated) == (1, 1)
    assert rows["lombardia_bandi:B"].active and rows["lombardia_bandi:B"].first_matched_at == now


def test_ranking_a_project_with_no_matches_deactivates_its_matches(session: Session, now: datetime) -> None:
    _setup(session, now)
    store_matches(session, [_match("A", "P1", 0.8, 1), _match("A", "P2", 0.4, 1)], now=now, matcher_version="t1")
    result = store_matches(session, [], now=now, matcher_version="t1", project_ids=["P1"])
    assert result.deactivated == 1
    assert [row.project_id for row in active_matches(session)] == ["P2"]
