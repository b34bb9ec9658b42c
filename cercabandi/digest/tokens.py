"""Signed, expiring tokens for the one-click links of a digest (feedback and unsubscribe).

A token is the capability: whoever holds the e-mail may give feedback as its
recipient or unsubscribe it, until the token expires. Tokens are signed with
``settings.secret_key`` (itsdangerous), with a different salt per purpose so a
feedback token can never unsubscribe anyone. Time is passed in, never read here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr

from cercabandi.core.vocab import ReviewTag

FEEDBACK_MAX_AGE_DAYS = 45
UNSUBSCRIBE_MAX_AGE_DAYS = 400  # unsubscribing must keep working from old e-mails

_FEEDBACK_SALT = "cercabandi.digest.feedback"
_UNSUBSCRIBE_SALT = "cercabandi.digest.unsubscribe"

ClaimT = TypeVar("ClaimT")


class TokenError(ValueError):
    """A token that is expired, tampered with or not of the expected kind."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class FeedbackClaim:
    subscription_id: int
    email: str
    call_id: str
    project_id: str | None
    tag: ReviewTag


@dataclass(frozen=True)
class UnsubscribeClaim:
    subscription_id: int
    email: str


def _serializer(secret: SecretStr | str, salt: str, now: datetime) -> URLSafeTimedSerializer:
    timestamp = int(now.timestamp())

    class _At(TimestampSigner):  # itsdangerous reads the clock itself; ours is passed in
        def get_timestamp(self) -> int:
            return timestamp

    key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return URLSafeTimedSerializer(key, salt=salt, signer=_At)


def _read_claim(
    secret: SecretStr | str,
    salt: str,
    token: str,
    now: datetime,
    max_age_days: int,
    claim: Callable[[dict[str, Any]], ClaimT],
) -> ClaimT:
    """The claim a token carries; TokenError when it is expired, tampered with or of another shape."""
    try:
        data = _serializer(secret, salt, now).loads(token, max_age=max_age_days * 86400)
    except SignatureExpired as exc:
        raise TokenError("il link è scaduto", expired=True) from exc
    except BadSignature as exc:
        raise TokenError("il link non è valido (incompleto o modificato)") from exc
    try:
        assert isinstance(data, dict)
        return claim(data)
    except (AssertionError, KeyError, TypeError, ValueError) as exc:
        raise TokenError("il link non è valido (contenuto inatteso)") from exc


def feedback_token(
    secret: SecretStr | str,
    *,
    subscription_id: int,
    email: str,
    call_id: str,
    project_id: str | None,
    tag: ReviewTag,
    now: datetime,
) -> str:
    payload = {"s": subscription_id, "e": email, "c": call_id, "p": project_id, "t": tag.value}
    return str(_serializer(secret, _FEEDBACK_SALT, now).dumps(payload))


def read_feedback_token(
    secret: SecretStr | str, token: str, *, now: datetime, max_age_days: int = FEEDBACK_MAX_AGE_DAYS
) -> FeedbackClaim:
    return _read_claim(
        secret,
        _FEEDBACK_SALT,
        token,
        now,
        max_age_days,
        lambda data: FeedbackClaim(
            subscription_id=int(data["s"]),
            email=str(data["e"]),
            call_id=str(data["c"]),
            project_id=None if data.get("p") is None else str(data["p"]),
            tag=ReviewTag(data["t"]),
        ),
    )


def unsubscribe_token(secret: SecretStr | str, *, subscription_id: int, email: str, now: datetime) -> str:
    return str(_serializer(secret, _UNSUBSCRIBE_SALT, now).dumps({"s": subscription_id, "e": email}))


def read_unsubscribe_token(
    secret: SecretStr | str, token: str, *, now: datetime, max_age_days: int = UNSUBSCRIBE_MAX_AGE_DAYS
) -> UnsubscribeClaim:
    return _read_claim(
        secret,
        _UNSUBSCRIBE_SALT,
        token,
        now,
        max_age_days,
        lambda data: UnsubscribeClaim(subscription_id=int(data["s"]), email=str(data["e"])),
    )
