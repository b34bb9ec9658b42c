"""Layout drift degrades, not fails: a call page whose own selectors find nothing is read generically.

Each HTML source's call page is replayed with its specific selectors broken the way a redesign
breaks them: every class and id renamed, ``<main>``/``<article>`` turned into ``<div>`` and
Bandi Online's ``data-entity`` attributes renamed. The call still comes through the generic
fallback (trafilatura + the labelled sentences of ``textfacts``) with its title, deadline and
body, marked ``extra["extraction"] = "fallback"`` and counted in the crawl stats.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from cercabandi.core.models import RawCall
from cercabandi.crawlers.base import FALLBACKS
from cercabandi.crawlers.htmlcalls import HtmlCallsSpider
from cercabandi.crawlers.spiders.eu_urban_initiative import EuUrbanInitiativeSpider
from cercabandi.crawlers.spiders.fnd_cariplo import FndCariploSpider
from cercabandi.crawlers.spiders.it_coesione import ItCoesioneSpider
from cercabandi.crawlers.spiders.it_dait import ItDaitSpider
from cercabandi.crawlers.spiders.it_italiadomani import ItItaliadomaniSpider
from cercabandi.crawlers.spiders.lombardia_bandi import LombardiaBandiSpider
from tests.crawlers.kit import FIXTURES, fixture_bytes, meta, split_output


def broken(html: str) -> str:
    """The page after a redesign: classes and ids renamed, semantic containers become divs."""
    renamed = re.sub(
        r'\b(class|id)="([^"]*)"',
        lambda m: f'{m.group(1)}="' + " ".join(f"v2-{c}" for c in m.group(2).split()) + '"',
        html,
    )
    renamed = renamed.replace("data-entity=", "data-field=")
    return re.sub(r"<(/?)(main|article)\b", r"<\1div", renamed)


def broken_response(source: str, name: str, **cb_kwargs: Any) -> HtmlResponse:
    url = meta(source, name)["url"]
    body = broken(fixture_bytes(source, name).decode("utf-8")).encode("utf-8")
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url, cb_kwargs=cb_kwargs))


DEADLINE_LABELS = ("deadline", "period")


def check_fallback_item(item: RawCall, title: str, deadline: str) -> None:
    assert item.extra["extraction"] == "fallback"
    assert item.title == title
    assert any(d.label.split(":")[0] in DEADLINE_LABELS and deadline in d.value for d in item.dates), item.dates
    assert item.body and len(item.body) > 200


@pytest.mark.parametrize(
    ("spider_class", "source", "page", "title", "deadline"),
    [
        (ItDaitSpider, "it_dait", "detail_decree.html", "Comunicato del 18 novembre 2026", "30 giugno 2027"),
        (
            ItCoesioneSpider,
            "it_coesione",
            "detail_priga.html",
            "Avviso pubblico non competitivo - Supporto ai PRigA",
            "03/03/2027",
        ),
        (FndCariploSpider, "fnd_cariplo", "detail_spazi_verdi.html", "Spazi verdi e comunità 2026", "2027"),
        (
            EuUrbanInitiativeSpider,
            "eu_urban_initiative",
            "detail_fourth_call.html",
            "Fourth Call for Proposals for Innovative Actions",
            "26 January 2027",
        ),
    ],
)
def test_a_call_page_with_broken_selectors_comes_through_the_fallback(
    make_spider: Any, spider_class: type[HtmlCallsSpider], source: str, page: str, title: str, deadline: str
) -> None:
    spider = make_spider(spider_class, pdfs="no")
    items, _ = split_output(spider.parse_detail(broken_response(source, page), listing_text=""))
    (item,) = items
    check_fallback_item(item, title, deadline)
    assert spider.crawler.stats.get_value(FALLBACKS) == 1


def test_the_same_pages_unbroken_are_read_by_the_spiders_own_selectors(make_spider: Any) -> None:
    from tests.crawlers.kit import fixture_response

    spider = make_spider(ItDaitSpider)
    (item,), _ = split_output(spider.parse_detail(fixture_response("it_dait", "detail_decree.html")))
    assert "extraction" not in item.extra
    assert spider.crawler.stats.get_value(FALLBACKS) is None


def test_a_bandi_online_page_with_broken_selectors_comes_through_the_fallback(make_spider: Any) -> None:
    spider = make_spider(LombardiaBandiSpider)
    row = {"codice_bando": "RLP12026052483", "titolo_bando": "Bando Tertium", "ente": "Regione Lombardia"}
    url = meta("lombardia_bandi", "detail.html")["url"]
    body = broken((FIXTURES / "lombardia_bandi" / "detail.html").read_text(encoding="utf-8"))
    response = HtmlResponse(url=url, body=body.encode(), encoding="utf-8", request=Request(url))
    (item,) = list(spider.parse_detail(response, row=row, url=url))
    check_fallback_item(item, "Bando Tertium", "07/09/2027")
    assert spider.crawler.stats.get_value(FALLBACKS) == 1
    assert spider.crawler.stats.get_value("cercabandi/errors/detail_unrecognised") is None


def test_a_listing_with_broken_selectors_stays_failing(make_spider: Any) -> None:
    """Italia Domani's records are the listing's rows: no row found is an empty listing, not a fallback."""
    spider = make_spider(ItItaliadomaniSpider)
    items, _ = split_output(spider.parse(broken_response("it_italiadomani", "page_000.html")))
    assert items == []
    assert spider.crawler.stats.get_value("cercabandi/listing_incomplete", "").startswith("empty_listing")
