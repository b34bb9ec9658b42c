"""Reads behind the exports that are not plain call lists (the deadlines calendar)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.vocab import ReviewTag
from cercabandi.db.models import (
    Call,
)
from cercabandi.db.repo.verdicts import calls_with_verdict


def relevant_calls_with_deadlines(session: Session) -> list[Call]:
    """Calls some reviewer currently tags 'pertinente' that have a deadline (for the ICS feed)."""
    ids = calls_with_verdict(session, ReviewTag.RELEVANT.value)
    if not ids:
        return []
    return list(
        session.scalars(select(Call).where(Call.id.in_(ids), Call.deadline_at.is_not(None)).order_by(Call.deadline_at))
    )
