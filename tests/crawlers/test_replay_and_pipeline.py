"""Replay server and layout, recorder, middlewares, backoff, and the validating pipeline."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from cercabandi.core.models import RawCall
from cercabandi.crawlers.base import raw_call
from cercabandi.crawlers.middlewares import ORIGINAL_URL, ReplayMiddleware, backoff_delay, retry_after_seconds
from cercabandi.crawlers.pipelines import RawCallPipeline
from cercabandi.crawlers.replay import Recorder, ReplayLayoutError, ReplayServer, replay_target, serving


def _fetch(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data)) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_server_replays_entries_with_outside_body_files(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "page.json"
    elsewhere.parent.mkdir()
    elsewhere.write_text('{"ok": 1}')
    folder = tmp_path / "replay" / "src"
    folder.mkdir(parents=True)
    (folder / "b.html").write_text("<p>second</p>")
    entries = [
        {
            "url": "https://a.example/x?b=2&a=1",
            "body_file": str(elsewhere),
            "headers": {"Content-Type": "application/json"},
        },
        {
            "method": "POST",
            "url": "https://a.example/s",
            "body_file": "b.html",
            "status": 201,
            "body_contains": ["page=2"],
        },
    ]
    (folder / "index.json").write_text(json.dumps({"entries": entries}))
    with serving(tmp_path / "replay") as server:
        assert _fetch(replay_target(server.url, "https://a.example/x?a=1&b=2")) == (200, b'{"ok": 1}')
        assert _fetch(replay_target(server.url, "https://a.example/s"), b"page=2") == (201, b"<p>second</p>")
        status, body = _fetch(replay_target(server.url, "https://a.example/s"), b"page=3")
        assert status == 404 and b"not recorded: POST https://a.example/s" in body
        assert server.catalogue.served == 2 and len(server.catalogue.misses) == 1


def test_layout_errors_say_what_to_fix(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.json").write_text(json.dumps({"entries": [{"url": "https://x", "body_file": "nope"}]}))
    with pytest.raises(ReplayLayoutError, match="does not exist"):
        ReplayServer(tmp_path)
    (tmp_path / "src" / "index.json").write_text("[]")
    with pytest.raises(ReplayLayoutError, match="'entries' list"):
        ReplayServer(tmp_path)


def test_recorder_writes_a_layout_the_server_replays(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "src", "2026-11-21T09:00:00Z")
    recorder.add(method="POST", url="https://a.example/s?p=1", request_body=b'{"q":1}', status=200,
                 headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}, body=b"[1]")  # fmt: skip
    index = recorder.close()
    saved = json.loads(index.read_text())["entries"][0]
    assert saved["body_contains"] == ['{"q":1}'] and "Content-Encoding" not in saved["headers"]
    with serving(tmp_path) as server:
        assert _fetch(replay_target(server.url, "https://a.example/s?p=1"), b'{"q":1}') == (200, b"[1]")


def test_replay_middleware_rewrites_and_restores() -> None:
    middleware = ReplayMiddleware("http://127.0.0.1:9")
    original = Request("https://api.example/search?page=1", method="POST", body=b"x")
    rewritten = middleware.process_request(original)
    assert rewritten is not None and rewritten.url.startswith("http://127.0.0.1:9/replay?url=https%3A%2F%2Fapi")
    assert rewritten.method == "POST" and rewritten.body == b"x" and rewritten.meta[ORIGINAL_URL] == original.url
    assert middleware.process_request(rewritten) is None
    response = TextResponse(url=rewritten.url, body=b"{}", request=rewritten)
    assert middleware.process_response(rewritten, response).url == original.url


def test_retry_after_and_backoff() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds("Sat, 21 Nov 2026 09:01:00 GMT", now) == 60
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None
    assert [backoff_delay(n, 2.0, 300.0, None) for n in range(4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_delay(0, 2.0, 300.0, 30.0) == 30.0 and backoff_delay(0, 2.0, 300.0, 3600.0) == 300.0


def test_pipeline_validates_drops_with_reasons_and_appends(tmp_path: Path, now: datetime) -> None:
    output = tmp_path / "raw.jsonl"
    output.write_text('{"kept": "from an earlier run"}\n')
    crawler = get_crawler(settings_dict={"CERCABANDI_OUTPUT": str(output)})
    crawler.stats.open_spider()
    pipeline = RawCallPipeline.from_crawler(crawler)
    pipeline.open_spider()
    good = raw_call(source="src", url="https://x/1", fetched_at=now, native_id="1", title="T")
    pipeline.process_item(good)
    bad = [
        raw_call(source="src", url="ftp://x", fetched_at=now, native_id="2"),
        raw_call(source="src", url="https://x/3", fetched_at=datetime(2026, 1, 1), native_id="3"),  # naive
        raw_call(source="src", url="https://x/4", fetched_at=now, native_id="  "),
        raw_call(source="src", url="https://x/1", fetched_at=now, native_id="1"),  # repeated
    ]
    for item in bad:
        with pytest.raises(Exception, match=r"invalid|twice"):
            pipeline.process_item(item)
    pipeline.close_spider()
    lines = output.read_text().splitlines()
    assert lines[0] == '{"kept": "from an earlier run"}' and len(lines) == 2
    assert RawCall.model_validate_json(lines[1]).native_id == "1"
    stats = crawler.stats.get_stats()
    assert stats["cercabandi/dropped"] == 4 and stats["cercabandi/dropped/duplicate"] == 1
    assert stats["cercabandi/dropped/invalid_url"] == 1 and stats["cercabandi/dropped/invalid_fetched_at"] == 1
    assert any("timezone" in e for e in stats["cercabandi/drop_examples"])
