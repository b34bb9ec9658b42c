"""Reviews: the one way a verdict on a call is recorded (web form, one-click e-mail, CLI)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.models import Review
from cercabandi.core.vocab import ReviewReason, ReviewTag
from cercabandi.db.models import ReviewRow, User


def record_review(session: Session, review: Review, *, via: str = "web", user_id: int | None = None) -> ReviewRow:
    """Store a review. Validation (reason required for 'not relevant', ...) happened in ``Review``.

    A reviewer repeating the same verdict on the same call and project (a double
    click, an e-mail link opened twice) does not create a second row.
    """
    if user_id is None:
        user_id = session.scalar(select(User.id).where(User.username == review.reviewer))
    latest = session.scalar(
        select(ReviewRow)
        .where(
            ReviewRow.call_id == review.call_id,
            ReviewRow.project_id.is_(None) if review.project_id is None else ReviewRow.project_id == review.project_id,
            ReviewRow.reviewer == review.reviewer,
        )
        .order_by(ReviewRow.created_at.desc(), ReviewRow.id.desc())
        .limit(1)
    )
    if (
        latest is not None
        and latest.tag == review.tag.value
        and latest.reason == (review.reason.value if review.reason else None)
        and (latest.note or None) == (review.note or None)
        and sorted(latest.themes or []) == sorted(review.themes)
    ):
        return latest
    row = ReviewRow(
        call_id=review.call_id,
        project_id=review.project_id,
        user_id=user_id,
        reviewer=review.reviewer,
        tag=review.tag.value,
        reason=review.reason.value if review.reason else None,
        note=review.note,
        themes=list(review.themes),
        via=via,
        created_at=review.at,
    )
    session.add(row)
    session.flush()
    return row


def reviews_for_call(session: Session, call_id: str) -> list[ReviewRow]:
    return list(session.scalars(select(ReviewRow).where(ReviewRow.call_id == call_id).order_by(ReviewRow.created_at)))


def withdraw_review(session: Session, review_id: int, reviewer: str) -> ReviewRow | None:
    """Delete one of the reviewer's own reviews (undo); None when it is not theirs or is gone."""
    row = session.get(ReviewRow, review_id)
    if row is None or row.reviewer != reviewer:
        return None
    session.delete(row)
    session.flush()
    return row


def project_reviews(session: Session) -> list[Review]:
    """Every verdict given on a call for a project, oldest first (the matcher's feedback)."""
    rows = session.scalars(select(ReviewRow).where(ReviewRow.project_id.isnot(None)).order_by(ReviewRow.created_at))
    return [
        Review(
            call_id=row.call_id,
            project_id=row.project_id,
            tag=ReviewTag(row.tag),
            reason=ReviewReason(row.reason) if row.reason else None,
            reviewer=row.reviewer,
            note=row.note,
            themes=list(row.themes or []),
            at=row.created_at,
        )
        for row in rows
    ]
