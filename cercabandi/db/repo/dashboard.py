"""The dashboard's figures: closing soon, new this week, review progress, source health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, not_, select
from sqlalchemy.orm import Session

from cercabandi.core.sources import SOURCES, is_silent
from cercabandi.core.vocab import CallStatus
from cercabandi.db.models import (
    Call,
    CrawlRun,
    MatchRow,
    Quarantine,
    ReviewRow,
    Source,
)
from cercabandi.db.repo.status import status_clause


def closing_soon(session: Session, now: datetime, days: int = 30, *, limit: int = 12) -> tuple[list[Call], int]:
    """The first ``limit`` calls closing within ``days``, soonest first, and how many close then."""
    where = and_(
        Call.deadline_at >= now, Call.deadline_at <= now + timedelta(days=days), Call.closed_by_publisher.is_(False)
    )
    total = session.scalar(select(func.count()).select_from(Call).where(where)) or 0
    calls = session.scalars(select(Call).where(where).order_by(Call.deadline_at, Call.id).limit(limit))
    return list(calls), total


def new_since(session: Session, since: datetime, now: datetime, *, limit: int = 8) -> tuple[list[Call], int]:
    """Calls first seen since ``since`` that one can still apply to (open or forthcoming), and how many.

    Newest first; among calls seen at the same time (a first crawl sees hundreds at once),
    the one closing soonest first, so the list is worth reading.
    """
    where = and_(Call.first_seen >= since, not_(status_clause(CallStatus.CLOSED, now)))
    total = session.scalar(select(func.count()).select_from(Call).where(where)) or 0
    order = (func.date(Call.first_seen).desc(), Call.deadline_at.is_(None), Call.deadline_at, Call.id)
    return list(session.scalars(select(Call).where(where).order_by(*order).limit(limit))), total


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
    state: str  # ok | degraded | failing | silent | never
    last_success_at: datetime | None
    last_item_count: int | None
    last_run: CrawlRun | None
    runs: list[CrawlRun]  # most recent last, for the chart
    problems: list[str]
    quarantined: int = 0  # records that could not be normalised, not yet resolved


def health_state(source_id: str, last_run: CrawlRun | None, last_success: datetime | None, now: datetime) -> str:
    """never, failing, degraded (read by the generic fallback), silent or ok: the dashboard's word for a source."""
    if last_run is None and last_success is None:
        return "never"
    if last_run is not None and last_run.status in ("failing", "failed"):
        return "failing"
    if last_run is not None and last_run.status == "degraded":
        return "degraded"
    return "silent" if is_silent(source_id, last_success, now) else "ok"


def source_health(session: Session, now: datetime, *, runs: int = 14) -> list[SourceHealth]:
    """Every known source: last successful crawl, items, and whether it is failing or silent.

    Problems first (failing, degraded, silent, never crawled), then healthy sources, by name.
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
        result.append(
            SourceHealth(
                id=source_id,
                name=row.name if row else (info.name if info else source_id),
                state=health_state(source_id, last_run, last_success, now),
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
    severity = {"failing": 0, "degraded": 1, "silent": 2, "never": 3, "ok": 4}
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
