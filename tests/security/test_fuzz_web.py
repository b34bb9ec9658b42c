"""Every route of the review application × hostile values: never a 5xx, never a traceback, in bounded time.

The values go into every path parameter, into the query string (the parameters the routes read and a
few they do not) and into every form field of every POST route, as an administrator (who may open
every page) and anonymously. SQLite, as the other web tests; PostgreSQL's own refusals (NUL, integer
range) are covered by ``test_input.py`` on both databases.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from cercabandi.web import (
    routes_admin,
    routes_auth,
    routes_browse,
    routes_dashboard,
    routes_export,
    routes_feedback,
    routes_triage,
)
from tests.web.conftest import csrf_of, login

HOSTILE = {
    "huge-int": "99999999999999999999",
    "2^64": str(2**64),
    "negative": "-9223372036854775809",
    "long": "x" * 5_000,  # 50,000+ in one parameter: test_input.py
    "nul": "a\x00b",
    "controls": "\x1b[31m\x07\x7f",
    "invalid-utf8": "%ff%fe%c3%28",  # already percent-encoded: raw bytes that are not UTF-8
    "traversal": "../../../../etc/passwd",
    "sql": "' OR 1=1; DROP TABLE users; --",
    "float": "nan",
}
QUERY_KEYS = ("page", "i", "q", "applicant", "comune", "status", "deadline_from", "token", "next", "level", "tag")
BUDGET_SECONDS = 45.0  # per hostile value, for every route; a few seconds on a quiet machine


ROUTERS = [
    module.router
    for module in (
        routes_admin,
        routes_auth,
        routes_browse,
        routes_dashboard,
        routes_export,
        routes_feedback,
        routes_triage,
    )
]


def _routes(app: FastAPI) -> Iterator[APIRoute]:
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    yield from sorted(routes, key=lambda route: route.path == "/logout")  # logging out last


def _fill(path: str, value: str) -> str:
    encoded = value if value.startswith("%") else quote(value, safe="")
    out, rest = "", path
    while "{" in rest:
        before, _, after = rest.partition("{")
        _, _, rest = after.partition("}")
        out += before + encoded
    return out + rest


def _queries(value: str) -> list[str]:
    """All the keys in one query string, or one key at a time when the value is long (URL length limit)."""
    encoded = value if value.startswith("%") else quote(value, safe="")
    if len(encoded) * len(QUERY_KEYS) > 60_000:
        return [f"{key}={encoded}" for key in QUERY_KEYS]
    return ["&".join(f"{key}={encoded}" for key in QUERY_KEYS)]


def _form_fields(route: APIRoute) -> list[str]:
    return [param.alias for param in route.dependant.body_params]


def _check(response, label: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:200]!r}"
    assert "Traceback" not in response.text, label


def _hit_every_route(app: FastAPI, client: TestClient, value: str, name: str, *, logged_in: bool) -> int:
    token = csrf_of(client.get("/account" if logged_in else "/login").text)
    requests = 0
    for route in _routes(app):
        for method in sorted(route.methods):
            path = _fill(route.path, value)
            if method == "GET":
                # The hostile path alone, then a harmless path with the hostile query (URLs have a length limit).
                urls = [path] + [f"{_fill(route.path, '1')}?{query}" for query in _queries(value)]
                for url in urls if "{" in route.path else urls[1:]:
                    _check(client.get(url), f"GET {route.path} {name}")
            else:
                form = dict.fromkeys(_form_fields(route), value.replace("%", "")) | {"csrf_token": token}
                _check(client.post(path, data=form), f"POST {route.path} {name}")
            requests += 1
    return requests


@pytest.mark.parametrize("name", list(HOSTILE))
def test_no_route_fails_on_hostile_values(app: FastAPI, name: str) -> None:
    value = HOSTILE[name]
    started = time.monotonic()
    with TestClient(app, follow_redirects=False) as anonymous, TestClient(app, follow_redirects=False) as admin:
        login(admin, "anna")
        requests = _hit_every_route(app, anonymous, value, name, logged_in=False)
        requests += _hit_every_route(app, admin, value, name, logged_in=True)
    elapsed = time.monotonic() - started
    assert requests >= 40
    assert elapsed < BUDGET_SECONDS, f"{requests} requests took {elapsed:.1f} s"
