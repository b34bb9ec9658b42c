"""The spider-test kit: saved responses as Scrapy responses, expected outputs, checks for every item.

Fixtures follow web-poet's layout of inputs + expected output: each ``fixtures/<source>/`` folder
holds input files in the shape of the real publisher (origin in ``meta.json``'s ``_about``), a
``meta.json`` giving each input's original URL (and status when not 200), and ``expected/``: the raw
calls a parse function must produce from an input (without ``fetched_at`` and ``payload``). Set
``CERCABANDI_WRITE_EXPECTED=1`` to write missing expected files after a deliberate change, then read
the diff before committing. Import it as ``from tests.crawlers.kit import ...``.
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
from cercabandi.core.vocab import AmountLabel, DateLabel

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED_AT = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def meta(source: str, name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / source / "meta.json").read_text(encoding="utf-8"))
    return dict(data[name])


def fixture(source: str, name: str) -> Path:
    return FIXTURES / source / name


def load_json(source: str, name: str) -> Any:
    return json.loads(fixture(source, name).read_text(encoding="utf-8"))


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


def file_response(
    path: Path, url: str, *, status: int = 200, request: Request | None = None, **cb_kwargs: Any
) -> TextResponse:
    """A response whose body is a saved file, as the spider would receive it from ``url`` (city-scrapers style)."""
    request = request or Request(url, cb_kwargs=cb_kwargs)
    kind = HtmlResponse if path.suffix in (".html", ".htm") else TextResponse
    return kind(url=url, body=path.read_bytes(), encoding="utf-8", status=status, request=request)


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


# ------------------------------------------------------------------ every item

DATE_LABELS = {label.value for label in DateLabel}
AMOUNT_LABELS = {label.value for label in AmountLabel}


def check_invariants(item: RawCall, source: str) -> None:
    """What every item of every spider must satisfy, whatever the page said."""
    valid = RawCall.model_validate(item.model_dump())
    assert valid.source == source and valid.native_id.strip()
    assert valid.url.startswith(("https://", "http://"))
    assert valid.title is None or (valid.title and valid.title == valid.title.strip()), repr(valid.title)
    assert valid.fetched_at.tzinfo is not None
    assert {d.label.split(":")[0] for d in valid.dates} <= DATE_LABELS, valid.dates
    assert {a.label.split(":")[0] for a in valid.amounts} <= AMOUNT_LABELS, valid.amounts
    assert all(d.value.strip() for d in [*valid.dates, *valid.amounts])
    assert valid.applicants is None or "<" not in valid.applicants  # text, never markup
