"""What every request goes through before a route: who the client is, sane sizes, safe headers, no bare 500.

* ``TrustedProxies``: ``X-Forwarded-For``/``-Proto`` are believed only from the addresses in
  ``CERCABANDI_TRUSTED_PROXIES``; anyone else's are ignored, so a client cannot pick the address
  the login throttle sees.
* ``RequestLimits``: bounded path, query string, parameter values and body; no control characters
  (NUL breaks PostgreSQL, the others have no business in a form). Refused with the Italian error page.
* ``security_headers`` / ``catch_errors``: CSP, no framing, no caching of pages, and an Italian 500
  page with the same headers when a route fails unexpectedly.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cercabandi.core.untrusted import CONTROL_RE
from cercabandi.web.pages import error_page

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_PATH_CHARS = 1_000
MAX_QUERY_BYTES = 8_192
MAX_PARAM_CHARS = 1_000  # a search text, a filter value: far above any real one
MAX_BODY_BYTES = 64 * 1024  # the largest form is a review with its 2,000-character note
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


# ------------------------------------------------------------------ proxies


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _in(host: str, networks: Sequence[Network]) -> bool:
    address = _ip(host)
    return address is not None and any(address in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: Sequence[Network]) -> str:
    """The client address: the peer, or, when the peer is a trusted proxy, the nearest untrusted hop.

    ``X-Forwarded-For`` is read from the right: each trusted proxy appends the address it saw,
    and whatever a client wrote itself sits further left, where it is never reached.
    """
    if not _in(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in(hop, networks):
            return hop if _ip(hop) is not None else peer  # garbage is not an address to throttle by
    return hops[0] if hops else peer


class TrustedProxies:
    """Rewrites the ASGI client and scheme from the forwarding headers of trusted proxies only."""

    def __init__(self, app: ASGIApp, networks: Sequence[Network]) -> None:
        self.app = app
        self.networks = list(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks and scope.get("client"):
            peer, port = scope["client"]
            if _in(peer, self.networks):
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                client = forwarded_client(peer, headers.get("x-forwarded-for", ""), self.networks)
                scheme = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
                scope = dict(scope, client=(client, port))
                if scheme in ("http", "https"):
                    scope["scheme"] = scheme
        await self.app(scope, receive, send)


# ------------------------------------------------------------------- limits


def query_problem(path: str, query_string: bytes) -> str | None:
    """Why this path and query string are refused, or None."""
    if len(path) > MAX_PATH_CHARS:
        return "L'indirizzo è troppo lungo."
    if CONTROL_RE.search(path):
        return "L'indirizzo contiene caratteri non ammessi."
    if len(query_string) > MAX_QUERY_BYTES:
        return "I parametri della ricerca sono troppo lunghi."
    return values_problem(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True), MAX_PARAM_CHARS)


def values_problem(pairs: list[tuple[str, str]], max_chars: int) -> str | None:
    for key, value in pairs:
        if len(key) > 100 or len(value) > max_chars:
            return f"Il valore di «{key[:40]}» è troppo lungo (massimo {max_chars:,} caratteri).".replace(",", ".")
        if CONTROL_RE.search(key) or CONTROL_RE.search(value):
            return f"Il valore di «{CONTROL_RE.sub('', key)[:40]}» contiene caratteri non ammessi."
    return None


class RequestLimits:
    """Refuses oversized or malformed requests before any route (and the database) sees them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = query_problem(scope.get("path", ""), scope.get("query_string", b""))
        if problem:
            await self._refuse(scope, 400, problem, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body, status, problem = await _read_body(receive)
        if problem is None:
            problem = _form_problem(scope, body)
        if problem:
            await self._refuse(scope, status, problem, send)
            return
        await self.app(scope, _replay(body), send)

    async def _refuse(self, scope: Scope, status: int, message: str, send: Send) -> None:
        request = Request(scope)
        title = "Richiesta troppo grande" if status == 413 else "Richiesta non valida"
        response = error_page(request, status, title, message, user=None)
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


async def _read_body(receive: Receive) -> tuple[bytes, int, str | None]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", 413, f"Il modulo inviato è troppo grande (massimo {MAX_BODY_BYTES // 1024} KB)."
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), 400, None


def _form_problem(scope: Scope, body: bytes) -> str | None:
    content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return "Il modulo inviato non è in UTF-8."
    return values_problem(pairs, MAX_BODY_BYTES)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


# ------------------------------------------------------------------ headers


async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
    """Every response, error pages included: CSP, no framing, no sniffing; pages are never cached."""
    response: Response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith(f"{request.scope.get('root_path', '')}/static/"):
        # Pages and exports show what a logged-in user may see: no copy in shared or browser caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def catch_errors(request: Request, call_next: Callable[[Request], Any]) -> Response:
    """A failing route gives the Italian error page (with the headers above), never a bare 500."""
    try:
        response: Response = await call_next(request)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_page(
            request,
            500,
            "Errore interno",
            "Qualcosa non ha funzionato nell'applicazione. Riprova tra poco; se si ripete, avvisa l'ufficio.",
            user=None,
        )
    return response
