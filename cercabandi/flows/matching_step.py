"""The match step: rank the stored calls for every project of the catalogue and store the matches.

Calls, projects and reviews are read through ``db.repo`` as canonical models. Only canonical calls (not the other announcements of a duplicate) that are not closed by the
publisher, past their last deadline or missing from their source are ranked; the matcher's
own gates then explain what else it drops. Volunteers' reviews are passed as feedback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import FundingCall, Match, Project, Review
from cercabandi.core.vocab import ProjectStage
from cercabandi.db.repo.calls import rankable_calls
from cercabandi.db.repo.matches import store_matches
from cercabandi.db.repo.projects import list_projects
from cercabandi.db.repo.reviews import project_reviews

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

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def match_all(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    k: int = DEFAULT_K,
    matcher: MatcherFactory = tfidf_matcher,
    top: int = 10,
) -> MatchSummary:
    """Fit the matcher on the rankable calls, rank every project, store the matches."""
    ranker = matcher()
    version = ranker.version
    with sessions() as session:
        calls = rankable_calls(session, now)
        # Projects still looking for funds: completed ones are not ranked.
        projects = [p for p in list_projects(session) if p.stage is not ProjectStage.COMPLETED]
        feedback = project_reviews(session)
    summary = MatchSummary(calls=len(calls), projects=len(projects), matcher_version=version)
    ranked: Sequence[Match] = []
    if calls and projects:
        ranked = ranker.fit(calls).rank(projects, k=k, now=now, feedback=feedback)
    with sessions() as session, session.begin():
        stored = store_matches(session, ranked, now=now, matcher_version=version, project_ids=[p.id for p in projects])
    summary.new, summary.updated, summary.unchanged = stored.new, stored.updated, stored.unchanged
    summary.reactivated, summary.deactivated = stored.reactivated, stored.deactivated
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
    return summary
