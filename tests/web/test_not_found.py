"""Unknown addresses and wrong methods answer an Italian page, not FastAPI's English JSON."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_unknown_address_anonymous_gets_an_italian_page(client: TestClient) -> None:
    response = client.get("/non-esiste/affatto")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Pagina non trovata" in response.text and 'href="/"' in response.text
    assert "Not Found" not in response.text and "Esci" not in response.text


def test_unknown_address_logged_in_keeps_the_menu(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("giulia")
    response = client.get("/bandi/x/y/z/nulla")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.text
    assert "Giulia Ferrari" in response.text  # the menu shows who is logged in
    assert client.get("/").status_code == 200  # the session survived


def test_missing_static_file_and_wrong_method(client: TestClient) -> None:
    missing = client.get("/static/nessuno.css")
    assert missing.status_code == 404 and "Pagina non trovata" in missing.text
    wrong = client.put("/login")
    assert wrong.status_code == 405
    assert "Pagina non trovata" in wrong.text and "GET" in wrong.headers["allow"]
