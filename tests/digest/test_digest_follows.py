"""A followed call's changes go into the digest sent to the follower's address, once, through real SMTP."""

from __future__ import annotations

from datetime import datetime, timedelta

from digest_world import SPORT_EMAIL, Mailbox, World, add_version
from sqlalchemy import select

from cercabandi.core.settings import Settings
from cercabandi.db.models import DigestSentItem, User
from cercabandi.db.repo.follows import follow
from cercabandi.db.session import transaction
from cercabandi.digest.service import run_digests

FOLLOWED = "fnd_cariplo:EMBLEMATICI"  # matched only with projects outside the sport subscription's scope


def _texts_to(mailbox: Mailbox, address: str) -> list[str]:
    texts = []
    for message in mailbox.to(address):
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        texts.append(body.get_content())  # type: ignore[attr-defined]
    return texts


def test_changes_of_a_followed_call_reach_the_followers_digest_once(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    run_digests(world.sessions, settings, now=now)
    assert not any("Emblematici" in text for text in _texts_to(mailbox, SPORT_EMAIL))
    with transaction(world.sessions) as s:
        # a change before the person follows the call is not news to them
        add_version(s, FOLLOWED, {"budget_total": "900000.00"}, at=now + timedelta(minutes=30))
        person = User(
            username="sara", email="Sport@CittaMetropolitana.mi.it", password_hash="x", role="staff", created_at=now
        )
        s.add(person)
        s.flush()
        assert follow(s, person.id, FOLLOWED, now=now + timedelta(hours=1))
        assert not follow(s, person.id, "nessuno:BANDO", now=now)
    with transaction(world.sessions) as s:
        add_version(
            s, FOLLOWED, {"deadlines": [{"at": "2027-06-30T10:00:00Z", "label": None}]}, at=now + timedelta(hours=20)
        )

    run_digests(world.sessions, settings, now=now + timedelta(days=1))
    latest = _texts_to(mailbox, SPORT_EMAIL)[-1]
    assert "Emblematici minori 2026" in latest
    assert "scadenza spostata" in latest and "30/06" in latest
    assert latest.count("900.000") == 1  # in the facts; the change before the follow is not news

    sent_before = len(mailbox.messages)
    run_digests(world.sessions, settings, now=now + timedelta(days=1, hours=1))
    assert len(mailbox.messages) == sent_before  # told once: the version's key is in digest_sent_items
    with world.sessions() as s:
        keys = s.scalars(select(DigestSentItem.item_key).where(DigestSentItem.subscription_id == world.sport))
        assert any(key == "change:fnd_cariplo%3AEMBLEMATICI:v3" for key in keys)
