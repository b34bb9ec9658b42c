"""The shortlist on real data: build a database from the real recordings and catalogue, and judge it.

``build_real_world`` imports ``../shared/data/pnrr/catalogo_progetti_MI.csv``, adds the
subscriptions of ``REAL_SUBSCRIPTIONS`` and runs the nightly flow on the recordings in
``../shared/data`` (digests written to the outbox). ``judge_shortlist`` then says what reached
people: active matches on calls for other regions or other Lombard provinces, or on calls that
are not funding (each call judged by normalising its raw record again with today's rules, so a
database built by older code is judged by the same yardstick); the share of matches per level
and source; and, for every digest in the outbox, its HTML size and whether every matched call
closing within 14 days is in it before any other new call. ``cercabandi eval-shortlist`` and
``tests/flows/test_shortlist_real.py`` use both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.fmt_it import days_until
from cercabandi.core.models import FundingCall
from cercabandi.core.vocab import FUNDING_INSTRUMENTS, TerritoryScope
from cercabandi.db import models
from cercabandi.db.repo.calls import call_from_row
from cercabandi.db.repo.raw import raw_call_of
from cercabandi.db.repo.subscriptions import create_subscription
from cercabandi.db.session import upgrade
from cercabandi.digest.gather import gather_inputs, load_snapshot
from cercabandi.digest.model import CLOSING_SOON_DAYS
from cercabandi.flows.catalogue import import_catalogue
from cercabandi.flows.context import AppContext
from cercabandi.normalise import NormalisationError, normalise_record

CATALOGUE = Path("pnrr") / "catalogo_progetti_MI.csv"
# The office (everything) and two comuni's referents, as a new user would subscribe them.
REAL_SUBSCRIPTIONS: tuple[dict[str, Any], ...] = (
    {"email": "ufficio@shortlist.invalid", "name": "Ufficio Welfare metropolitano", "frequency": "daily"},
    {"email": "rho@shortlist.invalid", "name": "Referente Rho", "comuni": ["Rho"], "frequency": "daily"},
    {"email": "sesto@shortlist.invalid", "comuni": ["Sesto San Giovanni"], "frequency": "daily"},
)
MIN_SCORE = 0.1  # the CLI's default minimum score
HTML_LIMIT = 100 * 1024  # Gmail clips a message whose HTML is above ~102 KB
_ENTRY_RE = re.compile(r"^\d+\. (?P<title>.+)$")
_DAYS_RE = re.compile(r"Scadenza: .* – (?:(?P<today>scade oggi)|(?P<tomorrow>scade domani)|tra (?P<days>\d+) giorni)")


def build_real_world(ctx: AppContext, data_dir: Path, *, now: datetime) -> Any:
    """Schema, real catalogue, subscriptions, then the nightly flow replaying ``data_dir``; the run report."""
    from cercabandi.flows.nightly import nightly_flow

    upgrade(ctx.engine)
    import_catalogue(ctx.sessions, data_dir / CATALOGUE, now=now)
    with ctx.sessions() as session, session.begin():
        known = set(session.scalars(select(models.Subscription.email)))
        for spec in REAL_SUBSCRIPTIONS:
            if spec["email"] not in known:
                create_subscription(session, now=now, min_score=MIN_SCORE, **spec)
    return nightly_flow(replay_dir=str(data_dir), now=now, digest_dry_run=True)


@dataclass
class DigestFigures:
    """One digest of the outbox, judged."""

    email: str
    html_bytes: int
    urgent_matched: int  # matched open calls in scope closing within CLOSING_SOON_DAYS
    urgent_missing: int  # of those, not in the digest
    urgent_late: int  # listed after a new call that is not closing soon


@dataclass
class ShortlistFigures:
    active_matches: int = 0
    other_regions: int = 0  # active matches on calls limited to other regions
    other_provinces: int = 0  # ... to Lombard provinces other than ours
    not_funding: int = 0  # ... on tenders, lists, sponsor searches, recruitment
    by_level: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    digests: list[DigestFigures] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "active_matches": self.active_matches,
            "other_regions": self.other_regions,
            "other_provinces": self.other_provinces,
            "not_funding": self.not_funding,
            "by_level": dict(self.by_level),
            "by_source": dict(self.by_source),
            "digests": [vars(d) for d in self.digests],
        }


def judged_call(session: Session, row: models.Call, now: datetime) -> FundingCall:
    """The call as today's rules read its raw record (the stored call when that cannot be done)."""
    raw = raw_call_of(session, row.raw_record_id)
    if raw is not None:
        try:
            return normalise_record(raw, now=now, first_seen=row.first_seen, last_seen=row.last_seen)
        except NormalisationError:
            pass
    return call_from_row(row)


def judge_matches(session: Session, figures: ShortlistFigures, *, now: datetime) -> None:
    counts = Counter(session.execute(select(models.MatchRow.call_id).where(models.MatchRow.active.is_(True))).scalars())
    figures.active_matches = sum(counts.values())
    for row in session.scalars(select(models.Call).where(models.Call.id.in_(list(counts)))):
        call, n = judged_call(session, row, now), counts[row.id]
        scope = call.territory.scope
        figures.other_regions += n if scope is TerritoryScope.OTHER_REGIONS else 0
        figures.other_provinces += n if scope is TerritoryScope.PROVINCES and call.territory.excludes_us else 0
        figures.not_funding += 0 if call.instrument in FUNDING_INSTRUMENTS else n
        figures.by_level[call.level.value] += n
        figures.by_source[call.source] += n


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def _html_size(message: EmailMessage) -> int:
    part = message.get_body(preferencelist=("html",))
    return len(str(part.get_content()).encode("utf-8")) if part is not None else 0


def listed_entries(text: str) -> list[tuple[str, int | None]]:
    """(title, days left) of every call of a digest's text part, in order; days None when not stated."""
    entries: list[tuple[str, int | None]] = []
    for line in text.splitlines():
        entry = _ENTRY_RE.match(line)
        if entry:
            entries.append((entry.group("title").strip(), None))
            continue
        days = _DAYS_RE.search(line)
        if days and entries and entries[-1][1] is None:
            left = 0 if days.group("today") else 1 if days.group("tomorrow") else int(days.group("days"))
            entries[-1] = (entries[-1][0], left)
    return entries


def judge_digest(
    session: Session, message: EmailMessage, snapshot: Any, *, now: datetime, tz: tzinfo
) -> DigestFigures | None:
    """Is every matched call closing soon in this digest, before the other new calls?"""
    email = str(message["To"])
    subscription = session.scalar(select(models.Subscription).where(models.Subscription.email == email))
    if subscription is None:
        return None
    inputs = gather_inputs(session, subscription, snapshot, now=now)
    urgent = set()
    for match in inputs.matches:
        deadline = inputs.calls[match.call_id].next_deadline(now)
        if deadline is not None and days_until(deadline.at, now, tz) <= CLOSING_SOON_DAYS:
            urgent.add(inputs.calls[match.call_id].title)
    entries = listed_entries(_text_part(message))
    listed = {title for title, _ in entries}
    first_other = next(
        (i for i, (_, days) in enumerate(entries) if days is None or days > CLOSING_SOON_DAYS), len(entries)
    )
    late = sum(1 for title, _ in entries[first_other:] if title in urgent)
    return DigestFigures(email, _html_size(message), len(urgent), len(urgent - listed), late)


def judge_shortlist(ctx: AppContext, outbox: Path, *, now: datetime) -> ShortlistFigures:
    """The figures of a database built by ``build_real_world`` (by this code or an older one)."""
    figures = ShortlistFigures()
    tz = ctx.settings.tz
    with ctx.sessions() as session:
        judge_matches(session, figures, now=now)
        snapshot = load_snapshot(session, now=now, tz=tz)
        for path in sorted(outbox.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            judged = judge_digest(session, message, snapshot, now=now, tz=tz)
            if judged is not None:
                figures.digests.append(judged)
    return figures
