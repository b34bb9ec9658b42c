"""End to end in Debian's chromium: log in, triage three calls with the keyboard, export them.

The application runs on a real uvicorn server on a free loopback port; Playwright drives
/usr/bin/chromium (never a downloaded browser). Without chromium the test is skipped,
except under CI, where a missing browser is a failure.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.crawlers.browser import CHROMIUM, CHROMIUM_ARGS
from cercabandi.db.models import ReviewRow
from tests.web.live import live_server
from tests.web.seed import PASSWORD

pytestmark = pytest.mark.browser

DIGITALE = "it_padigitale:misura-1-4-1-comuni-2027"
PINQUA = "it_italiadomani:pinqua-2027"
REGEN = "lombardia_bandi:RLO12026034567"


@pytest.fixture
def browser_page(app: FastAPI) -> Iterator[tuple[object, str]]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/run must `apt-get install -y chromium`")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with live_server(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield page, base
        finally:
            context.close()
            browser.close()
        assert not errors, f"JavaScript errors: {errors}"


def test_log_in_triage_three_calls_with_the_keyboard_and_export_them(
    browser_page: tuple, web_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    page, base = browser_page

    page.goto(f"{base}/triage")
    assert "/login" in page.url  # anonymous: only the login page
    page.fill("input[name=username]", "giulia")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base}/triage"
    assert "1 di 8 da valutare" in page.inner_text(".triage-bar")

    # The help overlay opens with "?" and closes with Escape.
    assert page.is_hidden("#help")
    page.keyboard.press("?")
    assert page.is_visible("#help") and "Scorciatoie da tastiera" in page.inner_text("#help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")

    # 1. "p": pertinente.
    assert "Misura 1.4.1" in page.inner_text("article.call h1")
    with page.expect_navigation():
        page.keyboard.press("p")
    assert "Misura 1.4.1" in page.inner_text(".flash") and "Pertinente" in page.inner_text(".flash")
    assert "1 di 7 da valutare" in page.inner_text(".triage-bar")

    # 2. "n" shows the reasons, "3" picks "Tema": non pertinente.
    assert "PINQuA" in page.inner_text("article.call h1")
    page.keyboard.press("n")
    assert "armed" in (page.get_attribute("#reasons", "class") or "")
    with page.expect_navigation():
        page.keyboard.press("3")
    assert "Non pertinente (Tema)" in page.inner_text(".flash")

    # 3. "t" to type tags, Escape to leave the field, "p" to judge.
    assert "Rigenerazione urbana 2027" in page.inner_text("article.call h1")
    page.keyboard.press("t")
    page.keyboard.type("rigenerazione urbana, piazze")
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("p")
    assert "1 di 5 da valutare" in page.inner_text(".triage-bar")

    # Export what I judged: the call list filtered by "solo quelli valutati da me".
    page.click("header nav >> text=Bandi")
    page.check("input[name=mine]")
    with page.expect_navigation():
        page.click("button:has-text('Filtra')")
    assert page.locator("table.list tbody tr").count() == 3
    with page.expect_download() as download_info:
        page.click("#export-csv")
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.suffix == ".csv"
    text = target.read_text(encoding="utf-8-sig")  # the Italian Excel dialect: BOM and ';'
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert set(rows) == {DIGITALE, PINQUA, REGEN}
    assert rows[REGEN]["tag"] == "rigenerazione urbana, piazze"
    assert rows[REGEN]["pertinente"] == "1" and rows[REGEN]["scadenza"] == "2026-11-30 12:00"
    assert (rows[PINQUA]["pertinente"], rows[PINQUA]["non_pertinente"]) == ("1", "2")  # luca yes; marco and I no
    assert rows[DIGITALE]["pertinente"] == "3"  # luca, marco and I

    with web_sessions() as session:
        mine = session.scalars(select(ReviewRow).where(ReviewRow.reviewer == "giulia").order_by(ReviewRow.id)).all()
    assert [(r.call_id, r.tag, r.reason, r.themes) for r in mine] == [
        (DIGITALE, "relevant", None, []),
        (PINQUA, "not_relevant", "theme", []),
        (REGEN, "relevant", None, ["rigenerazione urbana", "piazze"]),
    ]


def _log_in(page: Any, base: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", "giulia")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _list_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("table.list tbody tr td:nth-child(2) > a").all_inner_texts()]


def test_search_sort_filter_and_page_the_call_list(browser_page: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.web import routes_browse

    monkeypatch.setattr(routes_browse, "PAGE_SIZE", 4)
    page, base = browser_page
    _log_in(page, base, "/calls")
    assert "pagina 1 di 3" in page.inner_text(".pager")  # 9 open or forthcoming calls, 4 a page
    default = _list_titles(page)
    with page.expect_navigation():
        page.click(".pager >> text='2'")
    assert "pagina 2 di 3" in page.inner_text(".pager") and not set(_list_titles(page)) & set(default)

    # Accents and word order do not matter; the words found are highlighted.
    found = {}
    for question in ("metropolitana città", "citta metropolitana", "città metropolitana"):
        page.goto(f"{base}/calls?status=all")
        page.fill("input[name=q]", question)
        with page.expect_navigation():
            page.click("button:has-text('Filtra')")
        found[question] = page.inner_text("h1 .count")
        assert page.locator("p.snippet mark").count() >= 1
    assert len(set(found.values())) == 1 and int(next(iter(found.values()))) >= 1, found
    page.goto(f"{base}/calls?status=all&q=urbana+rigenerazione")
    assert any(t.startswith("Bando Rigenerazione urbana 2027") for t in _list_titles(page))

    page.goto(f"{base}/calls")
    page.select_option("#f-sort", "published")
    with page.expect_navigation():
        page.click("button:has-text('Filtra')")
    assert "sort=published" in page.url and _list_titles(page) != default
    page.select_option("#f-comune", label="Sesto San Giovanni")
    page.select_option("#f-level", "regional")
    with page.expect_navigation():
        page.click("button:has-text('Filtra')")
    assert [t[:30] for t in _list_titles(page)] == ["Bando Rigenerazione urbana 202"]


def test_triage_judges_the_project_in_view_and_undoes(browser_page: tuple, web_sessions: sessionmaker[Session]) -> None:
    page, base = browser_page
    _log_in(page, base, "/triage")
    assert "1 di 8 da valutare" in page.inner_text(".triage-bar")
    in_view = page.locator("#review-scope").input_value()
    assert in_view, "the verdict must default to the project in view, not to the call in general"
    with page.expect_navigation():
        page.keyboard.press("p")
    assert "1 di 7 da valutare" in page.inner_text(".triage-bar")
    with web_sessions() as session:
        row = session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia"))
        assert row is not None and row.project_id == in_view
    with page.expect_navigation():
        page.keyboard.press("u")
    assert "Giudizio annullato" in page.inner_text(".flash")
    assert "1 di 8 da valutare" in page.inner_text(".triage-bar")


MAIN_PAGES = ("/", "/triage", "/calls", f"/calls/{REGEN}", "/projects", "/comuni/015209", "/accessibilita")


def test_main_pages_fit_a_phone_and_pass_axe(browser_page: tuple) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, base = browser_page
    _log_in(page, base)
    axe = Axe()
    problems: list[str] = []
    for width in (1280, 400):
        page.set_viewport_size({"width": width, "height": 900})
        for path in MAIN_PAGES:
            page.goto(f"{base}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems.append(f"{path} at {width} px scrolls sideways by {overflow} px")
            box = page.locator("button:has-text('Esci')").bounding_box()
            if box is None or box["x"] + box["width"] > width:
                problems.append(f"'Esci' off-screen on {path} at {width} px")
            results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
            serious = [
                (v["id"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            problems.extend(f"{path} at {width} px: {v}" for v in serious)
    assert not problems, "\n".join(problems)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Vai al contenuto"
