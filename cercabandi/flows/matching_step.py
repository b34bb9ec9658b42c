"""The match step: rank the stored calls for every project of the catalogue and store the matches.

Calls, projects and reviews are read through ``db.repo`` as canonical models. Only canonical calls (not the other announcements of a duplicate) that are not closed by the
publisher, past their last deadline or missing from their source are ranked; the matcher's
own gates then explain what else it drops. Volunteers' reviews are passed as feedback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import FundingCall
from cercabandi.core.vocab import Level, ProjectStage
from cercabandi.db.repo.calls import rankable_calls
from cercabandi.db.repo.matches import store_matches
from cercabandi.db.repo.projects import list_projects
from cercabandi.db.repo.reviews import project_reviews
from cercabandi.flows.normalising import load_callable
from cercabandi.flows.progress import report

DEFAULT_MATCHER = "cercabandi.matching.matcher:Matcher"
DEFAULT_K = 20


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

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _count_reach(summary: MatchSummary, calls: list[FundingCall], ranked: list[Any]) -> None:
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
    matcher: str | Callable[..., Any] = DEFAULT_MATCHER,
    top: int = 10,
) -> MatchSummary:
    """Fit the matcher on the rankable calls, rank every project, store the matches."""
    factory = load_callable(matcher) if isinstance(matcher, str) else matcher
    version = _matcher_version(matcher)
    report("match", "start", note="reading the open calls and the catalogue")
    with sessions() as session:
        calls = rankable_calls(session, now)
        # Projects still looking for funds: completed ones are not ranked.
        projects = [p for p in list_projects(session) if p.stage is not ProjectStage.COMPLETED]
        feedback = project_reviews(session)
    summary = MatchSummary(calls=len(calls), projects=len(projects), matcher_version=version)
    ranked = []
    if calls and projects:
        report("match", "update", note=f"fitting the matcher on {len(calls):,} open calls")
        fitted = factory().fit(calls)
        report("match", "update", note=f"ranking the calls for {len(projects):,} projects")
        ranked = fitted.rank(projects, k=k, now=now, feedback=feedback)
    report("match", "update", note=f"storing {len(ranked):,} matches")
    with sessions() as session, session.begin():
        stored = store_matches(session, ranked, now=now, matcher_version=version, project_ids=[p.id for p in projects])
    summary.new, summary.updated, summary.unchanged = stored.new, stored.updated, stored.unchanged
    summary.reactivated, summary.deactivated = stored.reactivated, stored.deactivated
    _count_reach(summary, calls, ranked)
    report("match", "done", note=f"{len(ranked):,} matches: {summary.new:,} new, {summary.deactivated:,} dropped out")
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


def _matcher_version(matcher: str | Callable[..., Any]) -> str:
    if isinstance(matcher, str):
        module = matcher.partition(":")[0]
        try:
            return str(load_callable(f"{module}:MATCHER_VERSION"))
        except Exception:
            return module
    return str(getattr(matcher, "MATCHER_VERSION", getattr(matcher, "__name__", "custom")))
