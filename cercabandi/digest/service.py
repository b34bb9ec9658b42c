"""Run the digests of every active subscription for one period: the entry point for flows and CLI.

Idempotent by construction: one ``digest_deliveries`` row per (subscription, period).

- A period already ``sent`` or ``empty`` is skipped, so a re-run or retried flow sends nothing twice.
- Before SMTP is called the delivery is committed as ``sending`` with a deterministic Message-ID
  (``<digest.<subscription>.<period>@<domain>>``); after SMTP accepts it, it is committed as
  ``sent`` together with the items told.
- SMTP refusing or unreachable: the delivery is ``failed`` and the next run for the same period
  builds and sends it again; for a later period the untold items simply come in that digest.
- A crash between SMTP and the second commit leaves ``sending``: the next run does NOT resend it
  (we cannot know whether the server accepted it, and never sending twice is the rule) but
  reports it as ``stuck``. A person looks up the Message-ID in the mail server's log and runs
  ``cercabandi digest resolve ID --sent`` or ``--resend``.
- A dry run (``dry_run=True``, or no SMTP host configured) writes ``.eml`` files to the outbox
  and records nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core import claims
from cercabandi.core.models import utcnow
from cercabandi.core.settings import Settings
from cercabandi.db.models import DigestDelivery, Subscription
from cercabandi.db.repo.subscriptions import (
    FINAL_STATES,
    claim_delivery,
    get_delivery,
    mark_failed,
    mark_sent,
    record_empty,
)
from cercabandi.db.session import transaction
from cercabandi.digest.build import build_digest, period_key
from cercabandi.digest.followups import followup_entries, followup_facts
from cercabandi.digest.gather import RunSnapshot, gather_inputs, load_snapshot
from cercabandi.digest.model import Digest, DigestInputs
from cercabandi.digest.render import message_id_for, render_digest, to_message
from cercabandi.digest.send import OutboxTransport, SmtpTransport, Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestOutcome:
    subscription_id: int
    email: str
    period: str
    status: str  # sent | empty | failed | skipped | stuck | written
    items: int = 0
    message_id: str | None = None
    detail: str = ""


@dataclass
class DigestRunReport:
    day: date
    dry_run: bool
    outbox_dir: Path | None = None
    outcomes: list[DigestOutcome] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # filled at the end of the run: counts() as data

    def _count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def sent(self) -> int:
        return self._count("sent")

    @property
    def empty(self) -> int:
        return self._count("empty")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def stuck(self) -> int:
        return self._count("stuck")

    @property
    def written(self) -> int:
        return self._count("written")

    def counts(self) -> dict[str, int]:
        counter = Counter(o.status for o in self.outcomes)
        return {s: counter.get(s, 0) for s in ("sent", "written", "empty", "failed", "skipped", "stuck")}

    def summary(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n) or "no active subscription"
        where = f" (dry run: .eml files in {self.outbox_dir})" if self.dry_run else ""
        return f"digests for {self.day.isoformat()}: {counts}{where}"


def reference_day(now: datetime, settings: Settings, period: date | str | None) -> date:
    if period is None:
        return now.astimezone(settings.tz).date()
    if isinstance(period, date):
        return period
    try:
        return date.fromisoformat(period)
    except ValueError as exc:
        raise ValueError(f"period {period!r} must be a day such as 2026-11-21") from exc


def check_link_signing(settings: Settings, *, dry_run: bool) -> None:
    """Refuse to send e-mails whose one-click links anyone could forge (see ``Settings.secret_key_problem``).

    Called by the composition roots (``cercabandi digest``, the nightly flow) before ``run_digests``;
    a dry run only writes files to the outbox and is allowed.
    """
    if dry_run or not settings.smtp_host:
        return
    problem = settings.secret_key_problem()
    if problem:
        raise ValueError(f"refusing to send digests with signed links: {problem}")


def run_digests(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    dry_run: bool = False,
    period: date | str | None = None,
    transport: Transport | None = None,
    subscription_ids: list[int] | None = None,
) -> DigestRunReport:
    """Build and send the digest of every active subscription for the period holding ``period``.

    ``period`` is a day (default: today in the configured timezone); daily subscriptions get
    that day's digest, weekly ones that ISO week's.
    """
    day = reference_day(now, settings, period)
    dry_run = dry_run or not settings.smtp_host
    if transport is None:
        transport = OutboxTransport(settings.outbox_dir) if dry_run else SmtpTransport(settings)
    report = DigestRunReport(day=day, dry_run=dry_run, outbox_dir=settings.outbox_dir if dry_run else None)
    with sessions() as session:
        snapshot = load_snapshot(session, now=now, tz=settings.tz)
        query = select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)
        if subscription_ids:
            query = query.where(Subscription.id.in_(subscription_ids))
        subscriptions = list(session.scalars(query))
        session.expunge_all()
    for subscription in subscriptions:
        try:
            outcome = _one(
                sessions, settings, subscription, snapshot, now=now, day=day, dry_run=dry_run, transport=transport
            )
        except Exception as exc:  # one recipient's bad data must not stop the others
            log.exception("digest for subscription %s failed", subscription.id)
            outcome = DigestOutcome(
                subscription.id,
                subscription.email,
                period_key(subscription.frequency, day),
                "failed",
                detail=f"{type(exc).__name__}: {exc}",
            )
        report.outcomes.append(outcome)
    report.totals = report.counts()
    log.info(report.summary())
    return report


def _gather(
    session: Session, subscription: Subscription, snapshot: RunSnapshot, *, now: datetime, settings: Settings
) -> DigestInputs:
    """What the digest may tell, plus the office's own deadlines for a staff subscription."""
    inputs = gather_inputs(session, subscription, snapshot, now=now)
    return replace(inputs, followups=followup_facts(session, subscription, now=now, tz=settings.tz))


def _build(inputs: DigestInputs, *, now: datetime, settings: Settings, period: str) -> Digest:
    digest = build_digest(inputs, now=now, tz=settings.tz, period=period)
    return replace(digest, followups=followup_entries(inputs, now=now, tz=settings.tz))


def _one(
    sessions: sessionmaker[Session],
    settings: Settings,
    subscription: Subscription,
    snapshot: RunSnapshot,
    *,
    now: datetime,
    day: date,
    dry_run: bool,
    transport: Transport,
) -> DigestOutcome:
    key = period_key(subscription.frequency, day)
    with sessions() as session:
        done = _already_handled(session, subscription, key)
        if done is not None:
            return done
        inputs = _gather(session, subscription, snapshot, now=now, settings=settings)
    digest = _build(inputs, now=now, settings=settings, period=key)
    if digest.is_empty:
        if not dry_run:
            with transaction(sessions) as session:
                record_empty(session, subscription_id=subscription.id, period=key, now=now)
        return DigestOutcome(subscription.id, subscription.email, key, "empty", detail="nothing new: no e-mail")
    message_id = message_id_for(subscription.id, key, settings.mail_from)
    rendered = render_digest(digest, settings=settings, now=now)
    message = to_message(rendered, to=subscription.email, settings=settings, message_id=message_id, now=now)
    items = len(digest.entries) + len(digest.followups)
    if dry_run:
        where = transport.send(message)
        return DigestOutcome(subscription.id, subscription.email, key, "written", items, message_id, where)

    token = claims.new_token()
    claims.hold(token)
    try:
        return _send_claimed(
            sessions, subscription, key, message, message_id, digest.item_keys, token, now=now, transport=transport
        )
    finally:
        claims.release(token)


def _already_handled(session: Session, subscription: Subscription, key: str) -> DigestOutcome | None:
    """The outcome when this period's delivery is final or being sent (skipped), or interrupted (stuck)."""
    existing = get_delivery(session, subscription.id, key)
    if existing is not None and existing.status in FINAL_STATES:
        return DigestOutcome(subscription.id, subscription.email, key, "skipped", detail=f"already {existing.status}")
    if existing is None or existing.status != "sending":
        return None
    if claims.is_live(existing.claimed_by, existing.claimed_at, wall_now=utcnow()):
        return DigestOutcome(subscription.id, subscription.email, key, "skipped", detail="being sent by another run")
    return DigestOutcome(
        subscription.id,
        subscription.email,
        key,
        "stuck",
        message_id=existing.message_id,
        detail=(
            f"delivery {existing.id} stopped between sending and recording: check the mail log for "
            f"{existing.message_id}, then `cercabandi digest resolve {existing.id} --sent` or `--resend`"
        ),
    )


def _send_claimed(
    sessions: sessionmaker[Session],
    subscription: Subscription,
    key: str,
    message: EmailMessage,
    message_id: str,
    item_keys: Sequence[str],
    token: str,
    *,
    now: datetime,
    transport: Transport,
) -> DigestOutcome:
    """Claim the delivery, send it, record the outcome; a claim lost to another run sends nothing."""
    items = len(item_keys)
    with transaction(sessions) as session:
        claimed = claim_delivery(
            session,
            subscription_id=subscription.id,
            period=key,
            message_id=message_id,
            items=list(item_keys),
            now=now,
            claimed_by=token,
            claimed_at=utcnow(),
        )
        delivery_id = claimed.id if claimed is not None else None
    if delivery_id is None:
        return DigestOutcome(subscription.id, subscription.email, key, "skipped", detail="claimed by another run")
    try:
        where = transport.send(message)
    except Exception as exc:
        with transaction(sessions) as session:
            row = session.get(DigestDelivery, delivery_id)
            assert row is not None
            mark_failed(session, row, error=f"{type(exc).__name__}: {exc}")
        log.warning("digest %s to %s failed: %s", message_id, subscription.email, exc)
        return DigestOutcome(subscription.id, subscription.email, key, "failed", items, message_id, str(exc))
    with transaction(sessions) as session:
        row = session.get(DigestDelivery, delivery_id)
        assert row is not None
        mark_sent(session, row, now=now)
    return DigestOutcome(subscription.id, subscription.email, key, "sent", items, message_id, where)
