"""The digest's one-click feedback pages are part of the application."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.web.app import create_app
from cercabandi.web.routes_feedback import _CSP
from tests.web.conftest import Clock


def test_feedback_pages_are_mounted_without_login(
    web_settings: Settings, web_sessions: sessionmaker[Session], clock: Clock
) -> None:
    app = create_app(web_settings, web_sessions, clock=clock, secure_cookies=False)
    with TestClient(app, follow_redirects=False) as client:
        response = client.get("/feedback/not-a-valid-token")  # no login: the signed token is the credential
    # Not the login redirect, not the application's 404: the feedback router answered, in Italian.
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "login" not in response.headers.get("location", "")
    # Its pages keep their own Content-Security-Policy (they inline their CSS).
    assert response.headers["content-security-policy"] == _CSP


def test_one_click_feedback_from_a_digest_reaches_the_review_pages(
    app, client: TestClient, web_settings: Settings, web_sessions: sessionmaker[Session], as_user, now
) -> None:
    from sqlalchemy import select

    from cercabandi.core.vocab import ReviewTag
    from cercabandi.db.models import ReviewRow
    from cercabandi.db.repo.subscriptions import create_subscription
    from cercabandi.digest.tokens import feedback_token

    call_id = "fnd_cariplo:2026-emblematici-minori"
    with web_sessions() as session, session.begin():
        sub = create_subscription(session, email="referente@comune.rho.mi.it", now=now, comuni=["015182"])
        token = feedback_token(
            web_settings.secret_key,
            subscription_id=sub.id,
            email=sub.email,
            call_id=call_id,
            project_id="J84E21000330001",
            tag=ReviewTag.RELEVANT,
            now=now,
        )
    page = client.get(f"/feedback/{token}")  # anonymous: the signed token is the credential
    assert page.status_code == 200
    assert client.post(f"/feedback/{token}").status_code == 200
    with web_sessions() as session:
        row = session.scalar(select(ReviewRow).where(ReviewRow.call_id == call_id))
    assert row is not None and (row.via, row.reviewer, row.tag) == ("email", "referente@comune.rho.mi.it", "relevant")
    staff_view = as_user("marco").get(f"/calls/{call_id}").text
    assert "referente@comune.rho.mi.it" in staff_view and "(email)" in staff_view
