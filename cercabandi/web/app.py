"""The review application: ``create_app`` wires settings, database sessions and the clock.

Pages are server-rendered (Jinja2, in Italian); the only JavaScript is the keyboard
layer of the triage queue. Everything (CSS, JS) is served from ``static/``: no CDN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
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
    routes_info,
    routes_monitoring,
    routes_triage,
)
from cercabandi.web.middleware import RequestLimits, TrustedProxies, catch_errors, security_headers
from cercabandi.web.pages import error_page, route_path
from cercabandi.web.render import STATIC_DIR, make_templates
from cercabandi.web.security import GENERATION, CSRFError, Forbidden, LoginRequired

log = logging.getLogger(__name__)

SESSION_COOKIE = "cercabandi_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; then log in again


class InsecureSettings(RuntimeError):
    """The settings would let anyone forge sessions: the application refuses to start."""


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
    problem = settings.secret_key_problem()
    if problem:
        raise InsecureSettings(problem)
    secret = settings.secret_key.get_secret_value()
    if secure_cookies is None:
        secure_cookies = settings.base_url.startswith("https://")

    users_repo.warm_up()  # the first failed login takes as long as the next ones
    app = FastAPI(title="cercabandi", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.clock = clock
    app.state.templates = make_templates(settings.tz)

    _add_middleware(app, settings, secret, secure_cookies)
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
        routes_info,
    ):
        app.include_router(module.router)
    _add_error_pages(app)
    return app


def _add_middleware(app: FastAPI, settings: Settings, secret: str, secure_cookies: bool) -> None:
    # Added innermost first: errors and limits run with the session; proxies and headers outside it.
    app.middleware("http")(catch_errors)
    app.add_middleware(RequestLimits)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.add_middleware(TrustedProxies, networks=settings.trusted_proxy_networks)
    app.middleware("http")(security_headers)


def _add_error_pages(app: FastAPI) -> None:
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

    @app.exception_handler(RequestValidationError)
    async def _bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        # A page number, an id or a form field of the wrong type or out of bounds: an Italian 400, not JSON.
        fields = sorted({str(error["loc"][-1]) for error in exc.errors() if error.get("loc")})
        return _error_page(
            request,
            400,
            "Richiesta non valida",
            f"Valore non valido per: {', '.join(fields) or 'un parametro'}. Apri la pagina dal menu e riprova.",
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
        if found is None or not found.active or request.session.get(GENERATION) != found.session_generation:
            return None  # the same rule as optional_user: a cookie from before a logout shows no one
        db.expunge(found)
        return found


def _error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return error_page(request, status, title, message, user=getattr(request.state, "user", None))
