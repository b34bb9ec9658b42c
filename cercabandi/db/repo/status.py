"""Call status in SQL: the rule of ``FundingCall.status`` as a filter, so lists page in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, not_, or_

from cercabandi.core.vocab import CallStatus
from cercabandi.db.models import (
    Call,
)


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
