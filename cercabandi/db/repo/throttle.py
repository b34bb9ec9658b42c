"""Throttling of password guesses, kept in the database so every web worker shares it.

Two rules, both over a sliding window:

* per account *and* address, a delay that doubles with each failure past the first few:
  whoever guesses one account slows only themselves, never the owner logging in from elsewhere;
* per address, a hard limit on failures whatever the account, so one client cannot sweep usernames.

The caller passes ``now`` and the client address it trusts (see ``web.security.client_address``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cercabandi.db.models import LoginFailure


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    free_failures: int = 5  # per account and address before the delay starts
    first_delay: timedelta = timedelta(seconds=30)  # then doubles with each further failure
    max_delay: timedelta = timedelta(minutes=15)
    address_limit: int = 30  # failures per address within the window, any account


DEFAULT_POLICY = ThrottlePolicy()


def _key(username: str) -> str:
    return username.strip().lower()[:100]


def _address(address: str) -> str:
    return address[:64]


def retry_after(
    session: Session, address: str, username: str, now: datetime, policy: ThrottlePolicy = DEFAULT_POLICY
) -> timedelta | None:
    """How long this address must wait before trying this account again, or None."""
    since = now - policy.window
    recent = LoginFailure.at > since
    from_address = select(func.count(), func.min(LoginFailure.at)).where(
        LoginFailure.address == _address(address), recent
    )
    count, oldest = session.execute(from_address).one()
    waits = []
    if count >= policy.address_limit and oldest is not None:
        waits.append(oldest + policy.window - now)
    pair = select(func.count(), func.max(LoginFailure.at)).where(
        LoginFailure.address == _address(address), LoginFailure.username == _key(username), recent
    )
    count, latest = session.execute(pair).one()
    if count >= policy.free_failures and latest is not None:
        delay = min(policy.first_delay * 2 ** (count - policy.free_failures), policy.max_delay)
        waits.append(latest + delay - now)
    positive = [w for w in waits if w > timedelta(0)]
    return max(positive) if positive else None


def record_failure(
    session: Session, address: str, username: str, now: datetime, policy: ThrottlePolicy = DEFAULT_POLICY
) -> None:
    """Store one failure (and forget those that left the window: the table stays small)."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - policy.window))
    session.add(LoginFailure(address=_address(address), username=_key(username), at=now))
    session.flush()


def record_success(session: Session, address: str, username: str) -> None:
    """The right password from this address: its delay for this account starts over."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.address == _address(address), LoginFailure.username == _key(username))
    )
    session.flush()
