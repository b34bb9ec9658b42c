"""Helpers for spider tests: saved responses as Scrapy responses (a tiny ``file_response``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, TextResponse

FIXTURES = Path(__file__).parent / "fixtures"


def file_response(
    path: Path, url: str, *, status: int = 200, request: Request | None = None, **cb_kwargs: Any
) -> TextResponse:
    """A response whose body is a saved file, as the spider would receive it from ``url``."""
    request = request or Request(url, cb_kwargs=cb_kwargs)
    kind = HtmlResponse if path.suffix in (".html", ".htm") else TextResponse
    return kind(url=url, body=path.read_bytes(), encoding="utf-8", status=status, request=request)


def fixture(source: str, name: str) -> Path:
    return FIXTURES / source / name


def load_json(source: str, name: str) -> Any:
    return json.loads(fixture(source, name).read_text(encoding="utf-8"))
