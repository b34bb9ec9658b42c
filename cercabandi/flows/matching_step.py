"""The match step: rank the stored calls for every project of the catalogue and store the matches.

Calls, projects and reviews are read through ``db.repo`` as canonical models. Only canonical calls (not the other announcements of a duplicate) that are not closed by the
publisher, past their last deadline or missing from their source are ranked; the matcher's
own gates then explain what else it drops. Volunteers' reviews are passed as feedback.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import FundingCall, Match, Project, Review
from cercabandi.core.vocab import Level, ProjectStage
from cercabandi.db.repo.calls import rankable_calls
from cercabandi.db.repo.match_inputs import last_fingerprint, record_fingerprint
from cercabandi.db.repo.matches import active_matches, match_from_row, store_matches
from cercabandi.db.repo.projects import list_projects
from cercabandi.db.repo.reviews import project_reviews
from cercabandi.flows.progress import report

DEFAULT_K = 20


class Ranker(Protocol):
    """The match stage (``cercabandi.matching.Matcher``): fitted on the calls, ranks the projects."""

    @property
    def version(self) -> str: ...

    def fit(self, calls: Sequence[FundingCall]) -> Ranker: ...

    def rank(
        self, projects: Sequence[Project], *, k: int, now: datetime, feedback: Sequence[Review]
    ) -> Sequence[Match]: ...


MatcherFactory = Callable[[], Ranker]


def tfidf_matcher() -> Ranker:
    """The real matcher, imported only when matching runs (scikit-learn is slow to load)."""
    from cercabandi.matching.matcher import Matcher

    return Matcher()


@dataclass
class MatchSummary:
    calls: int = 0
    projects: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reactivated: int = 0
    deactivated: int = 0
    matcher_version: str = ""
    top: list[dict[str, Any]] = field(default_factory=list)  # best new matches, for the report
    eu_calls: int = 0  # open EU calls ranked, and how many of them had a text beyond the title
    eu_calls_with_text: int = 0
    by_source_level: dict[str, int] = field(default_factory=dict)  # "source/level" -> active matches
    reused: bool = False  # nothing changed since the last step: its matches were kept, nothing re-scored
    seconds: float = 0.0  # wall time of the whole step

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _count_reach(summary: MatchSummary, calls: list[FundingCall], ranked: Sequence[Match]) -> None:
    """Whether EU calls reach our projects at all: EU calls with a text, matches by source and level."""
    eu = [c for c in calls if c.level is Level.EU]
    summary.eu_calls = len(eu)
    summary.eu_calls_with_text = sum(1 for c in eu if (c.body_text or c.summary or "").strip())
    kind = {c.id: f"{c.source}/{c.level.value}" for c in calls}
    counts = Counter(kind.get(m.call_id, "unknown") for m in ranked)
    summary.by_source_level = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def match_all(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    k: int = DEFAULT_K,
    matcher: MatcherFactory = tfidf_matcher,
    top: int = 10,
) -> MatchSummary:
    """Fit the matcher on the rankable calls, rank every project, store the matches.

    When nothing it depends on changed since the last step (same fingerprint of calls,
    projects, reviews, matcher version and k), the stored matches are reused: no fit, no scores.
    """
    # Imported here, like the matcher: the matching package loads scikit-learn.
    from cercabandi.matching.fingerprint import inputs_fingerprint

    started = time.perf_counter()
    ranker = matcher()
    version = ranker.version
    report("match", "start", note="reading the open calls and the catalogue")
    with sessions() as session:
        calls = rankable_calls(session, now)
        # Projects still looking for funds: completed ones are not ranked.
        projects = [p for p in list_projects(session) if p.stage is not ProjectStage.COMPLETED]
        feedback = project_reviews(session)
        fingerprint = inputs_fingerprint(calls, projects, feedback, now=now, k=k, matcher_version=version)
        reused = fingerprint == last_fingerprint(session)
        stored_matches = [match_from_row(r) for r in active_matches(session)] if reused else []
    summary = MatchSummary(calls=len(calls), projects=len(projects), matcher_version=version, reused=reused)
    ranked: Sequence[Match]
    if reused:
        ranked = stored_matches
        summary.unchanged = len(ranked)
    else:
        ranked = _rank_and_store(sessions, summary, ranker, calls, projects, feedback, now=now, k=k)
        with sessions() as session, session.begin():
            record_fingerprint(session, fingerprint, matcher_version=version, now=now)
    _count_reach(summary, calls, ranked)
    how = "reused, nothing new or changed" if reused else f"{summary.new:,} new, {summary.deactivated:,} dropped out"
    report("match", "done", note=f"{len(ranked):,} matches: {how}")
    _top(summary, calls, projects, ranked, top)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _rank_and_store(
    sessions: sessionmaker[Session],
    summary: MatchSummary,
    ranker: Ranker,
    calls: list[FundingCall],
    projects: list[Project],
    feedback: list[Review],
    *,
    now: datetime,
    k: int,
) -> Sequence[Match]:
    ranked: Sequence[Match] = []
    if calls and projects:
        report("match", "update", note=f"fitting the matcher on {len(calls):,} open calls")
        fitted = ranker.fit(calls)
        report("match", "update", note=f"ranking the calls for {len(projects):,} projects")
        ranked = fitted.rank(projects, k=k, now=now, feedback=feedback)
    report("match", "update", note=f"storing {len(ranked):,} matches")
    with sessions() as session, session.begin():
        stored = store_matches(
            session, ranked, now=now, matcher_version=summary.matcher_version, project_ids=[p.id for p in projects]
        )
    summary.new, summary.updated, summary.unchanged = stored.new, stored.updated, stored.unchanged
    summary.reactivated, summary.deactivated = stored.reactivated, stored.deactivated
    return ranked


def _top(
    summary: MatchSummary, calls: list[FundingCall], projects: list[Project], ranked: Sequence[Match], top: int
) -> None:
    titles = {c.id: c.title for c in calls}
    names = {p.id: p.title for p in projects}
    for match in sorted(ranked, key=lambda m: -m.score)[:top]:
        summary.top.append(
            {
                "call_id": match.call_id,
                "call_title": titles.get(match.call_id, ""),
                "project_id": match.project_id,
                "project_title": names.get(match.project_id, ""),
                "score": round(match.score, 4),
                "terms": [t.term for t in match.terms[:5]],
            }
        )
