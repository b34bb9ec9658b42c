"""The office's own deadlines in a staff digest: reporting deadlines and open applications' deadlines.

A subscription is a staff subscription when its address belongs to an active staff or admin
user. Its digest reminds of each deadline at the same thresholds as the calls tagged relevant
(14 and 3 days), once per threshold: the sent-item key holds the threshold and the date, so a
second run in the same period tells nothing again, and a moved deadline is told anew.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cercabandi.core.applications import REPORTING_REMINDER_DAYS
from cercabandi.core.vocab import Role
from cercabandi.db.models import Subscription, User
from cercabandi.db.repo.applications import open_deadlines, reporting_due
from cercabandi.digest.build import reminder_threshold
from cercabandi.digest.model import DigestInputs, FollowUpEntry, FollowUpFact, item_key

STAFF_ROLES = (Role.STAFF.value, Role.ADMIN.value)


def is_staff_subscription(session: Session, subscription: Subscription) -> bool:
    found = session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            func.lower(User.email) == subscription.email.lower(),
            User.active.is_(True),
            User.role.in_(STAFF_ROLES),
        )
    )
    return bool(found)


def followup_facts(
    session: Session, subscription: Subscription, *, now: datetime, tz: tzinfo
) -> tuple[FollowUpFact, ...]:
    """The deadlines within the reminder window, in the subscription's comuni when it names some."""
    if not is_staff_subscription(session, subscription):
        return ()
    today = now.astimezone(tz).date()
    end = today + timedelta(days=REPORTING_REMINDER_DAYS)
    comuni = set(subscription.comuni or [])
    facts = [
        FollowUpFact(
            kind="reporting",
            application_id=app.id,
            application_title=app.title,
            what=item.title,
            due_on=item.due_on,
            item_id=item.id,
            comuni=tuple(app.comuni),
        )
        for app, item in reporting_due(session, today, end)
        if not comuni or comuni & set(app.istat)
    ]
    facts += [
        FollowUpFact(
            kind="application",
            application_id=app.id,
            application_title=app.title,
            what=app.call_title or app.funding_source or "",
            due_on=app.deadline_on,
            comuni=tuple(app.comuni),
        )
        for app in open_deadlines(session, today, end)
        if app.deadline_on is not None and (not comuni or comuni & set(app.istat))
    ]
    return tuple(facts)


def followup_entries(inputs: DigestInputs, *, now: datetime, tz: tzinfo) -> tuple[FollowUpEntry, ...]:
    """Pure: the facts not yet told at their current threshold, soonest first."""
    today = now.astimezone(tz).date()
    entries = []
    for fact in inputs.followups:
        days_left = (fact.due_on - today).days
        threshold = reminder_threshold(days_left)
        if threshold is None:
            continue
        key = item_key(fact.kind, fact.application_id, fact.item_id, threshold, fact.due_on.isoformat())
        if key not in inputs.sent_keys:
            entries.append(FollowUpEntry(fact=fact, days_left=days_left, key=key))
    return tuple(sorted(entries, key=lambda e: (e.days_left, e.fact.application_id, e.fact.item_id)))


CALENDAR_HORIZON_DAYS = 3 * 366  # the calendar feed carries the office's deadlines up to three years ahead


def calendar_facts(session: Session, *, now: datetime, tz: tzinfo) -> list[FollowUpFact]:
    """Every future deadline of open applications and unsubmitted reporting, for the calendar feed."""
    today = now.astimezone(tz).date()
    end = today + timedelta(days=CALENDAR_HORIZON_DAYS)
    facts = [
        FollowUpFact("reporting", app.id, app.title, item.title, item.due_on, item.id, tuple(app.comuni))
        for app, item in reporting_due(session, today, end)
    ]
    facts += [
        FollowUpFact("application", app.id, app.title, app.call_title or "", app.deadline_on, 0, tuple(app.comuni))
        for app in open_deadlines(session, today, end)
        if app.deadline_on is not None
    ]
    return facts
