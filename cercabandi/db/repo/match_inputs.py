"""The fingerprint of the last match step's inputs: one row per scope. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cercabandi.db.models import MatchInputs

CATALOGUE = "catalogue"


def last_fingerprint(session: Session, scope: str = CATALOGUE) -> str | None:
    row = session.get(MatchInputs, scope)
    return None if row is None else row.fingerprint


def record_fingerprint(
    session: Session, fingerprint: str, *, matcher_version: str, now: datetime, scope: str = CATALOGUE
) -> None:
    row = session.get(MatchInputs, scope)
    if row is None:
        row = MatchInputs(scope=scope)
        session.add(row)
    row.fingerprint, row.matcher_version, row.computed_at = fingerprint, matcher_version, now
