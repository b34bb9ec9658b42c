"""Browsing pages: the call list and its filters, call detail with history, projects, comuni."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

REGEN = "lombardia_bandi:RLO12026034567"


@pytest.fixture
def giulia(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("giulia")


def _titles(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/calls/[^"]+">([^<]+)</a>', body)


def test_call_list_opens_on_current_calls_closing_soonest_first(giulia: TestClient) -> None:
    page = giulia.get("/calls")
    assert page.status_code == 200
    assert "sconosciuto" not in page.text  # regression: the plain list warned "Stato sconosciuto: ''"
    assert "sconosciuto" not in giulia.get("/calls?status=&sort=&q=").text  # the filter form sent empty
    titles = _titles(page.text)
    assert len(titles) == 9  # the closed call is not among them
    assert not any(t.startswith("Bando Scuole sicure") for t in titles)
    assert titles[-1].startswith("Sport e periferie")  # a sportello, no deadline: last
    every = _titles(giulia.get("/calls?status=all").text)
    assert len(every) == 10 and every[0].startswith("Bando Scuole sicure")  # closed: earliest deadline


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=eu_sedia", ["Climate-neutral and smart cities"]),
        ("level=foundation", ["Emblematici minori 2027"]),
        ("status=closed", ["Bando Scuole sicure"]),
        ("status=forthcoming", ["European Urban Initiative"]),
        ("applicant=third_sector", ["Fondo per l&#39;inclusione sociale", "Emblematici minori", "Sport e periferie"]),
        ("applicant=comune&level=eu", ["Climate-neutral", "European Urban Initiative"]),
        ("deadline_from=2026-11-28&deadline_to=2026-12-10", ["Misura 1.4.1", "Bando Rigenerazione urbana 2027"]),
        ("tag=digitale", ["Misura 1.4.1"]),
        ("verdict=relevant", ["Misura 1.4.1", "Programma innovativo nazionale"]),
        ("verdict=not_relevant", ["Climate-neutral", "Programma innovativo nazionale"]),
        ("q=periferie", ["Fondo per l&#39;inclusione sociale", "Sport e periferie"]),
        ("q=RLO12026031111&status=all", ["Bando Scuole sicure"]),
        ("comune=015209", ["Bando Rigenerazione urbana 2027", "Climate-neutral"]),
        ("amount_min=200.000.000", ["Programma innovativo nazionale"]),
    ],
)
def test_call_filters(giulia: TestClient, query: str, expected: list[str]) -> None:
    titles = _titles(giulia.get(f"/calls?{query}").text)
    assert len(titles) == len(expected), titles
    for prefix in expected:
        assert any(t.startswith(prefix) for t in titles), (prefix, titles)


def test_status_open_excludes_closed_and_forthcoming(giulia: TestClient) -> None:
    titles = _titles(giulia.get("/calls?status=open").text)
    assert len(titles) == 8
    assert not any(t.startswith(("Bando Scuole sicure", "European Urban Initiative")) for t in titles)


def test_bad_filter_values_are_explained_not_fatal(giulia: TestClient) -> None:
    page = giulia.get("/calls?status=whatever&deadline_from=31/12/2026")
    assert page.status_code == 200
    assert "Stato sconosciuto" in page.text and "Data non valida" in page.text
    assert len(_titles(page.text)) == 9  # the default: open and forthcoming


def test_pagination(giulia: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.web import routes_browse

    monkeypatch.setattr(routes_browse, "PAGE_SIZE", 4)
    first = giulia.get("/calls?level=national")
    assert "pagina 1 di 2" in first.text and 'href="/calls?level=national&amp;page=2" rel="next"' in first.text
    assert '<span class="current" aria-current="page">1</span>' in first.text
    assert 'href="/calls?level=national&amp;page=2" aria-label="pagina 2"' in first.text  # numbers, not only next
    second = giulia.get("/calls?level=national&page=2")
    assert len(_titles(first.text)) == 4 and len(_titles(second.text)) == 1
    assert not set(_titles(first.text)) & set(_titles(second.text))


def test_export_links_keep_the_filters(giulia: TestClient) -> None:
    page = giulia.get("/calls?level=eu&q=urban").text
    assert 'href="/calls.csv?level=eu&amp;q=urban"' in page
    assert 'href="/calls.xlsx?level=eu&amp;q=urban"' in page


def test_call_detail_with_version_history_and_network(giulia: TestClient) -> None:
    page = giulia.get(f"/calls/{REGEN}")
    assert page.status_code == 200
    text = page.text
    assert "Storia delle versioni" in text and "Versione 2" in text
    assert "Scadenze" in text and "23/11/2026 ore 12:00" in text and "30/11/2026 ore 12:00" in text
    assert "Dotazione" in text and "€ 20.000.000" in text and "€ 25.000.000" in text
    assert "Progetti in rete" in text
    for comune in ("Sesto San Giovanni", "Rho", "Legnano"):
        assert comune in text


def test_call_detail_with_slash_in_id_and_unknown_call(giulia: TestClient) -> None:
    missing = giulia.get("/calls/eu_sedia:does/not/exist")
    assert missing.status_code == 404 and "Bando non trovato" in missing.text


def test_projects_list_and_detail(giulia: TestClient) -> None:
    listing = giulia.get("/projects").text
    assert "Riqualificazione di piazza Petazzi" in listing and "Sesto San Giovanni" in listing
    filtered = giulia.get("/projects?comune=015182").text
    assert "Casa delle associazioni" in filtered and "piazza Petazzi" not in filtered
    searched = giulia.get("/projects?q=palestra").text
    assert "Palestra di quartiere" in searched and "piazza Petazzi" not in searched
    detail = giulia.get("/projects/B41B22000510006").text
    assert "Bando Rigenerazione urbana 2027" in detail and "Climate-neutral" in detail
    assert "Fattibilità / PFTE" in detail and "€ 1.800.000" in detail
    assert giulia.get("/projects/NOPE").status_code == 404


def test_comuni_list_and_detail(giulia: TestClient) -> None:
    listing = giulia.get("/comuni").text
    assert "Sesto San Giovanni" in listing and "015209" in listing
    detail = giulia.get("/comuni/015209").text
    assert "Riqualificazione di piazza Petazzi" in detail
    assert "Bando Rigenerazione urbana 2027" in detail and "Climate-neutral" in detail
    assert giulia.get("/comuni/999999").status_code == 404


def test_only_the_calls_i_judged(as_user: Callable[[str], TestClient]) -> None:
    luca = _titles(as_user("luca").get("/calls?mine=1").text)
    assert sorted(t[:20] for t in luca) == sorted(
        ["Climate-neutral and ", "Misura 1.4.1 Esperie", "Programma innovativo"]
    )
    assert _titles(as_user("giulia").get("/calls?mine=1").text) == []


def test_digest_links_with_quoted_ids_open_the_call(giulia: TestClient, web_sessions, now) -> None:
    from urllib.parse import quote

    from cercabandi.core.models import FundingCall
    from cercabandi.core.vocab import Level
    from tests.web.seed import call_row

    fc = FundingCall(
        id="it_incentivi:misure/2027/42",
        source="it_incentivi",
        native_id="misure/2027/42",
        title="Misura con barre nell'identificativo",
        level=Level.NATIONAL,
        url="https://example.org/",
        first_seen=now,
        last_seen=now,
    )
    with web_sessions() as session, session.begin():
        session.add(call_row(fc))
    for call_id in (fc.id, REGEN):
        page = giulia.get(f"/calls/{quote(call_id, safe='')}")  # what the digest puts in its e-mails
        assert page.status_code == 200, call_id
    assert "Misura con barre" in giulia.get(f"/calls/{quote(fc.id, safe='')}").text


def test_calls_that_are_not_funding_stay_listed_and_are_marked(giulia: TestClient, web_sessions) -> None:  # type: ignore[no-untyped-def]
    from cercabandi.db.models import Call

    with web_sessions() as session, session.begin():
        row = session.get(Call, REGEN)
        row.data = {**row.data, "instrument": "procurement", "instrument_reason": "title says 'accordo quadro'"}
    listed = giulia.get("/calls").text
    assert re.search(r'RLO12026034567">[^<]+</a> <span class="chip"[^>]*>Appalto / gara</span>', listed)
    assert listed.count('class="chip" title="Non è un finanziamento') == 1  # only that one
    page = giulia.get(f"/calls/{REGEN}").text
    assert "Appalto / gara: non è un finanziamento, quindi non viene proposto ai progetti." in page


def test_a_project_of_every_comune_reads_tutti_i_133_comuni(giulia: TestClient, web_sessions) -> None:  # type: ignore[no-untyped-def]
    """Seen on the real data: a 'Tutti i comuni' project printed 133 names under every call it matched."""
    from sqlalchemy import select

    from cercabandi.db.models import Comune, MatchRow, ProjectComune
    from cercabandi.db.session import transaction

    with transaction(web_sessions) as s:
        match = s.scalars(select(MatchRow).where(MatchRow.call_id == REGEN)).first()
        assert match is not None
        linked = set(s.scalars(select(ProjectComune.istat).where(ProjectComune.project_id == match.project_id)))
        for istat in s.scalars(select(Comune.istat)):
            if istat not in linked:
                s.add(ProjectComune(project_id=match.project_id, istat=istat))
    text = giulia.get(f"/calls/{REGEN}").text
    assert "tutti i 133 comuni" in text and "Abbiategrasso, Albairate" not in text
