"""Digest subscriptions, deliveries and what each recipient has been told.

Used by the ``subscriptions`` CLI, the web application's management pages and the
digest service. Functions take a ``session``; the caller owns the transaction.

Delivery states: ``sending`` (claimed, SMTP in progress), ``sent``, ``failed``
(retried by the next run for the same period), ``empty`` (nothing new: no e-mail).
A delivery left in ``sending`` means the process stopped between handing the
message to SMTP and recording it: it is reported, never resent automatically
(see ``resolve_stuck``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cercabandi.core import claims
from cercabandi.core.comuni import resolve_comune, suggest_comuni
from cercabandi.core.folding import fold_words
from cercabandi.core.themes import THEMES, theme_slug
from cercabandi.core.vocab import Frequency
from cercabandi.db.models import Comune, DigestDelivery, DigestSentItem, Project, Subscription

EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
MAX_ITEM_CAP = 200
DEFAULT_MIN_SCORE = 0.1  # one default for the CLI, the web form and the repository
FINAL_STATES = ("sent", "empty")


class SubscriptionError(ValueError):
    """Invalid subscription data, with a message a person can act on."""


class UnknownThemes(SubscriptionError):
    """Themes that are neither ours (slug or Italian label) nor a catalogue's own tag."""

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        valid = "; ".join(f"{label} ({slug})" for slug, label in THEMES.items())
        super().__init__(f"unknown theme {', '.join(repr(u) for u in unknown)}: valid themes are {valid}")


# -------------------------------------------------------------- subscriptions


def resolve_comuni(session: Session, names_or_codes: Iterable[str]) -> list[str]:
    """ISTAT codes for comuni given by code or name (tolerant: case, accents, "S."/"San"...)."""
    codes = set(session.scalars(select(Comune.istat)))
    found: list[str] = []
    unknown: list[str] = []
    for given in names_or_codes:
        value = given.strip()
        ref = resolve_comune(value)
        if ref is not None and (ref.istat in codes or not codes):
            found.append(ref.istat)
        else:
            unknown.append(given)
    if unknown:
        hints = []
        for name in unknown:
            close = ", ".join(c.name for c in suggest_comuni(name))
            hints.append(f"{name!r} (did you mean {close}?)" if close else repr(name))
        raise SubscriptionError(
            f"unknown comune {'; '.join(hints)}: give the name or the six-digit ISTAT code "
            "of a comune of the Città metropolitana di Milano"
        )
    return sorted(set(found))


def _check_projects(session: Session, project_ids: Sequence[str]) -> list[str]:
    wanted = sorted(set(project_ids))
    known = set(session.scalars(select(Project.id).where(Project.id.in_(wanted)))) if wanted else set()
    missing = [p for p in wanted if p not in known]
    if missing:
        raise SubscriptionError(
            f"unknown project id {', '.join(repr(m) for m in missing)}: see `cercabandi projects list` for the ids"
        )
    return wanted


def resolve_themes(session: Session, themes: Iterable[str]) -> list[str]:
    """Theme slugs for themes given by slug or Italian label ("rigenerazione urbana"), or a catalogue's own tag.

    An unknown value is refused with the list of valid ones: a typo must not mean "nothing new" for ever.
    """
    wanted = [t.strip() for t in themes if t.strip()]
    if not wanted:
        return []
    own = {fold_words(str(t)): str(t) for row in session.scalars(select(Project.themes)) for t in row or []}
    found: list[str] = []
    unknown: list[str] = []
    for value in wanted:
        slug = theme_slug(value) or own.get(fold_words(value))
        if slug is None:
            unknown.append(value)
        else:
            found.append(slug)
    if unknown:
        raise UnknownThemes(unknown)
    return sorted(set(found))


def _check_fields(email: str, frequency: str, item_cap: int, min_score: float) -> str:
    email = email.strip()
    if not EMAIL_RE.match(email):
        raise SubscriptionError(f"e-mail address {email!r} is not valid (expected name@example.it)")
    if frequency not in {f.value for f in Frequency}:
        raise SubscriptionError(f"frequency {frequency!r} is not one of: daily, weekly")
    if not 1 <= item_cap <= MAX_ITEM_CAP:
        raise SubscriptionError(f"item cap {item_cap} must be between 1 and {MAX_ITEM_CAP}")
    if not 0.0 <= min_score <= 1.0:
        raise SubscriptionError(f"minimum score {min_score} must be between 0 and 1")
    return email


def create_subscription(
    session: Session,
    *,
    email: str,
    now: datetime,
    name: str | None = None,
    comuni: Sequence[str] = (),
    themes: Sequence[str] = (),
    projects: Sequence[str] = (),
    frequency: str = Frequency.WEEKLY.value,
    item_cap: int = 20,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Subscription:
    """A new subscription; comuni by name or ISTAT code. Empty scopes mean everything."""
    email = _check_fields(email, frequency, item_cap, min_score)
    row = Subscription(
        email=email,
        name=(name or "").strip() or None,
        comuni=resolve_comuni(session, comuni),
        themes=resolve_themes(session, themes),
        projects=_check_projects(session, projects),
        frequency=frequency,
        language="it",
        item_cap=item_cap,
        min_score=min_score,
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_subscription(session: Session, subscription_id: int) -> Subscription:
    row = session.get(Subscription, subscription_id)
    if row is None:
        raise SubscriptionError(f"no subscription with id {subscription_id}: see `cercabandi subscriptions list`")
    return row


def list_subscriptions(session: Session, *, active_only: bool = False) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.email, Subscription.id)
    if active_only:
        query = query.where(Subscription.active.is_(True))
    return list(session.scalars(query))


def update_subscription(
    session: Session,
    subscription_id: int,
    *,
    name: str | None = None,
    comuni: Sequence[str] | None = None,
    themes: Sequence[str] | None = None,
    projects: Sequence[str] | None = None,
    frequency: str | None = None,
    item_cap: int | None = None,
    min_score: float | None = None,
) -> Subscription:
    """Change the given fields only (None leaves a field as it is)."""
    row = get_subscription(session, subscription_id)
    _check_fields(
        row.email,
        frequency if frequency is not None else row.frequency,
        item_cap if item_cap is not None else row.item_cap,
        min_score if min_score is not None else row.min_score,
    )
    if name is not None:
        row.name = name.strip() or None
    if comuni is not None:
        row.comuni = resolve_comuni(session, comuni)
    if themes is not None:
        row.themes = resolve_themes(session, themes)
    if projects is not None:
        row.projects = _check_projects(session, projects)
    if frequency is not None:
        row.frequency = frequency
    if item_cap is not None:
        row.item_cap = item_cap
    if min_score is not None:
        row.min_score = min_score
    session.flush()
    return row


def set_active(session: Session, subscription_id: int, active: bool) -> Subscription:
    """Pause (False) or resume (True) a subscription."""
    row = get_subscription(session, subscription_id)
    row.active = active
    if active:
        row.unsubscribed_at = None
    session.flush()
    return row


def unsubscribe(session: Session, subscription_id: int, *, now: datetime) -> Subscription:
    """The recipient asked to stop (one-click link): inactive, with the time it happened."""
    row = get_subscription(session, subscription_id)
    if row.active or row.unsubscribed_at is None:
        row.active = False
        row.unsubscribed_at = now
        session.flush()
    return row


def delete_subscription(session: Session, subscription_id: int) -> None:
    """Remove a subscription with its delivery history."""
    row = get_subscription(session, subscription_id)
    session.execute(delete(DigestSentItem).where(DigestSentItem.subscription_id == row.id))
    session.execute(delete(DigestDelivery).where(DigestDelivery.subscription_id == row.id))
    session.delete(row)
    session.flush()


# ----------------------------------------------------------------- deliveries


def get_delivery(session: Session, subscription_id: int, period: str) -> DigestDelivery | None:
    return session.scalar(
        select(DigestDelivery).where(DigestDelivery.subscription_id == subscription_id, DigestDelivery.period == period)
    )


def last_final_delivery(session: Session, subscription_id: int) -> DigestDelivery | None:
    """The latest delivery that ended (sent or empty): the start of 'new since the last digest'."""
    return session.scalar(
        select(DigestDelivery)
        .where(DigestDelivery.subscription_id == subscription_id, DigestDelivery.status.in_(FINAL_STATES))
        .order_by(DigestDelivery.created_at.desc(), DigestDelivery.id.desc())
        .limit(1)
    )


def claim_delivery(
    session: Session,
    *,
    subscription_id: int,
    period: str,
    message_id: str,
    items: Sequence[str],
    now: datetime,
    claimed_by: str,
    claimed_at: datetime,
) -> DigestDelivery | None:
    """Mark the delivery 'sending' before SMTP is called; None when it is not ours to send.

    Only a new delivery or a 'failed' one can be claimed; the conditional update (and
    the unique (subscription, period) key for a new row) makes two concurrent runs
    claim it once. ``claimed_by`` (a ``core.claims`` token) and ``claimed_at`` (the real
    clock) let another run tell a delivery in progress from a stuck one.
    """
    existing = get_delivery(session, subscription_id, period)
    if existing is None:
        row = DigestDelivery(
            subscription_id=subscription_id,
            period=period,
            status="sending",
            message_id=message_id,
            attempts=1,
            items=list(items),
            created_at=now,
            claimed_by=claimed_by,
            claimed_at=claimed_at,
        )
        return _insert_unless_taken(session, row)
    if existing.status not in ("failed", "pending"):
        return None
    result = session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == existing.id, DigestDelivery.status == existing.status)
        .values(
            status="sending",
            message_id=message_id,
            items=list(items),
            attempts=DigestDelivery.attempts + 1,
            claimed_by=claimed_by,
            claimed_at=claimed_at,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    session.refresh(existing)
    return existing


def mark_sent(session: Session, delivery: DigestDelivery, *, now: datetime) -> None:
    """Record a delivery as sent and its items as told, so the next digest holds only news."""
    delivery.status = "sent"
    delivery.sent_at = now
    delivery.error = None
    record_sent_items(session, delivery.subscription_id, delivery.items or [], delivery_id=delivery.id, now=now)
    session.flush()


def mark_failed(session: Session, delivery: DigestDelivery, *, error: str) -> None:
    delivery.status = "failed"
    delivery.error = error[:2000]
    session.flush()


def record_empty(session: Session, *, subscription_id: int, period: str, now: datetime) -> DigestDelivery | None:
    """Nothing new for this period: recorded so the period is done, no e-mail sent."""
    existing = get_delivery(session, subscription_id, period)
    if existing is not None:
        if existing.status in ("failed", "pending"):
            existing.status = "empty"
            existing.items = []
            existing.error = None
            session.flush()
            return existing
        return None
    row = DigestDelivery(subscription_id=subscription_id, period=period, status="empty", items=[], created_at=now)
    return _insert_unless_taken(session, row)


def _insert_unless_taken(session: Session, row: DigestDelivery) -> DigestDelivery | None:
    """Insert the period's delivery row; None when another sender inserted it first (the unique key says so)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def record_sent_items(
    session: Session, subscription_id: int, keys: Iterable[str], *, delivery_id: int | None, now: datetime
) -> int:
    """Add item keys to what this recipient has been told (already known keys are skipped)."""
    wanted = sorted(set(keys))
    if not wanted:
        return 0
    known = set(
        session.scalars(
            select(DigestSentItem.item_key).where(
                DigestSentItem.subscription_id == subscription_id, DigestSentItem.item_key.in_(wanted)
            )
        )
    )
    fresh = [key for key in wanted if key not in known]
    session.add_all(
        DigestSentItem(subscription_id=subscription_id, item_key=key, delivery_id=delivery_id, created_at=now)
        for key in fresh
    )
    session.flush()
    return len(fresh)


def sent_item_keys(session: Session, subscription_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(select(DigestSentItem.item_key).where(DigestSentItem.subscription_id == subscription_id))
    )


def stuck_deliveries(session: Session, *, wall_now: datetime) -> list[DigestDelivery]:
    """Deliveries left in 'sending' by a process that stopped between SMTP and recording.

    One that a live process is sending right now is in progress, not stuck (``core.claims``).
    """
    sending = session.scalars(
        select(DigestDelivery).where(DigestDelivery.status == "sending").order_by(DigestDelivery.id)
    )
    return [row for row in sending if not claims.is_live(row.claimed_by, row.claimed_at, wall_now=wall_now)]


def resolve_stuck(session: Session, delivery_id: int, *, was_sent: bool, now: datetime) -> DigestDelivery:
    """A person checked the mail server's log for the delivery's Message-ID and says what happened.

    ``was_sent=True`` records it as sent (its items as told); ``False`` marks it failed,
    so the next run for the same period sends it again (with the same Message-ID).
    """
    delivery = session.get(DigestDelivery, delivery_id)
    if delivery is None:
        raise SubscriptionError(f"no digest delivery with id {delivery_id}: see `cercabandi digest stuck`")
    if delivery.status != "sending":
        raise SubscriptionError(f"delivery {delivery_id} is {delivery.status!r}, not stuck in 'sending'")
    if was_sent:
        mark_sent(session, delivery, now=now)
    else:
        mark_failed(session, delivery, error="resolved by hand: not delivered, to send again")
    return delivery


def delivery_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(DigestDelivery.status, func.count()).group_by(DigestDelivery.status))
    return {status: count for status, count in rows}
