"""The one sanitiser policy, as normalisation applies it before storing a publisher's HTML."""

from __future__ import annotations

from cercabandi.core.safe_html import clean_html


def test_clean_html_removes_everything_active() -> None:
    html = (
        '<p onclick="steal()" style="color:red">Testo</p><script>alert(1)</script><style>p{}</style>'
        '<a href="javascript:alert(1)">x</a><a href="/bando.pdf" onmouseover="e()">Bando</a><img src="http://t/p.gif">'
        '<iframe src="http://evil"></iframe><noscript>traccia</noscript>'
    )
    safe = clean_html(html, base_url="https://www.example.it/bandi/uno")
    for bad in ("script", "onclick", "onmouseover", "style", "javascript:", "alert", "<img", "iframe", "traccia"):
        assert bad not in safe
    assert '<a href="https://www.example.it/bando.pdf" rel="noopener noreferrer nofollow">Bando</a>' in safe
    assert "<p>Testo</p>" in safe


def test_relative_links_stay_relative_without_a_base() -> None:
    assert (
        clean_html('<a href="/bando.pdf">Bando</a>')
        == '<a href="/bando.pdf" rel="noopener noreferrer nofollow">Bando</a>'
    )


def test_table_structure_survives() -> None:
    html = '<table><thead><tr><th>Voce</th></tr></thead><tfoot><tr><td colspan="2">Totale</td></tr></tfoot></table>'
    assert clean_html(html) == html
