"""The generic reading (trafilatura, offline) on pages written for the tests."""

from __future__ import annotations

from cercabandi.crawlers.fallback import read_generic
from tests.crawlers.kit import fixture_bytes

PAGE = """<html><head><title>Bando periferie 2027 | Ente</title></head><body>
<nav><a href="/">Home</a> <a href="/bandi">Bandi</a></nav>
<div class="v2-layout"><div class="v2-box"><h1>Bando periferie 2027</h1>
<div class="v2-facts">Scadenza: 31 marzo 2027, ore 12:00</div>
<div class="v2-text"><div>Il bando finanzia progetti di rigenerazione delle periferie urbane nei comuni
della città metropolitana, con una dotazione complessiva di 5 milioni di euro.</div>
<div>Possono partecipare i comuni, singoli o associati, e gli enti del terzo settore in partenariato con
almeno un comune. Le domande si presentano entro il 31 marzo 2027.</div></div></div></div>
<footer>Contatti - Privacy - Note legali</footer></body></html>"""


def test_a_page_of_divs_gives_title_main_text_and_visible_text() -> None:
    reading = read_generic(PAGE, "https://example.org/bandi/periferie-2027")
    assert reading is not None
    assert reading.title == "Bando periferie 2027"
    assert "Possono partecipare i comuni" in reading.text and "Privacy" not in reading.text
    assert "Scadenza: 31 marzo 2027, ore 12:00" in reading.visible and "Home" not in reading.visible


def test_a_page_without_content_is_not_read() -> None:
    assert read_generic("<html><body><h1>Errore</h1><p>Pagina non trovata.</p></body></html>", "https://x/y") is None
    assert read_generic(fixture_bytes("fnd_cariplo", "challenge.html").decode("utf-8"), "https://x/y") is None
