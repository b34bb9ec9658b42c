"""Following a call: a person asks to hear of its changes in the digest sent to their e-mail address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cercabandi.db.models import Call, CallFollow, User


def is_following(session: Session, user_id: int, call_id: str) -> bool:
    return (
        session.scalar(select(CallFollow.id).where(CallFollow.user_id == user_id, CallFollow.call_id == call_id))
        is not None
    )


def follow(session: Session, user_id: int, call_id: str, *, now: datetime) -> bool:
    """Follow a call; False when it does not exist. Following twice keeps the first date."""
    if session.get(Call, call_id) is None:
        return False
    if not is_following(session, user_id, call_id):
        session.add(CallFollow(user_id=user_id, call_id=call_id, created_at=now))
        session.flush()
    return True


def unfollow(session: Session, user_id: int, call_id: str) -> None:
    session.execute(delete(CallFollow).where(CallFollow.user_id == user_id, CallFollow.call_id == call_id))


def followed_calls(session: Session, user_id: int) -> list[tuple[Call, datetime]]:
    """The calls a person follows, with when they started, soonest deadline first (none last)."""
    rows = session.execute(
        select(Call, CallFollow.created_at)
        .join(CallFollow, CallFollow.call_id == Call.id)
        .where(CallFollow.user_id == user_id)
        .order_by(Call.deadline_at.is_(None), Call.deadline_at, Call.title)
    )
    return [(call, at) for call, at in rows]


def follows_of_email(session: Session, email: str) -> dict[str, datetime]:
    """Calls followed by the active people with this e-mail address (any case), with the earliest start."""
    rows = session.execute(
        select(CallFollow.call_id, func.min(CallFollow.created_at))
        .join(User, User.id == CallFollow.user_id)
        .where(User.active.is_(True), func.lower(User.email) == email.strip().lower())
        .group_by(CallFollow.call_id)
    )
    return {call_id: at for call_id, at in rows}
