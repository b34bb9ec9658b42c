"""Saved responses for the spider tests of national sources and foundations (web-poet style).

Each ``fixtures/<source>/`` folder holds input files written for these tests in the shape of the
real publisher, a ``meta.json`` giving each file's original URL (and status when not 200), and
``expected/<name>.json``: the raw calls a parse function must produce from that input (without
``fetched_at`` and ``payload``). Set ``CERCABANDI_WRITE_EXPECTED=1`` to write missing expected files
after a deliberate change, then read the diff before committing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse

from cercabandi.core.models import RawCall

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED_AT = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def meta(source: str, name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / source / "meta.json").read_text(encoding="utf-8"))
    return dict(data[name])


def fixture_bytes(source: str, name: str) -> bytes:
    return (FIXTURES / source / name).read_bytes()


def fixture_response(
    source: str, name: str, *, url: str | None = None, request_meta: dict[str, Any] | None = None
) -> Response:
    """The saved file as Scrapy would hand it to the spider (original URL and status from meta.json)."""
    info = meta(source, name)
    url = url or info["url"]
    body = fixture_bytes(source, name)
    cls = HtmlResponse if name.endswith(".html") else TextResponse
    headers = {"Content-Type": "text/html; charset=utf-8" if cls is HtmlResponse else "application/json"}
    if name.endswith(".pdf"):
        cls, headers = Response, {"Content-Type": "application/pdf"}  # type: ignore[assignment]
    request = Request(url, meta=request_meta or {})
    return cls(url=url, status=int(info.get("status", 200)), body=body, headers=headers, request=request)


def split_output(results: Iterable[Any] | None) -> tuple[list[RawCall], list[scrapy.Request]]:
    items: list[RawCall] = []
    requests: list[scrapy.Request] = []
    for result in results or ():
        if isinstance(result, RawCall):
            items.append(result)
        elif isinstance(result, scrapy.Request):
            requests.append(result)
        else:
            raise AssertionError(f"unexpected output {result!r}")
    return items, requests


def comparable(item: RawCall) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude={"fetched_at", "payload"})


def check_expected(source: str, name: str, items: list[RawCall]) -> None:
    """Compare with ``expected/<name>.json`` (written when missing and CERCABANDI_WRITE_EXPECTED is set)."""
    path = FIXTURES / source / "expected" / f"{Path(name).stem}.json"
    got = [comparable(item) for item in items]
    if not path.exists():
        if not os.environ.get("CERCABANDI_WRITE_EXPECTED"):
            raise AssertionError(f"{path} is missing: run with CERCABANDI_WRITE_EXPECTED=1 and review it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert got == expected


def labels(item: RawCall, kind: str) -> list[tuple[str, str]]:
    return [(entry.label, entry.value) for entry in getattr(item, kind)]


def follow_pdf(spider: Any, request: scrapy.Request, source: str, pdf_name: str) -> list[RawCall]:
    """Answer the spider's PDF request with a saved file and collect the finished record."""
    assert request.callback is not None
    response = Response(
        url=request.url,
        status=200,
        body=fixture_bytes(source, pdf_name),
        headers={"Content-Type": "application/pdf"},
        request=request,
    )
    items, requests = split_output(request.callback(response))
    assert requests == []
    return items


def detail(spider: Any, source: str, name: str, listing_text: str = "") -> tuple[list[RawCall], list[scrapy.Request]]:
    return split_output(spider.parse_detail(fixture_response(source, name), listing_text=listing_text))
