"""The browser fallback for real: Debian's chromium through scrapy-playwright against a challenge on loopback.

A local server answers like bot protection: 403 and a page whose JavaScript sets a cookie and reloads;
only with the cookie does it serve the Italia Domani fragment. A plain client never gets past it, the
spider's browser retry does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.crawlers.kit import fixture_bytes

ROOT = Path(__file__).resolve().parents[2]
CHALLENGE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<div id="cf-chl-widget">Checking your browser</div>
<script>document.cookie = "cb_clearance=ok; path=/"; setTimeout(function () { location.reload(); }, 50);</script>
</body></html>"""


class _Protected(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        passed = "cb_clearance=ok" in (self.headers.get("Cookie") or "")
        body = self.page if passed else CHALLENGE
        self.send_response(200 if passed else 403)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def protected_site() -> Iterator[str]:
    _Protected.page = fixture_bytes("it_italiadomani", "page_020.html")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Protected)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/newnoticessearch.searchResults.html?resultsOffset=20"
    server.shutdown()
    server.server_close()


SCRIPT = """
import sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
from cercabandi.crawlers.spiders.it_italiadomani import ItItaliadomaniSpider

class Local(ItItaliadomaniSpider):
    name = "it_italiadomani"
    allowed_domains = ()
    async def start(self):
        yield self.page_request(sys.argv[1], callback=self.parse)

settings = get_project_settings()
settings.setdict({"CERCABANDI_OUTPUT": sys.argv[2], "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0,
                  "AUTOTHROTTLE_ENABLED": False, "RETRY_ENABLED": False, "LOG_LEVEL": "INFO"}, priority="cmdline")
process = CrawlerProcess(settings)
process.crawl(Local, browser=sys.argv[3])
process.start()
"""


def _crawl(url: str, out: Path, browser: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "cercabandi.crawlers.settings"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, url, str(out), browser],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.browser
@pytest.mark.slow
def test_challenge_passed_through_chromium(protected_site: str, tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    out = tmp_path / "items.jsonl"
    done = _crawl(protected_site, out, "fallback")
    log = done.stderr
    assert "asking again through the browser" in log, log[-3000:]
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    assert [i["native_id"] for i in items] == ["avviso-biodiversita-parchi-urbani", "bando-cammini-religiosi"], log[
        -3000:
    ]


@pytest.mark.slow
def test_without_the_browser_the_block_is_reported(protected_site: str, tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    done = _crawl(protected_site, out, "never")
    assert "blocked" in done.stderr
    assert not out.exists() or out.read_text() == ""
