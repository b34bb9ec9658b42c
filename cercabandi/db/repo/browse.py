"""Read-only queries behind the review application's pages (triage, browse, dashboard, export).

Nothing here writes: verdicts go through ``repo.reviews.record_review``. Status is
derived from the dates and a given ``now`` exactly as ``FundingCall.status`` does,
but in SQL so lists can be filtered and paginated in the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload

from cercabandi.core.sources import SOURCES, is_silent
from cercabandi.core.vocab import CallStatus, ReviewTag
from cercabandi.db.models import (
    Assignment,
    Call,
    CallVersion,
    Comune,
    CrawlRun,
    MatchRow,
    Project,
    ProjectComune,
    Quarantine,
    ReviewRow,
    Source,
)

# ------------------------------------------------------------------ status in SQL


def status_clause(status: CallStatus, now: datetime) -> ColumnElement[bool]:
    """SQL condition equivalent to ``FundingCall.status(now) == status``."""
    not_yet_open = and_(Call.opening_date.is_not(None), Call.opening_date > now)
    past_deadline = and_(Call.deadline_at.is_not(None), Call.deadline_at < now)
    closed = or_(Call.closed_by_publisher.is_(True), and_(not_(not_yet_open), past_deadline))
    if status is CallStatus.CLOSED:
        return closed
    if status is CallStatus.FORTHCOMING:
        return and_(Call.closed_by_publisher.is_(False), not_yet_open)
    return and_(not_(closed), not_(not_yet_open))


def sql_status(call: Call, now: datetime) -> CallStatus:
    """The same rule in Python for a loaded row (no need to validate the whole FundingCall)."""
    if call.closed_by_publisher:
        return CallStatus.CLOSED
    if call.opening_date is not None and now < call.opening_date:
        return CallStatus.FORTHCOMING
    if call.deadline_at is not None and call.deadline_at < now:
        return CallStatus.CLOSED
    return CallStatus.OPEN


# --------------------------------------------------------------------- verdicts


@dataclass
class Verdicts:
    """The current verdict of each reviewer on a call (their latest review of it)."""

    by_reviewer: dict[str, ReviewRow] = field(default_factory=dict)

    @property
    def relevant(self) -> int:
        return sum(1 for r in self.by_reviewer.values() if r.tag == ReviewTag.RELEVANT.value)

    @property
    def not_relevant(self) -> int:
        return sum(1 for r in self.by_reviewer.values() if r.tag == ReviewTag.NOT_RELEVANT.value)

    @property
    def reviewers(self) -> int:
        return len(self.by_reviewer)

    @property
    def agreement(self) -> float | None:
        """Share of reviewers holding the majority verdict; None with fewer than two reviewers."""
        if self.reviewers < 2:
            return None
        return max(self.relevant, self.not_relevant) / self.reviewers

    @property
    def unanimous(self) -> bool:
        return self.reviewers >= 2 and (self.relevant == 0 or self.not_relevant == 0)

    @property
    def themes(self) -> list[str]:
        counts: Counter[str] = Counter()
        for review in self.by_reviewer.values():
            counts.update(review.themes or [])
        return [theme for theme, _ in counts.most_common()]


def verdicts_for(session: Session, call_ids: Iterable[str] | None = None) -> dict[str, Verdicts]:
    """Current verdicts per call (all calls when ``call_ids`` is None)."""
    query = select(ReviewRow).order_by(ReviewRow.created_at, ReviewRow.id)
    if call_ids is not None:
        ids = list(call_ids)
        if not ids:
            return {}
        query = query.where(ReviewRow.call_id.in_(ids))
    result: dict[str, Verdicts] = defaultdict(Verdicts)
    for review in session.scalars(query):
        result[review.call_id].by_reviewer[review.reviewer] = review
    return dict(result)


def calls_with_tag(session: Session, tag: str) -> set[str]:
    wanted = tag.strip().lower()
    return {
        call_id
        for call_id, verdicts in verdicts_for(session).items()
        if any(wanted == theme.lower() for theme in verdicts.themes)
    }


def calls_with_verdict(session: Session, verdict: str) -> set[str]:
    """Calls some reviewer currently holds ``relevant`` / ``not_relevant``; ``none``: not reviewed."""
    verdicts = verdicts_for(session)
    if verdict == ReviewTag.RELEVANT.value:
        return {cid for cid, v in verdicts.items() if v.relevant}
    if verdict == ReviewTag.NOT_RELEVANT.value:
        return {cid for cid, v in verdicts.items() if v.not_relevant}
    return set(verdicts)


def known_tags(session: Session) -> list[str]:
    tags: Counter[str] = Counter()
    for themes in session.scalars(select(ReviewRow.themes)):
        tags.update(themes or [])
    for themes in session.scalars(select(Project.themes)):
        tags.update(themes or [])
    return sorted(tags)


# ------------------------------------------------------------------ call lists


@dataclass
class CallFilters:
    source: str | None = None
    level: str | None = None
    status: CallStatus | None = None
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    applicant: str | None = None
    tag: str | None = None
    verdict: str | None = None  # relevant | not_relevant | none
    reviewer: str | None = None  # calls this reviewer has judged
    q: str | None = None


def _applicant_clause(applicant: str) -> ColumnElement[bool]:
    # JSON list of ascii slugs: a quoted match is exact ("comune" never matches "unione_comuni").
    return cast(Call.applicant_types, String).like(f'%"{applicant}"%')


def filtered_calls_query(session: Session, filters: CallFilters, now: datetime) -> Select[tuple[Call]]:
    query = select(Call)
    if filters.source:
        query = query.where(Call.source_id == filters.source)
    if filters.level:
        query = query.where(Call.level == filters.level)
    if filters.status:
        query = query.where(status_clause(filters.status, now))
    if filters.deadline_from:
        query = query.where(Call.deadline_at >= filters.deadline_from)
    if filters.deadline_to:
        query = query.where(Call.deadline_at <= filters.deadline_to)
    if filters.applicant:
        query = query.where(_applicant_clause(filters.applicant))
    if filters.tag:
        query = query.where(Call.id.in_(calls_with_tag(session, filters.tag)))
    if filters.verdict in (ReviewTag.RELEVANT.value, ReviewTag.NOT_RELEVANT.value):
        query = query.where(Call.id.in_(calls_with_verdict(session, filters.verdict)))
    elif filters.verdict == "none":
        query = query.where(not_(exists().where(ReviewRow.call_id == Call.id)))
    if filters.reviewer:
        query = query.where(exists().where(ReviewRow.call_id == Call.id, ReviewRow.reviewer == filters.reviewer))
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(
            or_(
                Call.title.ilike(pattern),
                Call.issuer.ilike(pattern),
                Call.programme.ilike(pattern),
                Call.id.ilike(pattern),
            )
        )
    return query


def list_calls(
    session: Session, filters: CallFilters, now: datetime, *, offset: int = 0, limit: int | None = 25
) -> tuple[list[Call], int]:
    """One page of calls (deadline first, undated last) and the total matching the filters."""
    query = filtered_calls_query(session, filters, now)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Call.deadline_at.is_(None), Call.deadline_at, Call.title, Call.id).offset(offset)
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


# ----------------------------------------------------------------------- triage


@dataclass
class QueueItem:
    """One line of the queue: light columns only (a call's full ``data`` is loaded when shown)."""

    call_id: str
    title: str
    score: float
    projects: int


def triage_queue(session: Session, reviewer: str, now: datetime) -> list[QueueItem]:
    """Candidate calls the reviewer has not judged yet: matched, open or forthcoming.

    Best match score first, then the nearest deadline (undated last).
    """
    best = (
        select(
            MatchRow.call_id.label("call_id"),
            func.max(MatchRow.score).label("score"),
            func.count(MatchRow.project_id).label("projects"),
        )
        .where(MatchRow.active.is_(True))
        .group_by(MatchRow.call_id)
        .subquery()
    )
    reviewed = exists().where(ReviewRow.call_id == Call.id, ReviewRow.reviewer == reviewer)
    rows = session.execute(
        select(Call.id, Call.title, best.c.score, best.c.projects)
        .join(best, best.c.call_id == Call.id)
        .where(not_(reviewed), not_(status_clause(CallStatus.CLOSED, now)))
        .order_by(best.c.score.desc(), Call.deadline_at.is_(None), Call.deadline_at, Call.id)
    )
    return [
        QueueItem(call_id=call_id, title=title, score=float(score), projects=int(n))
        for call_id, title, score, n in rows
    ]


def matches_for_call(session: Session, call_id: str) -> list[tuple[MatchRow, Project]]:
    rows = session.execute(
        select(MatchRow, Project)
        .join(Project, Project.id == MatchRow.project_id)
        .where(MatchRow.call_id == call_id, MatchRow.active.is_(True))
        .options(selectinload(Project.comuni))
        .order_by(MatchRow.score.desc(), Project.title)
    )
    return [(match, project) for match, project in rows]


@dataclass
class NetworkSuggestion:
    comune: Comune
    project: Project
    score: float


def projects_in_network(matches: Sequence[tuple[MatchRow, Project]]) -> list[NetworkSuggestion]:
    """Matched projects of different comuni, best first: candidates for a joint application.

    The same rule as the matcher's ``projects_in_network``, read from the stored ranking:
    each comune contributes its best project once; empty unless two or more qualify.
    """
    members: list[NetworkSuggestion] = []
    seen: set[str] = set()
    for match, project in sorted(matches, key=lambda mp: -mp[0].score):
        codes = {c.istat for c in project.comuni}
        if not codes or codes & seen:
            continue  # no comune, or that comune already has a better project here
        seen |= codes
        members.append(NetworkSuggestion(comune=project.comuni[0], project=project, score=match.score))
    return members if len(members) >= 2 else []


def versions_for_call(session: Session, call_id: str) -> list[CallVersion]:
    return list(
        session.scalars(select(CallVersion).where(CallVersion.call_id == call_id).order_by(CallVersion.version.desc()))
    )


def assignments_for_call(session: Session, call_id: str) -> list[Assignment]:
    return list(
        session.scalars(select(Assignment).where(Assignment.call_id == call_id).order_by(Assignment.created_at))
    )


def duplicates_of(session: Session, call: Call) -> list[Call]:
    """Other calls linked to the same canonical call (cross-source duplicates)."""
    canonical = call.canonical_id or call.id
    return list(
        session.scalars(
            select(Call).where(or_(Call.canonical_id == canonical, Call.id == canonical), Call.id != call.id)
        )
    )


def disagreements(session: Session) -> list[tuple[Call, Verdicts]]:
    """Calls judged by at least two reviewers, least agreement first."""
    verdicts = {cid: v for cid, v in verdicts_for(session).items() if v.reviewers >= 2}
    if not verdicts:
        return []
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(list(verdicts))))}
    pairs = [(calls[cid], v) for cid, v in verdicts.items() if cid in calls]
    return sorted(pairs, key=lambda p: (p[1].agreement or 0, -p[1].reviewers, p[0].title))


# ------------------------------------------------------------- projects & comuni


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
        pattern = f"%{q.strip()}%"
        query = query.where(
            or_(Project.title.ilike(pattern), Project.id.ilike(pattern), Project.proponent.ilike(pattern))
        )
    if istat:
        query = query.where(exists().where(ProjectComune.project_id == Project.id, ProjectComune.istat == istat))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.options(selectinload(Project.comuni)).order_by(Project.title, Project.id).offset(offset).limit(limit)
    )
    return [(project, int(n)) for project, n in rows], total


def matches_for_project(session: Session, project_id: str) -> list[tuple[MatchRow, Call]]:
    rows = session.execute(
        select(MatchRow, Call)
        .join(Call, Call.id == MatchRow.call_id)
        .where(MatchRow.project_id == project_id, MatchRow.active.is_(True))
        .order_by(MatchRow.score.desc())
    )
    return [(match, call) for match, call in rows]


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


def projects_of_comune(session: Session, istat: str) -> list[Project]:
    return list(
        session.scalars(
            select(Project)
            .join(ProjectComune, ProjectComune.project_id == Project.id)
            .where(ProjectComune.istat == istat)
            .order_by(Project.title)
        )
    )


def calls_of_comune(session: Session, istat: str) -> list[tuple[Call, float, list[str]]]:
    """Calls matched to the comune's projects (best score, project titles) and calls assigned to it."""
    rows = session.execute(
        select(Call, MatchRow.score, Project.title)
        .join(MatchRow, and_(MatchRow.call_id == Call.id, MatchRow.active.is_(True)))
        .join(Project, Project.id == MatchRow.project_id)
        .join(ProjectComune, ProjectComune.project_id == Project.id)
        .where(ProjectComune.istat == istat)
    )
    found: dict[str, tuple[Call, float, list[str]]] = {}
    for call, score, title in rows:
        if call.id in found:
            _, best, titles = found[call.id]
            found[call.id] = (call, max(best, float(score)), [*titles, title])
        else:
            found[call.id] = (call, float(score), [title])
    for call in session.scalars(
        select(Call).join(Assignment, Assignment.call_id == Call.id).where(Assignment.istat == istat)
    ):
        found.setdefault(call.id, (call, 0.0, []))
    return sorted(found.values(), key=lambda item: -item[1])


# --------------------------------------------------------------------- dashboard


def closing_soon(session: Session, now: datetime, days: int = 30) -> list[Call]:
    return list(
        session.scalars(
            select(Call)
            .where(
                Call.deadline_at >= now,
                Call.deadline_at <= now + timedelta(days=days),
                Call.closed_by_publisher.is_(False),
            )
            .order_by(Call.deadline_at)
        )
    )


def new_since(session: Session, since: datetime) -> list[Call]:
    return list(session.scalars(select(Call).where(Call.first_seen >= since).order_by(Call.first_seen.desc())))


@dataclass
class ReviewProgress:
    candidates: int  # open or forthcoming calls with an active match
    reviewed: int  # ... that someone has judged
    reviews_this_week: int
    by_reviewer: list[tuple[str, int]]  # reviews this week, most active first

    @property
    def share(self) -> float:
        return self.reviewed / self.candidates if self.candidates else 0.0


def review_progress(session: Session, now: datetime) -> ReviewProgress:
    candidate_ids = set(
        session.scalars(
            select(Call.id)
            .where(exists().where(MatchRow.call_id == Call.id, MatchRow.active.is_(True)))
            .where(not_(status_clause(CallStatus.CLOSED, now)))
        )
    )
    reviewed_ids = set(session.scalars(select(ReviewRow.call_id).distinct()))
    week_ago = now - timedelta(days=7)
    week = session.execute(
        select(ReviewRow.reviewer, func.count())
        .where(ReviewRow.created_at >= week_ago)
        .group_by(ReviewRow.reviewer)
        .order_by(func.count().desc(), ReviewRow.reviewer)
    ).all()
    return ReviewProgress(
        candidates=len(candidate_ids),
        reviewed=len(candidate_ids & reviewed_ids),
        reviews_this_week=sum(int(n) for _, n in week),
        by_reviewer=[(str(name), int(n)) for name, n in week],
    )


@dataclass
class SourceHealth:
    id: str
    name: str
    state: str  # ok | failing | silent | never
    last_success_at: datetime | None
    last_item_count: int | None
    last_run: CrawlRun | None
    runs: list[CrawlRun]  # most recent last, for the chart
    problems: list[str]
    quarantined: int = 0  # records that could not be normalised, not yet resolved


def source_health(session: Session, now: datetime, *, runs: int = 14) -> list[SourceHealth]:
    """Every known source: last successful crawl, items, and whether it is failing or silent.

    Problems first (failing, silent, never crawled), then healthy sources, by name.
    """
    sources = {s.id: s for s in session.scalars(select(Source))}
    ids = sorted(set(sources) | set(SOURCES))
    quarantined: dict[str, int] = {
        source_id: int(n)
        for source_id, n in session.execute(
            select(Quarantine.source_id, func.count())
            .where(Quarantine.resolved_at.is_(None))
            .group_by(Quarantine.source_id)
        )
    }
    result: list[SourceHealth] = []
    for source_id in ids:
        row = sources.get(source_id)
        info = SOURCES.get(source_id)
        recent = list(
            session.scalars(
                select(CrawlRun)
                .where(CrawlRun.source_id == source_id)
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                .limit(runs)
            )
        )
        recent.reverse()
        last_run = recent[-1] if recent else None
        last_success = row.last_success_at if row else None
        if last_success is None:
            successes = [r.finished_at or r.started_at for r in recent if r.status == "ok"]
            last_success = max(successes) if successes else None
        problems = [str(p) for p in (last_run.problems if last_run else [])]
        if last_run is None and last_success is None:
            state = "never"
        elif last_run is not None and last_run.status in ("failing", "failed"):
            state = "failing"
        elif is_silent(source_id, last_success, now):
            state = "silent"
        else:
            state = "ok"
        result.append(
            SourceHealth(
                id=source_id,
                name=row.name if row else (info.name if info else source_id),
                state=state,
                last_success_at=last_success,
                last_item_count=row.last_item_count
                if row and row.last_item_count is not None
                else (last_run.items if last_run else None),
                last_run=last_run,
                runs=recent,
                problems=problems,
                quarantined=int(quarantined.get(source_id, 0)),
            )
        )
    severity = {"failing": 0, "silent": 1, "never": 2, "ok": 3}
    result.sort(key=lambda h: (severity[h.state], h.name.lower()))
    return result


def deadlines_per_week(session: Session, now: datetime, weeks: int = 8) -> list[tuple[datetime, int]]:
    """How many calls close in each of the next ``weeks`` weeks (week start, count)."""
    end = now + timedelta(weeks=weeks)
    deadlines = list(
        session.scalars(
            select(Call.deadline_at).where(
                Call.deadline_at >= now, Call.deadline_at < end, Call.closed_by_publisher.is_(False)
            )
        )
    )
    buckets = [0] * weeks
    for deadline in deadlines:
        if deadline is not None:
            buckets[min(int((deadline - now).total_seconds() // (7 * 86400)), weeks - 1)] += 1
    return [(now + timedelta(weeks=i), n) for i, n in enumerate(buckets)]


# ------------------------------------------------------------------------ export


def relevant_calls_with_deadlines(session: Session) -> list[Call]:
    """Calls some reviewer currently tags 'pertinente' that have a deadline (for the ICS feed)."""
    ids = calls_with_verdict(session, ReviewTag.RELEVANT.value)
    if not ids:
        return []
    return list(
        session.scalars(select(Call).where(Call.id.in_(ids), Call.deadline_at.is_not(None)).order_by(Call.deadline_at))
    )
