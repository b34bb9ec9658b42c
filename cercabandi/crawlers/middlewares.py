"""Downloader middlewares: retries with backoff, replay and recording.

None of them is visible to spiders: a replayed or recorded crawl runs the same
spider code as a live one.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from cercabandi.crawlers.replay import Recorder, replay_target

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ORIGINAL_URL = "cercabandi_original_url"


def retry_after_seconds(value: str | bytes | None, now: datetime) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(retry_times: int, base: float, cap: float, retry_after: float | None) -> float:
    """Delay before retry number ``retry_times + 1``: Retry-After when given, else doubling."""
    delay = retry_after if retry_after is not None else base * (2**retry_times)
    return min(delay, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, but waiting before each retry.

    Scrapy retries at once; a server answering 429 or 503 wants us to slow down.
    The wait honours ``Retry-After`` (capped by ``RETRY_BACKOFF_MAX``).
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 300.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"), datetime.now(UTC))
        delay = backoff_delay(request.meta.get("retry_times", 0), self.base, self.cap, asked)
        if delay > 0:
            self.crawler.stats.inc_value("cercabandi/retry_wait_seconds", round(delay))
            from twisted.internet import reactor  # the one Scrapy installed; importing earlier would install another

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return retry


class ReplayMiddleware:
    """Sends every request to the replay server and restores the original URL on the response."""

    def __init__(self, replay_url: str) -> None:
        self.replay_url = replay_url.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        replay_url = crawler.settings.get("CERCABANDI_REPLAY_URL")
        if not replay_url:
            raise NotConfigured
        return cls(replay_url)

    def process_request(self, request: Request) -> Request | None:
        if request.url.startswith(self.replay_url + "/"):
            return None
        # A redirect or retry builds its request from the rewritten one: always keep
        # the URL the spider (or the redirect) asked for.
        meta = {**request.meta, ORIGINAL_URL: request.url}
        return request.replace(url=replay_target(self.replay_url, request.url), meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Response:
        original = request.meta.get(ORIGINAL_URL)
        if original and response.url.startswith(self.replay_url + "/"):
            return response.replace(url=original)
        return response


class RecorderMiddleware:
    """Writes every response into the replay layout (``CERCABANDI_RECORD_DIR``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.recorder: Recorder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecorderMiddleware:
        root = crawler.settings.get("CERCABANDI_RECORD_DIR")
        if not root:
            raise NotConfigured
        middleware = cls(Path(root))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        recorded_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.recorder = Recorder(self.root, spider.name, recorded_at)

    def spider_closed(self, spider: Any) -> None:
        if self.recorder is not None:
            index = self.recorder.close()
            logger.info("recorded responses of %s in %s", spider.name, index)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.recorder is not None:
            headers = {
                key.decode("latin-1"): b", ".join(values).decode("latin-1") for key, values in response.headers.items()
            }
            self.recorder.add(
                method=request.method,
                # In a replayed crawl the request went to the replay server: record what was asked.
                url=request.meta.get(ORIGINAL_URL, request.url),
                request_body=request.body or b"",
                status=response.status,
                headers=headers,
                body=response.body,
            )
        return response
