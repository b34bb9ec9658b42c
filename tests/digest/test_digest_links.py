"""The one-click pages of the e-mails, on a minimal FastAPI app (the real app includes the same router)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from digest_world import STAFF_EMAIL, Mailbox, World
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from cercabandi.core.settings import Settings
from cercabandi.core.vocab import ReviewTag
from cercabandi.db.models import ReviewRow, Subscription
from cercabandi.digest.service import run_digests
from cercabandi.digest.tokens import feedback_token, unsubscribe_token
from cercabandi.web.routes_feedback import router

CALL = "it_incentivi:SPORT-PERIFERIE"


@pytest.fixture
def client(world: World, settings: Settings, now: datetime) -> TestClient:
    app = FastAPI()
    app.state.settings = settings
    app.state.sessions = world.sessions
    app.state.clock = lambda: now + timedelta(days=2)
    app.include_router(router)
    return TestClient(app)


def _path(url: str) -> str:
    return "/" + url.split("/app/", 1)[1]


def _reviews(world: World) -> list[ReviewRow]:
    with world.sessions() as s:
        return list(s.scalars(select(ReviewRow).where(ReviewRow.via == "email")))


def test_feedback_links_of_a_real_digest_record_a_review_only_on_post(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime, client: TestClient
) -> None:
    run_digests(world.sessions, settings, now=now, subscription_ids=[world.staff])
    text = mailbox.messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    block = text[text.index("Riqualificazione del centro sportivo") :]
    yes = re.search(r"sì: (\S+)", block).group(1)  # type: ignore[union-attr]
    no = re.search(r"no: (\S+)", block).group(1)  # type: ignore[union-attr]

    page = client.get(_path(yes))
    assert page.status_code == 200 and "Sport e Periferie 2026" in page.text and "Riqualificazione" in page.text
    assert 'method="post"' in page.text
    assert _reviews(world) == []  # a mail scanner opening the link records nothing

    done = client.post(_path(yes), data={"note": "ne parliamo lunedì"})
    assert done.status_code == 200 and "pertinente" in done.text
    (review,) = _reviews(world)
    assert (review.call_id, review.project_id, review.tag, review.reviewer) == (
        CALL,
        "P-RHO-SPORT",
        "relevant",
        STAFF_EMAIL,
    )
    assert review.note == "ne parliamo lunedì"
    client.post(_path(yes), data={"note": "ne parliamo lunedì"})
    assert len(_reviews(world)) == 1  # the same click twice is one review

    form = client.get(_path(no))
    assert "Soggetto non ammissibile" in form.text and 'name="reason"' in form.text
    missing = client.post(_path(no), data={})
    assert missing.status_code == 422 and "Scegli il motivo" in missing.text
    assert client.post(_path(no), data={"reason": "budget"}).status_code == 200
    latest = _reviews(world)[-1]
    assert (latest.tag, latest.reason, latest.via) == ("not_relevant", "budget", "email")


def test_expired_and_tampered_feedback_links_are_refused(
    world: World, settings: Settings, now: datetime, client: TestClient
) -> None:
    old = feedback_token(
        settings.secret_key,
        subscription_id=world.staff,
        email=STAFF_EMAIL,
        call_id=CALL,
        project_id=None,
        tag=ReviewTag.RELEVANT,
        now=now - timedelta(days=90),
    )
    expired = client.post(f"/feedback/{old}")
    assert expired.status_code == 410 and "scaduto" in expired.text

    fresh = feedback_token(
        settings.secret_key,
        subscription_id=world.staff,
        email=STAFF_EMAIL,
        call_id=CALL,
        project_id=None,
        tag=ReviewTag.RELEVANT,
        now=now,
    )
    tampered = fresh[:-3] + ("AAA" if not fresh.endswith("AAA") else "BBB")
    assert client.get(f"/feedback/{tampered}").status_code == 400
    assert client.post(f"/feedback/{tampered}").status_code == 400
    assert _reviews(world) == []


def test_unsubscribe_page_then_one_click_post(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime, client: TestClient
) -> None:
    run_digests(world.sessions, settings, now=now, subscription_ids=[world.rho])
    url = mailbox.messages[0]["List-Unsubscribe"].strip("<>")

    page = client.get(_path(url))
    assert page.status_code == 200 and "il Comune di Rho" in page.text
    with world.sessions() as s:
        assert s.get(Subscription, world.rho).active  # type: ignore[union-attr]

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the header's URL
    done = client.post(
        _path(url),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and "non riceverà più" in done.text
    with world.sessions() as s:
        sub = s.get(Subscription, world.rho)
        assert sub is not None and not sub.active and sub.unsubscribed_at is not None
    later = run_digests(world.sessions, settings, now=now + timedelta(days=7))
    assert world.rho not in {o.subscription_id for o in later.outcomes}


def test_an_unsubscribe_token_cannot_be_used_as_feedback_and_vice_versa(
    world: World, settings: Settings, now: datetime, client: TestClient
) -> None:
    token = unsubscribe_token(settings.secret_key, subscription_id=world.staff, email=STAFF_EMAIL, now=now)
    assert client.post(f"/feedback/{token}").status_code == 400
    other_key = unsubscribe_token("another-secret", subscription_id=world.staff, email=STAFF_EMAIL, now=now)
    assert client.post(f"/unsubscribe/{other_key}").status_code == 400
    with world.sessions() as s:
        assert s.get(Subscription, world.staff).active  # type: ignore[union-attr]


def test_pages_allow_their_stylesheet_and_nothing_else(world: World, settings: Settings, now: datetime) -> None:
    import base64
    import hashlib

    app = FastAPI()
    app.state.settings, app.state.sessions, app.state.clock = settings, world.sessions, lambda: now
    app.include_router(router)
    token = unsubscribe_token(settings.secret_key, subscription_id=world.staff, email=STAFF_EMAIL, now=now)
    page = TestClient(app).get(f"/unsubscribe/{token}")
    style = re.search(r"<style>(.*?)</style>", page.text, re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = page.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert "style=" not in page.text and "<script" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
