"""Behind a reverse proxy under a sub-path: links, redirects and static files carry the root path."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of
from tests.web.seed import PASSWORD


def test_root_path_is_honoured(app: FastAPI) -> None:
    # uvicorn --root-path puts the prefix in front of the path it hands over (ASGI spec).
    with TestClient(app, root_path="/cercabandi", follow_redirects=False) as client:
        assert client.get("/cercabandi/").headers["location"] == "/cercabandi/login?next=/"
        login = client.get("/cercabandi/login")
        assert 'href="/cercabandi/static/style.css"' in login.text and 'action="/cercabandi/login"' in login.text
        response = client.post(
            "/cercabandi/login",
            data={"username": "giulia", "password": PASSWORD, "next": "/calls", "csrf_token": csrf_of(login.text)},
        )
        assert response.headers["location"] == "/cercabandi/calls"
        calls = client.get("/cercabandi/calls").text
        assert 'href="/cercabandi/calls/lombardia_bandi%3ARLO12026034567"' in calls
        assert client.get("/cercabandi/static/app.js").status_code == 200
