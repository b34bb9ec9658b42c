"""End to end in Debian's chromium: the demo's application in network on the monitoring dashboard,
and the public site it builds, both passing an axe-core accessibility check.

The app runs on uvicorn on loopback; the static site is served from its folder by a plain
HTTP server on loopback. ``CERCABANDI_SCREENSHOTS=DIR`` also saves the README's screenshots.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.crawlers.browser import CHROMIUM, CHROMIUM_ARGS
from cercabandi.flows.demo_after import demo_after_match
from tests.conftest import NOW
from tests.web.live import live_server
from tests.web.seed import PASSWORD

pytestmark = pytest.mark.browser


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the open page, one line each (rule, impact, first target)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} – {v['help']}" for v in results.response["violations"]
    ]


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("CERCABANDI_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=False)


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/run must `apt-get install -y chromium`")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_demo_application_dashboard_and_public_site_are_accessible(
    chromium: Any, app: FastAPI, web_sessions: sessionmaker[Session], web_settings: Settings, tmp_path: Path
) -> None:
    demo = demo_after_match(web_sessions, tmp_path / "sito", now=NOW, tz=web_settings.tz)
    assert demo.application_id is not None and len(demo.comuni) >= 2
    again = demo_after_match(web_sessions, tmp_path / "sito", now=NOW, tz=web_settings.tz)
    assert again.application_id == demo.application_id  # idempotent
    page = chromium

    with static_server(tmp_path / "sito") as site:
        page.goto(f"{site}/index.html")
        assert "Progetti in corso e buone pratiche" in page.inner_text("h1")
        assert axe_violations(page) == []
        _shot(page, "site-home.png")
        page.goto(f"{site}/progetti/demo-rete-1.html")
        assert "Cooperativa sociale Il Ponte (demo)" in page.inner_text("main")
        assert "Affidamento" in page.inner_text("main") and "€ 450.000" in page.inner_text("main")
        assert axe_violations(page) == []
        _shot(page, "site-project.png")

    with live_server(app) as base:
        page.goto(f"{base}/login?next=/monitoring")
        page.fill("input[name=username]", "marco")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/monitoring")
        text = page.inner_text("main")
        assert "Rendicontazione primo SAL" in text and "Tasso di successo" in text
        assert page.locator("svg.chart").count() >= 2
        assert axe_violations(page) == []
        _shot(page, "monitoring-dashboard.png")
        page.click("text=Rendicontazione primo SAL >> xpath=.. >> a")
        assert "Storia" in page.inner_text("main") and "Finanziata" in page.inner_text("main")
        assert axe_violations(page) == []


def test_site_of_the_real_catalogue_is_accessible(
    chromium: Any, sqlite_engine: Any, shared_data: Path, tmp_path: Path
) -> None:
    """The same axe-core check on the site built from the real catalogue: home, the biggest comune, a project."""
    from cercabandi.db.session import session_factory
    from cercabandi.flows.monitoring import import_opendata
    from cercabandi.flows.site import build_site

    sessions = session_factory(sqlite_engine)
    today = NOW.date()
    import_opendata(sessions, shared_data / "pnrr" / "catalogo_progetti_MI.csv", "pnrr", now=NOW, today=today)
    import_opendata(sessions, shared_data / "periferie2016_cmm_programmi.csv", "periferie2016", now=NOW, today=today)
    build_site(sessions, tmp_path / "sito", now=NOW)
    page = chromium
    with static_server(tmp_path / "sito") as site:
        for path in (
            "index.html",
            "comuni/index.html",
            "comuni/015146.html",
            "temi/index.html",
            "progetti/periferie2016-1.html",
            "buone-pratiche.html",
        ):
            page.goto(f"{site}/{path}")
            assert axe_violations(page) == [], path
