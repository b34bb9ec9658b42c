"""Users of the review application: accounts, roles and argon2 password hashes.

Passwords are never stored or logged in clear; ``authenticate`` verifies a hash
and upgrades it when argon2's recommended parameters have changed.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cercabandi.core.vocab import Role
from cercabandi.db.models import User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of a
# failed login the same for known and unknown usernames. Hashed on first use, not at
# import: an Argon2 hash takes a third of a second and every CLI command imports this.
_DUMMY_HASH: str | None = None


def warm_up() -> None:
    """Compute the dummy hash now (the web application calls this when it starts)."""
    _dummy_hash()


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not-a-real-password-but-constant")
    return _DUMMY_HASH


class UserError(ValueError):
    """A user cannot be created or changed; the message says why (``italian`` for the web pages)."""

    def __init__(self, message: str, italian: str) -> None:
        super().__init__(message)
        self.italian = italian


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            f"La password deve avere almeno {MIN_PASSWORD_LENGTH} caratteri.",
        )
    if password.strip() != password:
        raise UserError(
            "the password must not start or end with spaces",
            "La password non può iniziare o finire con uno spazio.",
        )


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise UserError(
            f"username {username!r} is not valid: 2-100 characters, lowercase letters, digits and . _ @ - "
            "(starting with a letter or digit)",
            f"Nome utente {username!r} non valido: da 2 a 100 caratteri tra lettere minuscole, cifre e . _ @ -",
        )
    return name


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(
            f"unknown role {role!r}: choose one of {', '.join(r.value for r in Role)}",
            f"Ruolo sconosciuto: {role!r}.",
        ) from None


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    now: datetime,
    email: str | None = None,
    full_name: str | None = None,
) -> User:
    name = normalise_username(username)
    parsed_role = parse_role(role)
    check_password_strength(password)
    if get_user(session, name) is not None:
        raise UserError(f"a user named {name!r} already exists", f"Esiste già un utente {name!r}.")
    user = User(
        username=name,
        email=(email or "").strip() or None,
        full_name=(full_name or "").strip() or None,
        password_hash=hash_password(password),
        role=parsed_role.value,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(User.role == Role.ADMIN.value, User.active.is_(True))) or 0


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = get_user(session, username)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password ends every session of the user and revokes the calendar address."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.credential_generation = (user.credential_generation or 0) + 1
    end_sessions(session, user)


def end_sessions(session: Session, user: User) -> None:
    """Every session cookie issued to the user so far stops working (logout, password change)."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


def set_role(session: Session, user: User, role: str) -> None:
    new_role = parse_role(role)
    if user.role == Role.ADMIN.value and new_role is not Role.ADMIN and user.active and count_admins(session) <= 1:
        raise UserError(
            "this is the last active administrator: make someone else admin first",
            "È l'ultimo amministratore attivo: nomina prima un altro amministratore.",
        )
    user.role = new_role.value
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    if not active and user.role == Role.ADMIN.value and user.active and count_admins(session) <= 1:
        raise UserError(
            "this is the last active administrator: it cannot be deactivated",
            "È l'ultimo amministratore attivo: non può essere disattivato.",
        )
    user.active = active
    if not active:
        end_sessions(session, user)  # re-activation must not revive old cookies
    session.flush()
