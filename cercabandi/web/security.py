"""Who is asking and may they: login sessions, roles, CSRF tokens, failed-login throttling.

The session lives in a signed cookie (Starlette's ``SessionMiddleware``, HttpOnly,
SameSite=Lax, Secure when the application is served over https). It holds only the
user id and the CSRF token; the user is re-read on every request, so a deactivated
account or a changed role takes effect at once.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cercabandi.core.vocab import Role
from cercabandi.db.models import User

ROLE_RANK = {Role.VOLUNTEER.value: 1, Role.STAFF.value: 2, Role.ADMIN.value: 3}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No logged-in user: the visitor is sent to the login page."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this."""


class CSRFError(Exception):
    """A form arrived without its CSRF token, or with a wrong one."""


# ------------------------------------------------------------------ database


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; handlers that write commit explicitly."""
    with request.app.state.sessions() as session:
        yield session


def now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


# ------------------------------------------------------------------- sessions


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def log_in(request: Request, user: User) -> None:
    # A fresh session at login: nothing chosen before it (e.g. a planted token) survives.
    request.session.clear()
    request.session["uid"] = user.id
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def log_out(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str, kind: str = "ok") -> None:
    messages = list(request.session.get("flash", []))
    messages.append([kind, message])
    request.session["flash"] = messages[-5:]


def pop_flashes(request: Request) -> list[list[str]]:
    return list(request.session.pop("flash", []) or [])


def optional_user(request: Request, db: Session = Depends(get_db)) -> User | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    user = db.get(User, uid)
    if user is None or not user.active:
        request.session.clear()
        return None
    request.state.user = user
    return user


def current_user(user: User | None = Depends(optional_user)) -> User:
    if user is None:
        raise LoginRequired
    return user


def has_role(user: User | None, role: Role) -> bool:
    return user is not None and ROLE_RANK.get(user.role, 0) >= ROLE_RANK[role.value]


def require(role: Role) -> Callable[..., User]:
    """Dependency: a logged-in user with at least this role (admin > staff > volunteer)."""

    def dependency(user: User = Depends(current_user)) -> User:
        if not has_role(user, role):
            raise Forbidden
        return user

    return dependency


async def csrf_protect(request: Request) -> None:
    """Refuse any state-changing request whose token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached by Starlette: the handler reads the same form
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CSRFError


# ------------------------------------------------------------ login throttle


class LoginThrottle:
    """Refuse logins after repeated failures, per username and per client address.

    ``limit`` failures within ``window`` lock the key until the oldest failure
    leaves the window. In memory: a restart forgets, which is acceptable for a
    small office tool behind a login page (argon2 already makes guessing slow).
    """

    def __init__(self, limit: int = 5, window: timedelta = timedelta(minutes=15), max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys  # random usernames must not grow memory without bound
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def retry_after(self, keys: list[str], now: datetime) -> timedelta | None:
        """How long the caller must wait, or None if it may try."""
        with self._lock:
            waits = []
            for key in keys:
                failures = self._prune(key, now)
                if len(failures) >= self.limit:
                    waits.append(failures[0] + self.window - now)
            return max(waits) if waits else None

    def failed(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            if len(self._failures) >= self.max_keys:
                for stale in [k for k, q in self._failures.items() if not q or now - q[-1] >= self.window]:
                    del self._failures[stale]
                while len(self._failures) >= self.max_keys:  # all recent: forget the oldest key
                    del self._failures[next(iter(self._failures))]
            for key in keys:
                self._prune(key, now).append(now)

    def __len__(self) -> int:
        return len(self._failures)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
