"""Rendering a page: the context every template gets (user, CSRF token, messages, now)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cercabandi.core.vocab import Role
from cercabandi.db.models import User
from cercabandi.web.security import csrf_token, has_role, now, pop_flashes


def render(
    request: Request, template: str, context: dict[str, Any], *, user: User | None, status_code: int = 200
) -> HTMLResponse:
    base = {
        "user": user,
        "is_staff": has_role(user, Role.STAFF),
        "is_admin": has_role(user, Role.ADMIN),
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "now": now(request),
        "root": request.scope.get("root_path", ""),
        "path": route_path(request),
        "can_undo": bool(request.session.get("undo")) if "session" in request.scope else False,
    }
    base.update(context)
    return request.app.state.templates.TemplateResponse(request, template, base, status_code=status_code)


def error_page(request: Request, status: int, title: str, message: str, *, user: User | None) -> HTMLResponse:
    """The application's error page ("Bando non trovato", "Accesso negato", ...) with its HTTP status."""
    return render(request, "error.html", {"title": title, "message": message}, user=user, status_code=status)


def page_count(total: int, page_size: int) -> int:
    """How many pages a list of ``total`` rows fills (at least one, even when empty)."""
    return max(1, (total + page_size - 1) // page_size)


def route_path(request: Request) -> str:
    """The path inside the application, without the proxy's root path (servers may include it)."""
    path, root = request.url.path, request.scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root) :]
    return path or "/"


def redirect(request: Request, path: str, **params: Any) -> RedirectResponse:
    """A 303 to a path of this application (honours the root path behind a proxy)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = request.scope.get("root_path", "") + path + (f"?{query}" if query else "")
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only local paths after login: never an open redirect to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def call_page_url(base_url: str, call_id: str) -> str:
    """The shareable address of a call's page (the public base URL, not the one of this request)."""
    return f"{base_url.rstrip('/')}/calls/{quote(call_id, safe=':')}"
