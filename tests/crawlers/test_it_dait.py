"""DAIT finanza locale: the news list, decrees and communications told apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cercabandi.core.models import RawCall
from cercabandi.crawlers.htmlcalls import Page
from cercabandi.crawlers.spiders.it_dait import ItDaitSpider, build_item, kind_of
from tests.crawlers.kit import (
    FETCHED_AT,
    check_expected,
    detail,
    fixture_response,
    labels,
    split_output,
)

SOURCE = "it_dait"


def test_listing_and_pager() -> None:
    spider = ItDaitSpider()
    items, requests = split_output(spider.parse(fixture_response(SOURCE, "listing_p0.html")))
    assert items == []
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [
        "comunicato-del-18-novembre-2026",
        "comunicato-n2-del-12-novembre-2026",
        "comunicato-del-5-novembre-2026",
        "notizie?page=1",
    ]
    _, last = split_output(spider.parse(fixture_response(SOURCE, "listing_p1.html")))
    assert [r.url.rsplit("/", 1)[-1] for r in last] == ["comunicato-del-30-ottobre-2026"]  # "prev" is not "next"


def test_only_first_pages_are_read() -> None:
    spider = ItDaitSpider(max_pages=1)
    _, requests = split_output(spider.parse(fixture_response(SOURCE, "listing_p0.html")))
    assert "notizie?page=1" not in [r.url.rsplit("/", 1)[-1] for r in requests]


def test_empty_listing_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    assert split_output(ItDaitSpider().parse(fixture_response(SOURCE, "listing_empty.html"))) == ([], [])
    assert "empty_listing" in caplog.text


def test_decree_news() -> None:
    items, requests = detail(
        ItDaitSpider(), SOURCE, "detail_decree.html", "18 Novembre, 2026 | Comunicato del 18 novembre 2026"
    )
    assert requests == []  # decrees' PDFs are not fetched by default
    (item,) = items
    check_expected(SOURCE, "detail_decree.html", items)
    assert item.extra["kind"] == "decree"
    assert item.extra["decree"].startswith("Si comunica che nella sezione «I DECRETI» è stato pubblicato il decreto")
    assert item.summary and item.summary.startswith("Contributi per investimenti in progetti di rigenerazione urbana")
    assert labels(item, "dates")[0] == ("published", "2026-11-18T12:00:00Z")
    assert ("deadline", "I comuni beneficiari devono affidare i lavori entro il 30 giugno 2027.") in labels(
        item, "dates"
    )
    assert [label for label, _ in labels(item, "amounts")] == ["budget", "grant_max"]
    assert item.attachments[0].url.endswith("decreto_16_11_2026_rigenerazione.pdf")


def test_communication_news() -> None:
    (item,), _ = detail(ItDaitSpider(), SOURCE, "detail_communication.html")
    assert item.extra["kind"] == "communication" and "decree" not in item.extra
    assert item.amounts == []


@pytest.mark.parametrize(
    ("title", "text", "kind"),
    [
        ("Decreto 13 luglio 2026", "", "decree"),
        (
            "Comunicato del 3 agosto 2026",
            "Si comunica che è stato adottato il decreto del Ministero dell'interno.",
            "decree",
        ),
        ("Comunicato del 2 dicembre 2025", "Assegnazione al Comune di Firenze di risorse nazionali.", "communication"),
        (
            "Comunicato del 21 gennaio 2026",
            "Approvazione della modalità di certificazione ai sensi del decreto.",
            "communication",
        ),
    ],
)
def test_kind_of(title: str, text: str, kind: str) -> None:
    assert kind_of(title, text)[0] == kind


# ---------------------------------------------------------------- real news items (issue #15)


def _real_items(shared_data: Path) -> list[RawCall]:
    """The 45 real news items (title + the first 600 characters of the body) as the spider reads them."""
    items = json.loads((shared_data / "calls" / "dait" / "news_items_2026-08-22.json").read_text(encoding="utf-8"))
    built = []
    for news in items:
        text = f"{news['title']}\n{news['description']}"
        page = Page(url=news["link"], title=news["title"], text=text, html=f"<p>{news['description']}</p>")
        built.append(build_item(page, listing_text="", fetched_at=FETCHED_AT))
    return built


def test_real_items_name_their_recipients(shared_data: Path) -> None:
    """0 of 45 had applicants: "ai Comuni…", "al comune di Catania", "agli enti locali" were not read."""
    items = _real_items(shared_data)
    assert len(items) == 45
    from_text = [i for i in items if i.applicants and "applicants_from" not in i.extra]
    from_publisher = [i for i in items if i.extra.get("applicants_from") == "publisher"]
    assert len(from_text) >= 24
    assert len(from_text) + len(from_publisher) >= 30
    catania = next(i for i in items if i.native_id == "comunicato-del-19-marzo-2026")
    assert catania.applicants and "al comune di Catania" in catania.applicants


def test_real_decrees_announced_in_the_body_are_decrees(shared_data: Path) -> None:
    """Two news titled "Comunicato del …" whose body is "Decreto del Ministro/Ministero …" were communications."""
    kinds = {i.native_id: i.extra["kind"] for i in _real_items(shared_data)}
    assert kinds["comunicato-del-7-maggio-2026"] == "decree"
    assert kinds["comunicato-del-24-dicembre-2025"] == "decree"
    assert kinds["comunicato-del-21-gennaio-2026"] == "communication"  # "ai sensi del decreto" is no decree
