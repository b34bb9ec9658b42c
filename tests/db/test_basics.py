"""Datetimes, JSON and reviews behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from cercabandi.core.models import Review
from cercabandi.core.vocab import ReviewReason, ReviewTag
from cercabandi.db.models import Call, ReviewRow, Source
from cercabandi.db.repo.reviews import record_review, reviews_for_call


def _call(session: Session, now: datetime) -> Call:
    session.add(Source(id="lombardia_bandi", name="Regione Lombardia", url="https://x", level="regional"))
    session.flush()
    row = Call(
        id="lombardia_bandi:RLA1",
        source_id="lombardia_bandi",
        native_id="RLA1",
        title="Bando",
        level="regional",
        content_hash="0" * 64,
        data={"title": "Bando", "applicant_types": ["comune"]},
        first_seen=now,
        last_seen=now,
        deadline_at=datetime(2027, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Rome")),
    )
    session.add(row)
    session.flush()
    return row


def test_datetimes_round_trip_as_aware_utc(session: Session, now: datetime) -> None:
    _call(session, now)
    session.commit()
    session.expire_all()
    row = session.get(Call, "lombardia_bandi:RLA1")
    assert row is not None
    assert row.deadline_at == datetime(2027, 3, 1, 11, 0, tzinfo=UTC)
    assert row.deadline_at.tzinfo is not None
    assert row.data["applicant_types"] == ["comune"]


def test_naive_datetime_refused(session: Session, now: datetime) -> None:
    row = _call(session, now)
    row.last_seen = datetime(2026, 1, 1)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_foreign_keys_enforced(session: Session, now: datetime) -> None:
    session.add(
        Call(
            id="nowhere:1",
            source_id="nowhere",
            native_id="1",
            title="x",
            level="eu",
            content_hash="0",
            data={},
            first_seen=now,
            last_seen=now,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_record_review_is_idempotent_for_repeated_clicks(session: Session, now: datetime) -> None:
    _call(session, now)
    review = Review(
        call_id="lombardia_bandi:RLA1",
        tag=ReviewTag.NOT_RELEVANT,
        reason=ReviewReason.TERRITORY,
        reviewer="giulia",
        at=now,
    )
    first = record_review(session, review, via="email")
    again = record_review(session, review.model_copy(update={"at": now + timedelta(minutes=1)}), via="email")
    assert first.id == again.id
    changed = record_review(
        session, review.model_copy(update={"tag": ReviewTag.RELEVANT, "reason": None, "at": now + timedelta(hours=1)})
    )
    assert changed.id != first.id
    assert [r.tag for r in reviews_for_call(session, "lombardia_bandi:RLA1")] == ["not_relevant", "relevant"]
    assert session.scalar(select(ReviewRow.via).where(ReviewRow.id == first.id)) == "email"
