"""The digest branch's one-click feedback router is mounted when its module exists."""

from __future__ import annotations

import importlib.machinery
import sys
import types

import pytest
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.web.app import create_app
from tests.web.conftest import Clock


def test_feedback_router_is_included_when_present(
    monkeypatch: pytest.MonkeyPatch, web_settings: Settings, web_sessions: sessionmaker[Session], clock: Clock
) -> None:
    name = "cercabandi.web.routes_feedback"
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    router = APIRouter()

    @router.get("/feedback/{token}")
    def feedback(token: str, request: Request) -> JSONResponse:
        # The router reads the shared state the interface promises.
        assert request.app.state.sessions is web_sessions and request.app.state.clock is clock
        return JSONResponse({"token": token}, headers={"Content-Security-Policy": "style-src 'unsafe-inline'"})

    module.router = router  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    app = create_app(web_settings, web_sessions, clock=clock, secure_cookies=False)
    with TestClient(app, follow_redirects=False) as client:
        response = client.get("/feedback/abc")  # no login: the signed token is the credential
    assert response.status_code == 200 and response.json() == {"token": "abc"}
    # Its pages keep their own Content-Security-Policy (they inline their CSS).
    assert response.headers["content-security-policy"] == "style-src 'unsafe-inline'"
