"""The review application: ``create_app`` wires settings, database sessions and the clock.

Pages are server-rendered (Jinja2, in Italian); the only JavaScript is the keyboard
layer of the triage queue. Everything (CSS, JS) is served from ``static/``: no CDN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from cercabandi.core.models import utcnow
from cercabandi.core.settings import Settings
from cercabandi.db.models import User
from cercabandi.db.repo import users as users_repo
from cercabandi.web import (
    routes_admin,
    routes_applications,
    routes_auth,
    routes_browse,
    routes_dashboard,
    routes_export,
    routes_feedback,
    routes_monitoring,
    routes_triage,
)
from cercabandi.web.pages import error_page, route_path
from cercabandi.web.render import STATIC_DIR, make_templates
from cercabandi.web.security import CSRFError, Forbidden, LoginRequired, LoginThrottle

log = logging.getLogger(__name__)

SESSION_COOKIE = "cercabandi_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; then log in again
DEFAULT_SECRET = "change-me-in-production"


def create_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime] = utcnow,
    *,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """The FastAPI application.

    ``secure_cookies`` defaults to whether ``settings.base_url`` is https: behind a
    TLS-terminating proxy the cookie is Secure, on plain local http it must not be.
    """
    secret = settings.secret_key.get_secret_value()
    if secret == DEFAULT_SECRET:
        log.warning("CERCABANDI_SECRET_KEY is the default: set a long random value before going live")
    if secure_cookies is None:
        secure_cookies = settings.base_url.startswith("https://")

    users_repo.warm_up()  # the first failed login takes as long as the next ones
    app = FastAPI(title="cercabandi", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.clock = clock
    app.state.templates = make_templates(settings.tz)
    # Per username: slows guessing one account. Per address: looser, since an office behind
    # one NAT address (or a proxy without --proxy-headers) shares it.
    app.state.login_throttles = {"user": LoginThrottle(limit=5), "ip": LoginThrottle(limit=20)}

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure_cookies,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    for module in (
        routes_auth,
        routes_dashboard,
        routes_triage,
        routes_browse,
        routes_export,
        routes_admin,
        routes_feedback,
        routes_applications,
        routes_monitoring,
    ):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = route_path(request) + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return RedirectResponse(f"{request.scope.get('root_path', '')}/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        return _error_page(request, 403, "Accesso negato", "Il tuo ruolo non permette di aprire questa pagina.")

    @app.exception_handler(CSRFError)
    async def _csrf(request: Request, _exc: CSRFError) -> Response:
        return _error_page(
            request,
            403,
            "Modulo non valido",
            "Il modulo è scaduto o non proviene da questa applicazione (token di sicurezza mancante o errato). "
            "Torna indietro, ricarica la pagina e riprova.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown addresses and wrong methods come from the router (no route raises HTTPException):
        # people get an Italian page, not FastAPI's English JSON. Other statuses keep the default.
        if exc.status_code not in NOT_FOUND_PAGES:
            return await http_exception_handler(request, exc)
        title, message = NOT_FOUND_PAGES[exc.status_code]
        response = error_page(request, exc.status_code, title, message, user=_session_user(request))
        if exc.headers:
            response.headers.update(exc.headers)  # e.g. Allow on 405
        return response

    return app


NOT_FOUND_PAGES = {
    404: ("Pagina non trovata", "L'indirizzo richiesto non esiste: forse il collegamento è vecchio o incompleto."),
    405: ("Pagina non trovata", "Questo indirizzo non accetta questo tipo di richiesta: apri la pagina dal menu."),
}


def _session_user(request: Request) -> User | None:
    """The logged-in user for pages outside any route (no dependency ran), so the menu stays right."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return user  # type: ignore[no-any-return]
    uid = request.session.get("uid") if "session" in request.scope else None
    if uid is None:
        return None
    with request.app.state.sessions() as db:
        found = db.get(User, uid)
        if found is None or not found.active:
            return None
        db.expunge(found)
        return found


def _error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return error_page(request, status, title, message, user=getattr(request.state, "user", None))
