"""Lists behind the browsing pages: calls (filtered, sorted, paged), projects, comuni."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import Session, selectinload

from cercabandi.core.vocab import CallStatus, ReviewTag
from cercabandi.db.models import (
    Assignment,
    Call,
    Comune,
    MatchRow,
    Project,
    ProjectComune,
    ReviewRow,
)
from cercabandi.db.repo.search import project_search_clause, search_clause
from cercabandi.db.repo.status import status_clause
from cercabandi.db.repo.verdicts import calls_with_tag, calls_with_verdict


class CallSort(StrEnum):
    """Orders of the call list: closing soonest, best match (to a project when one is chosen), newest."""

    DEADLINE = "deadline"
    RELEVANCE = "relevance"
    PUBLISHED = "published"
    NEW = "new"  # first seen by us, newest first (the feeds)


CURRENT = frozenset({CallStatus.OPEN, CallStatus.FORTHCOMING})


@dataclass
class CallFilters:
    source: str | None = None
    level: str | None = None
    statuses: frozenset[CallStatus] = frozenset()  # empty: any status
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    applicant: str | None = None
    tag: str | None = None
    verdict: str | None = None  # relevant | not_relevant | none
    reviewer: str | None = None  # calls this reviewer has judged
    q: str | None = None
    comune: str | None = None  # ISTAT code: calls matched to one of its projects
    project: str | None = None  # calls matched to this project
    amount_min: Decimal | None = None  # total budget at least this
    sort: CallSort = CallSort.DEADLINE


def _applicant_clause(applicant: str) -> ColumnElement[bool]:
    # JSON list of ascii slugs: a quoted match is exact ("comune" never matches "unione_comuni").
    return cast(Call.applicant_types, String).like(f'%"{applicant}"%')


def _field_clauses(session: Session, filters: CallFilters, now: datetime) -> list[ColumnElement[bool]]:
    """Conditions on the call's own columns."""
    clauses: list[ColumnElement[bool]] = []
    if filters.source:
        clauses.append(Call.source_id == filters.source)
    if filters.level:
        clauses.append(Call.level == filters.level)
    if filters.statuses:
        clauses.append(or_(*(status_clause(status, now) for status in sorted(filters.statuses))))
    if filters.deadline_from:
        clauses.append(Call.deadline_at >= filters.deadline_from)
    if filters.deadline_to:
        clauses.append(Call.deadline_at <= filters.deadline_to)
    if filters.applicant:
        clauses.append(_applicant_clause(filters.applicant))
    if filters.amount_min is not None:
        # A float, not a Decimal: SQLite binds Decimals as text, which sorts above every number.
        clauses.append(Call.budget_total >= float(filters.amount_min))
    if filters.q:
        clauses.append(search_clause(session, filters.q))
    return clauses


def _review_clauses(session: Session, filters: CallFilters) -> list[ColumnElement[bool]]:
    """Conditions on what reviewers said."""
    clauses: list[ColumnElement[bool]] = []
    if filters.tag:
        clauses.append(Call.id.in_(calls_with_tag(session, filters.tag)))
    if filters.verdict in (ReviewTag.RELEVANT.value, ReviewTag.NOT_RELEVANT.value):
        clauses.append(Call.id.in_(calls_with_verdict(session, filters.verdict)))
    elif filters.verdict == "none":
        clauses.append(not_(exists().where(ReviewRow.call_id == Call.id)))
    if filters.reviewer:
        clauses.append(exists().where(ReviewRow.call_id == Call.id, ReviewRow.reviewer == filters.reviewer))
    return clauses


def _match_clauses(filters: CallFilters) -> list[ColumnElement[bool]]:
    """Conditions on the matches: calls for a project, or for any project of a comune."""
    clauses: list[ColumnElement[bool]] = []
    active = and_(MatchRow.call_id == Call.id, MatchRow.active.is_(True))
    if filters.project:
        clauses.append(exists().where(active, MatchRow.project_id == filters.project))
    if filters.comune:
        of_comune = select(ProjectComune.project_id).where(ProjectComune.istat == filters.comune)
        clauses.append(exists().where(active, MatchRow.project_id.in_(of_comune)))
    return clauses


def filtered_calls_query(session: Session, filters: CallFilters, now: datetime) -> Select[tuple[Call]]:
    clauses = [*_field_clauses(session, filters, now), *_review_clauses(session, filters), *_match_clauses(filters)]
    return select(Call).where(*clauses)


def _ordered(query: Select[tuple[Call]], filters: CallFilters) -> Select[tuple[Call]]:
    if filters.sort is CallSort.NEW:
        return query.order_by(Call.first_seen.desc(), Call.id)
    if filters.sort is CallSort.PUBLISHED:
        return query.order_by(func.coalesce(Call.opening_date, Call.first_seen).desc(), Call.id)
    if filters.sort is CallSort.RELEVANCE:
        score = select(func.max(MatchRow.score)).where(MatchRow.call_id == Call.id, MatchRow.active.is_(True))
        if filters.project:
            score = score.where(MatchRow.project_id == filters.project)
        best = score.scalar_subquery()
        return query.order_by(best.is_(None), best.desc(), Call.deadline_at, Call.id)
    if filters.statuses == {CallStatus.CLOSED}:  # closed calls: the most recently closed first
        return query.order_by(Call.deadline_at.is_(None), Call.deadline_at.desc(), Call.title, Call.id)
    return query.order_by(Call.deadline_at.is_(None), Call.deadline_at, Call.title, Call.id)


def list_calls(
    session: Session, filters: CallFilters, now: datetime, *, offset: int = 0, limit: int | None = 25
) -> tuple[list[Call], int]:
    """One page of calls in the order asked for, and the total matching the filters."""
    query = filtered_calls_query(session, filters, now)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = _ordered(query, filters).offset(offset)
    if limit is not None:
        ordered = ordered.limit(limit)
    return list(session.scalars(ordered)), total


def best_scores(session: Session, call_ids: Sequence[str]) -> dict[str, float]:
    if not call_ids:
        return {}
    rows = session.execute(
        select(MatchRow.call_id, func.max(MatchRow.score))
        .where(MatchRow.call_id.in_(call_ids), MatchRow.active.is_(True))
        .group_by(MatchRow.call_id)
    )
    return {call_id: float(score) for call_id, score in rows}


def projects_page(
    session: Session, *, q: str | None = None, istat: str | None = None, offset: int = 0, limit: int = 25
) -> tuple[list[tuple[Project, int]], int]:
    """One page of projects (stored rows) with their number of active matches, and the total."""
    counts = (
        select(MatchRow.project_id.label("project_id"), func.count().label("n"))
        .where(MatchRow.active.is_(True))
        .group_by(MatchRow.project_id)
        .subquery()
    )
    query = select(Project, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.project_id == Project.id)
    if q:
        query = query.where(project_search_clause(q))
    if istat:
        query = query.where(exists().where(ProjectComune.project_id == Project.id, ProjectComune.istat == istat))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.options(selectinload(Project.comuni)).order_by(Project.title, Project.id).offset(offset).limit(limit)
    )
    return [(project, int(n)) for project, n in rows], total


def matches_for_project(
    session: Session, project_id: str, *, offset: int = 0, limit: int | None = None
) -> tuple[list[tuple[MatchRow, Call]], int]:
    """The project's active matches, best first (one page with ``limit``), and how many there are."""
    where = and_(MatchRow.project_id == project_id, MatchRow.active.is_(True))
    total = session.scalar(select(func.count()).where(where)) or 0
    query = select(MatchRow, Call).join(Call, Call.id == MatchRow.call_id).where(where).order_by(MatchRow.score.desc())
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [(match, call) for match, call in session.execute(query)], total


def list_comuni(session: Session, *, q: str | None = None) -> list[tuple[Comune, int, int]]:
    """Comuni with their number of projects and of distinct matched calls."""
    projects = (
        select(ProjectComune.istat.label("istat"), func.count().label("n")).group_by(ProjectComune.istat).subquery()
    )
    calls = (
        select(ProjectComune.istat.label("istat"), func.count(func.distinct(MatchRow.call_id)).label("n"))
        .join(MatchRow, and_(MatchRow.project_id == ProjectComune.project_id, MatchRow.active.is_(True)))
        .group_by(ProjectComune.istat)
        .subquery()
    )
    query = (
        select(Comune, func.coalesce(projects.c.n, 0), func.coalesce(calls.c.n, 0))
        .outerjoin(projects, projects.c.istat == Comune.istat)
        .outerjoin(calls, calls.c.istat == Comune.istat)
        .order_by(Comune.name)
    )
    if q:
        query = query.where(Comune.name.ilike(f"%{q.strip()}%"))
    return [(comune, int(p), int(c)) for comune, p, c in session.execute(query)]


def projects_of_comune(
    session: Session, istat: str, *, offset: int = 0, limit: int | None = None
) -> tuple[list[Project], int]:
    """The comune's projects by title (one page with ``limit``), and how many there are."""
    of_comune = select(ProjectComune.project_id).where(ProjectComune.istat == istat)
    total = session.scalar(select(func.count()).select_from(of_comune.subquery())) or 0
    query = select(Project).where(Project.id.in_(of_comune)).order_by(Project.title, Project.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def calls_of_comune(
    session: Session, istat: str, *, offset: int = 0, limit: int | None = None
) -> tuple[list[tuple[Call, float, int]], int]:
    """Calls matched to the comune's projects or assigned to it: best score first, with how many projects.

    A call assigned by staff and never matched has score 0 and 0 projects.
    """
    matched = (
        select(MatchRow.call_id.label("call_id"), MatchRow.score.label("score"), literal(1).label("n"))
        .join(ProjectComune, ProjectComune.project_id == MatchRow.project_id)
        .where(ProjectComune.istat == istat, MatchRow.active.is_(True))
    )
    assigned = select(Assignment.call_id, literal(0.0), literal(0)).where(Assignment.istat == istat)
    both = union_all(matched, assigned).subquery()
    per_call = (
        select(both.c.call_id, func.max(both.c.score).label("score"), func.sum(both.c.n).label("n"))
        .group_by(both.c.call_id)
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(per_call)) or 0
    query = (
        select(Call, per_call.c.score, per_call.c.n)
        .join(per_call, per_call.c.call_id == Call.id)
        .order_by(per_call.c.score.desc(), Call.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(call, float(score), int(n)) for call, score, n in session.execute(query)], total


def comuni_with_projects(session: Session) -> list[Comune]:
    """The comuni that have at least one project in the catalogue, by name (for pickers)."""
    has_projects = exists().where(ProjectComune.istat == Comune.istat)
    return list(session.scalars(select(Comune).where(has_projects).order_by(Comune.name)))
