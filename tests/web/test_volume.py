"""Pages at real volume: a bounded number of queries per page, every list paged, search, verdict scope and undo."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.models import ReviewRow
from tests.web.conftest import csrf_of

REGEN = "lombardia_bandi:RLO12026034567"
SESTO = "015209"


@pytest.fixture
def giulia(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("giulia")


@pytest.fixture
def statements(web_engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(web_engine, "before_cursor_execute", count)
    yield seen
    event.remove(web_engine, "before_cursor_execute", count)


# Upper bounds measured on the seed data, with a little room. A page whose queries grow with
# the rows it shows (one query per call, per match...) breaks them at once.
BUDGETS = {
    "/": 30,
    "/triage": 20,
    "/calls": 12,
    "/calls?q=rigenerazione+urbana": 12,
    f"/calls/{REGEN}": 20,
    f"/comuni/{SESTO}": 10,
    "/projects": 8,
}


@pytest.mark.parametrize("path", list(BUDGETS))
def test_queries_per_page_are_bounded(giulia: TestClient, statements: list[str], path: str) -> None:
    giulia.get(path)  # warm: the first request of a session loads the user once more
    statements.clear()
    response = giulia.get(path)
    assert response.status_code == 200
    assert len(statements) <= BUDGETS[path], "\n".join(statements)


def test_call_page_shows_the_best_matches_then_more(giulia: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.web import routes_triage

    monkeypatch.setattr(routes_triage, "MATCHES_PER_PAGE", 2)
    first = giulia.get(f"/calls/{REGEN}").text
    assert len(re.findall(r'<li>\s*<div class="match-head">', first)) == 2
    more = re.search(r'id="more-matches" href="([^"]+)"', first)
    assert more and "mp=2#abbinati" in more.group(1)
    second = giulia.get(more.group(1).replace("&amp;", "&").split("#")[0]).text
    assert len(re.findall(r'<li>\s*<div class="match-head">', second)) >= 1
    assert "Progetti in rete" in second  # the network is computed over every match, whatever the page


def test_comune_page_pages_projects_and_calls(giulia: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from cercabandi.web import routes_browse

    monkeypatch.setattr(routes_browse, "COMUNE_PAGE_SIZE", 1)
    page = giulia.get(f"/comuni/{SESTO}").text
    assert 'href="/comuni/015209?pp=1&amp;cp=2#bandi"' in page  # the calls, one per page
    assert len(re.findall(r'<tr><td><a href="/calls/', page)) == 1
    second = giulia.get(f"/comuni/{SESTO}?pp=1&cp=2").text
    assert len(re.findall(r'<tr><td><a href="/calls/', second)) == 1 and second != page
    assert 'href="/comuni/015209?cp=1&amp;pp=2' not in page  # one project: no pager for projects


def test_search_results_show_the_words_found(giulia: TestClient) -> None:
    page = giulia.get("/calls", params={"q": "urbana rigenerazione", "status": "all"}).text
    assert "Bando Rigenerazione urbana 2027" in page
    assert re.search(r"<mark>[Rr]igenerazione</mark>", page)


def test_sort_by_publication_and_relevance(giulia: TestClient) -> None:
    def titles(query: str) -> list[str]:
        body = giulia.get(f"/calls?{query}").text.split("<tbody>", 1)[1]
        return re.findall(r'<a href="/calls/[^"]+">([^<]+)</a>', body)

    by_deadline, by_published, by_relevance = titles(""), titles("sort=published"), titles("sort=relevance")
    assert sorted(by_deadline) == sorted(by_published) == sorted(by_relevance)
    assert by_published != by_deadline and by_relevance != by_deadline
    assert titles("sort=whatever") == by_deadline  # explained, not fatal


def _verdict_form(client: TestClient) -> tuple[str, str, str]:
    page = client.get("/triage").text
    call_id = re.search(r'name="call_id" value="([^"]+)"', page)
    scope = re.search(r'<select name="project_id" id="review-scope">\s*<option value="([^"]*)" selected>', page)
    assert call_id and scope, "the verdict form must preselect the project in view"
    return csrf_of(page), call_id.group(1), scope.group(1)


def test_verdict_defaults_to_the_project_in_view_and_can_be_undone(
    giulia: TestClient, web_sessions: sessionmaker[Session]
) -> None:
    token, call_id, project_id = _verdict_form(giulia)
    assert project_id  # a project, not "il bando in generale"
    form = {"csrf_token": token, "call_id": call_id, "reason": "territory", "project_id": project_id}
    assert giulia.post("/review", data=form).status_code == 303
    with web_sessions() as session:
        row = session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia"))
        assert row is not None and row.project_id == project_id
    page = giulia.get("/triage").text
    assert 'id="btn-undo"' in page
    undone = giulia.post("/review/undo", data={"csrf_token": csrf_of(page), "back": "triage"})
    assert undone.status_code == 303
    with web_sessions() as session:
        assert session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia")) is None
    assert "Giudizio annullato" in giulia.get("/triage").text
    again = giulia.post("/review/undo", data={"csrf_token": token, "back": "triage"})
    assert again.status_code == 303 and "Nessun giudizio da annullare" in giulia.get("/triage").text


def test_undo_never_removes_someone_elses_verdict(
    as_user: Callable[[str], TestClient], web_sessions: sessionmaker[Session]
) -> None:
    giulia, luca = as_user("giulia"), as_user("luca")
    token, call_id, _ = _verdict_form(giulia)
    giulia.post("/review", data={"csrf_token": token, "call_id": call_id, "tag": "relevant"})
    luca_token = csrf_of(luca.get("/triage").text)
    luca.post("/review/undo", data={"csrf_token": luca_token, "back": "triage"})
    with web_sessions() as session:
        assert session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia")) is not None


def test_one_call_deadline_as_ics_and_a_shareable_link(giulia: TestClient) -> None:
    page = giulia.get(f"/calls/{REGEN}").text
    assert 'value="https://cercabandi.example.org/calls/lombardia_bandi:RLO12026034567"' in page
    link = re.search(r'id="call-ics" href="([^"]+)"|href="([^"]+)" id="call-ics"', page)
    assert link
    response = giulia.get((link.group(1) or link.group(2)).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    body = response.text
    assert body.count("BEGIN:VEVENT") >= 1  # one event per deadline
    assert "Scadenza: Bando Rigenerazione urbana 2027" in body.replace("\r\n ", "")
    assert giulia.get("/calendar/nope:1.ics").status_code == 404


def test_atom_feed_of_a_saved_search_for_a_feed_reader(giulia: TestClient, app: object) -> None:
    from fastapi.testclient import TestClient as Anonymous

    page = giulia.get("/calls?level=national&q=periferie").text
    link = re.search(r'href="([^"]+)" id="atom-feed"', page)
    assert link and "token=" in link.group(1) and "level=national" in link.group(1)
    address = link.group(1).replace("&amp;", "&").replace("https://cercabandi.example.org", "")
    with Anonymous(app) as reader:  # type: ignore[arg-type]  # a feed reader: no session
        response = reader.get(address)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
        titles = re.findall(r"<entry><title>([^<]+)</title>", response.text)
        assert titles and all("periferie" in t.lower() or "inclusione" in t.lower() for t in titles)
        assert reader.get("/calls.atom?token=forged", follow_redirects=False).status_code == 303


def test_bulk_verdict_on_a_selection_and_its_undo(giulia: TestClient, web_sessions: sessionmaker[Session]) -> None:
    page = giulia.get("/calls?level=national").text
    selected = re.findall(r'name="call_id" value="([^"]+)" form="bulk-form"', page)[:2]
    assert len(selected) == 2
    form = {"csrf_token": csrf_of(page), "call_id": selected, "reason": "territory", "back": "/calls?level=national"}
    response = giulia.post("/review/bulk", data=form)
    assert response.status_code == 303 and response.headers["location"] == "/calls?level=national"
    with web_sessions() as session:
        rows = session.scalars(select(ReviewRow).where(ReviewRow.reviewer == "giulia")).all()
        assert sorted(r.call_id for r in rows) == sorted(selected)
        assert {(r.tag, r.reason, r.project_id) for r in rows} == {("not_relevant", "territory", None)}
    for _ in selected:
        giulia.post("/review/undo", data={"csrf_token": csrf_of(giulia.get("/triage").text), "back": "triage"})
    with web_sessions() as session:
        assert session.scalar(select(ReviewRow).where(ReviewRow.reviewer == "giulia")) is None
    refused = giulia.post("/review/bulk", data={**form, "reason": "whatever"})
    assert refused.status_code == 303 and "Scegli" in giulia.get("/calls").text
