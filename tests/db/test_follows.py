"""Following calls in the store, on SQLite and PostgreSQL: one row per person and call, read by e-mail address."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cercabandi.db.models import User
from cercabandi.db.repo import calls as calls_repo
from cercabandi.db.repo import follows as repo
from tests.flows.factories import add_sources, funding_call

CALL = "lombardia_bandi:RLA12026000001"


def _person(session: Session, username: str, email: str | None, now: datetime, *, active: bool = True) -> User:
    user = User(username=username, email=email, password_hash="x", role="volunteer", active=active, created_at=now)
    session.add(user)
    session.flush()
    return user


def test_follow_once_list_and_unfollow(session: Session, now: datetime) -> None:
    add_sources(session)
    calls_repo.upsert_call(session, funding_call(now=now), now=now)
    anna = _person(session, "anna", "anna@comune.rho.mi.it", now)
    assert repo.follow(session, anna.id, CALL, now=now)
    assert repo.follow(session, anna.id, CALL, now=now + timedelta(days=1))  # again: the first date stays
    assert not repo.follow(session, anna.id, "lombardia_bandi:NESSUNO", now=now)
    session.commit()
    assert repo.is_following(session, anna.id, CALL)
    [(call, since)] = repo.followed_calls(session, anna.id)
    assert (call.id, since) == (CALL, now)
    repo.unfollow(session, anna.id, CALL)
    assert repo.followed_calls(session, anna.id) == [] and not repo.is_following(session, anna.id, CALL)


def test_follows_of_an_address_ignore_case_and_inactive_people(session: Session, now: datetime) -> None:
    add_sources(session)
    calls_repo.upsert_call(session, funding_call(now=now), now=now)
    early, late = now - timedelta(days=3), now
    repo.follow(session, _person(session, "anna", "Anna@Comune.Rho.mi.it", now).id, CALL, now=late)
    repo.follow(session, _person(session, "anna2", "anna@comune.rho.mi.it", now).id, CALL, now=early)
    repo.follow(session, _person(session, "ex", "ex@comune.rho.mi.it", now, active=False).id, CALL, now=now)
    repo.follow(session, _person(session, "nomail", None, now).id, CALL, now=now)
    session.commit()
    found = repo.follows_of_email(session, " ANNA@comune.rho.mi.it")
    assert list(found) == [CALL]
    assert found[CALL].replace(tzinfo=early.tzinfo) == early  # the earliest follow (SQLite's min() is naive)
    assert repo.follows_of_email(session, "ex@comune.rho.mi.it") == {}
