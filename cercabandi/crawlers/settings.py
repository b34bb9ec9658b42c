"""Scrapy settings for every cercabandi spider: polite by default.

The runner (``cercabandi.crawlers.runner``) starts ``scrapy crawl`` with
``SCRAPY_SETTINGS_MODULE`` pointing here and overrides per run with ``-s``: the
user agent (with the contact e-mail from ``core.settings.Settings``), the raw
store file, the replay server and the recording directory. Replay mode switches
throttling, robots.txt and retries off (see ``replay_overrides``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from cercabandi.core.settings import Settings

# Who runs the crawler: the office's public site, where a webmaster can find a person.
PROJECT_URL = "https://www.cittametropolitana.mi.it/"


def _version() -> str:
    try:
        return version("cercabandi")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def user_agent(contact_email: str) -> str:
    """Identify ourselves and say how to reach a person, as polite crawlers do."""
    return f"cercabandi/{_version()} (+{PROJECT_URL}; {contact_email})"


BOT_NAME = "cercabandi"
SPIDER_MODULES = ["cercabandi.crawlers.spiders"]
NEWSPIDER_MODULE = "cercabandi.crawlers.spiders"

USER_AGENT = user_agent(Settings.model_fields["contact_email"].default)
ROBOTSTXT_OBEY = True

# Few requests, spaced out, slower when the server slows down.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Retries with exponential backoff that honours Retry-After (BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
RETRY_BACKOFF_BASE = 2.0  # seconds; doubled at every retry
RETRY_BACKOFF_MAX = 300.0  # never wait longer than this, even if Retry-After asks for it

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # the Lombardia sitemap is ~5 MB, EU topic JSONs < 1 MB
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
CLOSESPIDER_ERRORCOUNT = 50  # a spider raising this often is broken: stop and report it

# HTTP cache for development only: the runner switches it on with http_cache=True.
HTTPCACHE_ENABLED = False
HTTPCACHE_EXPIRATION_SECS = 24 * 3600
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]

# Scrapy 2.19 opens a remote-control server and writes token files by default (STACK.md).
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "cercabandi.crawlers.middlewares.BackoffRetryMiddleware": 550,
    # Between redirects (600) and decompression (590) would record compressed bodies;
    # recording mode switches compression off, so 610 sees 3xx answers and plain bodies.
    "cercabandi.crawlers.middlewares.RecorderMiddleware": 610,
    # Closest to the network: every other middleware sees the original URL.
    "cercabandi.crawlers.middlewares.ReplayMiddleware": 990,
}
ITEM_PIPELINES = {"cercabandi.crawlers.pipelines.RawCallPipeline": 300}
EXTENSIONS = {"cercabandi.crawlers.extensions.StatsFile": 500}

# Ours, set by the runner (empty means off).
CERCABANDI_OUTPUT = ""  # JSONL file of the raw store this run appends to
CERCABANDI_STATS_FILE = ""  # JSON dump of the Scrapy stats at close
CERCABANDI_REPLAY_URL = ""  # base URL of a running replay server
CERCABANDI_RECORD_DIR = ""  # write every response into the replay layout here


def replay_overrides() -> dict[str, Any]:
    """Settings for a crawl served by the local replay server.

    The server is ours, on loopback, serving files: no throttling, no retries (a
    recorded answer never changes). robots.txt is not obeyed in replay because the
    original hosts' rules were obeyed when the responses were recorded, and asking
    the replay server for robots.txt would only test the recording.
    """
    return {
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "RETRY_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 30,
    }


def record_overrides() -> dict[str, Any]:
    """Recording stores bodies as the spider saw them: ask for them uncompressed."""
    return {
        "DOWNLOADER_MIDDLEWARES": {
            **DOWNLOADER_MIDDLEWARES,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        },
        "HTTPCACHE_ENABLED": False,
    }
