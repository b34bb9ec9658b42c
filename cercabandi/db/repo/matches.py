"""The matches store: one row per (call, project), kept across nights.

Storing the same ranking twice changes nothing; a pair keeps the time it was first
matched; a pair that drops out of a project's ranking is deactivated (not deleted, so
reviews and digests can still point at it) and reactivated if it comes back.
The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.models import GateResult, Match, TermContribution
from cercabandi.db.models import MatchRow


@dataclass(frozen=True)
class MatchStoreResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reactivated: int = 0
    deactivated: int = 0


def explanation_of(match: Match) -> dict[str, Any]:
    return {
        "terms": [t.model_dump(mode="json") for t in match.terms],
        "gates": [g.model_dump(mode="json") for g in match.gates],
        "unknowns": list(match.unknowns),
    }


def store_matches(
    session: Session,
    matches: Sequence[Match],
    *,
    now: datetime,
    matcher_version: str,
    project_ids: Iterable[str] | None = None,
) -> MatchStoreResult:
    """Store a ranking. ``project_ids`` are the projects that were ranked (default: those in
    ``matches``): their active matches missing from ``matches`` are deactivated.
    """
    scope = set(project_ids) if project_ids is not None else {m.project_id for m in matches}
    wanted: dict[tuple[str, str], Match] = {}
    for match in matches:
        key = (match.call_id, match.project_id)
        if key not in wanted or match.score > wanted[key].score:
            wanted[key] = match
    existing = _existing_matches(session, sorted(scope | {p for _, p in wanted}))
    counts = {"new": 0, "updated": 0, "unchanged": 0, "reactivated": 0, "deactivated": 0}
    for key, match in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(_new_row(match, now=now, matcher_version=matcher_version))
            counts["new"] += 1
        else:
            counts[_refresh(row, match, now=now, matcher_version=matcher_version)] += 1
    for key, row in existing.items():
        if key not in wanted and row.active and row.project_id in scope:
            row.active = False
            row.updated_at = now
            counts["deactivated"] += 1
    session.flush()
    return MatchStoreResult(**counts)


def _existing_matches(session: Session, project_ids: Sequence[str]) -> dict[tuple[str, str], MatchRow]:
    existing: dict[tuple[str, str], MatchRow] = {}
    for start in range(0, len(project_ids), 500):
        query = select(MatchRow).where(MatchRow.project_id.in_(project_ids[start : start + 500]))
        for found in session.scalars(query):
            existing[(found.call_id, found.project_id)] = found
    return existing


def _new_row(match: Match, *, now: datetime, matcher_version: str) -> MatchRow:
    return MatchRow(
        call_id=match.call_id,
        project_id=match.project_id,
        score=match.score,
        rank=match.rank,
        explanation=explanation_of(match),
        matcher_version=matcher_version,
        first_matched_at=now,
        updated_at=now,
        active=True,
    )


def _refresh(row: MatchRow, match: Match, *, now: datetime, matcher_version: str) -> str:
    """Bring a stored match up to date; says which count it adds to."""
    explanation = explanation_of(match)
    same = (
        row.active
        and abs(row.score - match.score) < 1e-9
        and row.rank == match.rank
        and row.explanation == explanation
        and row.matcher_version == matcher_version
    )
    if same:
        return "unchanged"
    outcome = "updated" if row.active else "reactivated"
    row.score, row.rank, row.explanation = match.score, match.rank, explanation
    row.matcher_version, row.updated_at, row.active = matcher_version, now, True
    return outcome


def match_from_row(row: MatchRow) -> Match:
    explanation = row.explanation or {}
    return Match(
        call_id=row.call_id,
        project_id=row.project_id,
        score=row.score,
        rank=row.rank,
        terms=[TermContribution.model_validate(t) for t in explanation.get("terms", [])],
        gates=[GateResult.model_validate(g) for g in explanation.get("gates", [])],
        unknowns=list(explanation.get("unknowns", [])),
    )


def active_matches(
    session: Session, *, project_id: str | None = None, call_id: str | None = None, limit: int | None = None
) -> list[MatchRow]:
    """Active matches, best first."""
    query = select(MatchRow).where(MatchRow.active.is_(True))
    if project_id is not None:
        query = query.where(MatchRow.project_id == project_id)
    if call_id is not None:
        query = query.where(MatchRow.call_id == call_id)
    query = query.order_by(MatchRow.score.desc(), MatchRow.call_id, MatchRow.project_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
