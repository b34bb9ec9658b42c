"""Who is asking and may they: login sessions, roles, CSRF tokens, failed-login throttling.

The session lives in a signed cookie (Starlette's ``SessionMiddleware``, HttpOnly,
SameSite=Lax, Secure when the application is served over https). It holds the user
id, the user's session generation and the CSRF token; the user is re-read on every
request, so a deactivated account or a changed role takes effect at once, and a
logout or a password change (which move the generation on) ends every copy of
the cookie. Failed passwords are throttled through ``db.repo.throttle``.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cercabandi.core.vocab import Role
from cercabandi.db.models import User
from cercabandi.db.repo import throttle
from cercabandi.db.repo.users import end_sessions

ROLE_RANK = {Role.VOLUNTEER.value: 1, Role.STAFF.value: 2, Role.ADMIN.value: 3}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
GENERATION = "gen"  # the user's session generation when the cookie was issued


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
    request.session[GENERATION] = user.session_generation
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def log_out(request: Request, db: Session, user: User | None) -> None:
    """End the session, and every other copy of its cookie: the user's generation moves on."""
    if user is not None:
        end_sessions(db, user)
        db.commit()
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
    if user is None or not user.active or request.session.get(GENERATION) != user.session_generation:
        request.session.clear()  # logged out, password changed or deactivated since the cookie was issued
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


def client_address(request: Request) -> str:
    """The client's address as the throttle sees it (``TrustedProxies`` has resolved forwarding)."""
    return request.client.host if request.client else "unknown"


def throttle_wait(request: Request, db: Session, username: str) -> timedelta | None:
    """How long this client must wait before another password attempt for ``username``."""
    return throttle.retry_after(db, client_address(request), username, now(request))


def password_failed(request: Request, db: Session, username: str) -> None:
    """Remember a wrong password (login or password change); committed at once, whatever follows."""
    throttle.record_failure(db, client_address(request), username, now(request))
    db.commit()


def password_succeeded(request: Request, db: Session, username: str) -> None:
    throttle.record_success(db, client_address(request), username)


def wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"Troppi tentativi falliti. Riprova tra {minutes} minut{'o' if minutes == 1 else 'i'}."
