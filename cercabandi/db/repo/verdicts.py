"""The reviewers' current verdicts on calls, their tags, and where they disagree."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from cercabandi.core.vocab import ReviewTag
from cercabandi.db.models import (
    Call,
    Project,
    ReviewRow,
)


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
    """Every theme used by a reviewer or a project, for the pickers."""
    tags: set[str] = set()
    # DISTINCT on the stored text: 1,942 projects share a handful of theme lists (mostly none).
    for column in (ReviewRow.themes, Project.themes):
        for stored in session.scalars(select(cast(column, String)).distinct()):
            tags.update(json.loads(stored) if stored else [])
    return sorted(tags)


def disagreements(session: Session) -> list[tuple[Call, Verdicts]]:
    """Calls judged by at least two reviewers, least agreement first."""
    verdicts = {cid: v for cid, v in verdicts_for(session).items() if v.reviewers >= 2}
    if not verdicts:
        return []
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(list(verdicts))))}
    pairs = [(calls[cid], v) for cid, v in verdicts.items() if cid in calls]
    return sorted(pairs, key=lambda p: (p[1].agreement or 0, -p[1].reviewers, p[0].title))
