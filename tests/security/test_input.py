"""Issue #12, hostile and careless input to the review application: 400 pages, never a 500, nothing stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cercabandi.core.vocab import ReviewTag
from cercabandi.db.models import ReviewRow, Subscription
from cercabandi.db.repo.subscriptions import create_subscription, unsubscribe
from cercabandi.digest.tokens import feedback_token
from tests.conftest import NOW
from tests.security.conftest import Served
from tests.web.conftest import csrf_of, login

CALL_ID = "fnd_cariplo:2026-emblematici-minori"
HUGE = "99999999999999999999"


def _reviews(served: Served) -> int:
    with served.sessions() as session:
        return session.scalar(select(func.count()).select_from(ReviewRow)) or 0


@pytest.mark.parametrize(
    "url",
    [
        f"/calls?page={HUGE}",
        f"/projects?page={HUGE}",
        f"/triage?i={HUGE}",
        "/calls?q=" + "a" * 50_001,
        "/calls?applicant=" + "a" * 50_001,
        "/projects?q=" + "b" * 50_001,
        "/calls?q=a%00b",
        "/calls/abc%00def",
    ],
)
def test_unbounded_parameters_get_the_italian_400_page(served: Served, url: str) -> None:
    with served.client() as client:
        login(client, "anna")
        response = client.get(url)
    assert response.status_code == 400, response.text[:300]
    assert "Richiesta non valida" in response.text and "frame-ancestors" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", [f"/admin/users/{2**64}", f"/subscriptions/{2**64}", "/admin/users/-1"])
def test_ids_past_the_database_integer_are_a_400(served: Served, path: str) -> None:
    with served.client() as client:
        login(client, "anna")
        token = csrf_of(client.get("/").text)
        response = client.post(path, data={"csrf_token": token, "action": "deactivate"})
    assert response.status_code == 400 and "Richiesta non valida" in response.text


def test_nul_in_a_form_is_refused_before_the_database(served: Served) -> None:
    before = _reviews(served)
    with served.client() as client:
        login(client, "giulia")
        token = csrf_of(client.get("/").text)
        form = {"csrf_token": token, "call_id": CALL_ID, "tag": "relevant", "note": "nota\x00con NUL"}
        response = client.post("/review", data=form)
    assert response.status_code == 400 and "caratteri non ammessi" in response.text
    assert _reviews(served) == before


def test_a_review_note_is_capped_like_the_e_mail_path(served: Served) -> None:
    before = _reviews(served)
    with served.client() as client:
        login(client, "giulia")
        token = csrf_of(client.get("/").text)
        form = {"csrf_token": token, "call_id": CALL_ID, "tag": "relevant", "back": "call"}
        client.post("/review", data=form | {"note": "x" * 2_001})
        assert "La nota è troppo lunga" in client.get(f"/calls/{CALL_ID}").text
        assert _reviews(served) == before
        client.post("/review", data=form | {"note": "x" * 2_000})
        assert _reviews(served) == before + 1
        huge = client.post("/review", data=form | {"note": "x" * 1_000_000})
        assert huge.status_code == 413


def _feedback(served: Served, subscription_id: int, email: str) -> str:
    return feedback_token(
        served.settings.secret_key,
        subscription_id=subscription_id,
        email=email,
        call_id=CALL_ID,
        project_id=None,
        tag=ReviewTag.RELEVANT,
        now=NOW,
    )


def test_feedback_after_unsubscribing_is_refused(served: Served) -> None:
    with served.sessions() as session, session.begin():
        sub = create_subscription(session, email="referente@comune.rho.mi.it", now=NOW, comuni=["015182"])
        sub_id, email = sub.id, sub.email
    token = _feedback(served, sub_id, email)
    with served.sessions() as session, session.begin():
        unsubscribe(session, sub_id, now=NOW)
    before = _reviews(served)
    with served.client() as client:
        page = client.get(f"/feedback/{token}")
        submitted = client.post(f"/feedback/{token}")
    assert page.status_code == submitted.status_code == 410
    assert "Iscrizione non attiva" in submitted.text
    assert _reviews(served) == before


def test_feedback_for_a_subscription_that_never_existed_is_refused(served: Served) -> None:
    with served.sessions() as session:
        missing = (session.scalar(select(func.max(Subscription.id))) or 0) + 1000
    before = _reviews(served)
    with served.client() as client:
        for token in (_feedback(served, missing, "x@example.org"), _feedback(served, 2**64, "x@example.org")):
            response = client.post(f"/feedback/{token}")
            assert response.status_code == 410 and "Iscrizione non attiva" in response.text
    assert _reviews(served) == before


def test_bad_form_types_get_the_italian_page_not_json(served: Served) -> None:
    with served.client() as client:
        login(client, "giulia")
        token = csrf_of(client.get("/").text)
        response = client.post("/review", data={"csrf_token": token, "call_id": CALL_ID, "i": "not-a-number"})
    assert response.status_code == 400 and "text/html" in response.headers["content-type"]


def test_limits_apply_before_login(client: TestClient) -> None:
    assert client.get("/login?next=" + "a" * 50_001).status_code == 400


def test_the_web_export_of_calls_quotes_full_width_formulas(served: Served) -> None:
    from cercabandi.db.models import Call

    with served.sessions() as session, session.begin():
        call = session.get(Call, CALL_ID)
        assert call is not None
        call.title = '\uff1dHYPERLINK("http://x.example")'
    with served.client() as client:
        login(client, "giulia")
        exported = client.get("/calls.csv").text
    assert "'\uff1dHYPERLINK" in exported


def test_the_nightly_digest_step_refuses_a_forgeable_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cercabandi.core.settings import Settings
    from cercabandi.flows.nightly import digest_all

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=9, base_url="https://bandi.example.it"
    )
    with pytest.raises(ValueError, match="refusing to send digests"):
        digest_all(settings, now=NOW, dry_run=False)
