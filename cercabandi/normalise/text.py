"""Text of a call: HTML to clean text, language detection.

Publishers send HTML fragments (Bandi Online blocks, SEDIA ``descriptionByte``, incentivi's Drupal
body) or plain text. We keep two things: ``body_text`` (what the matcher and the search read, made
here) and ``body_html`` (what the review application shows), sanitised by the one policy in
``cercabandi.core.safe_html`` so that a publisher's page can never run a script in a volunteer's browser.

Language: py3langid (a maintained, offline, deterministic fork of langid.py with its model shipped in
the wheel, ~4 MB) restricted to the five languages our sources use. Short or low-confidence texts
(a title such as "Bando Tertium") fall back to the source's usual language instead of a guess.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from typing import Any

from bs4 import BeautifulSoup, Comment

LANGUAGES = ("it", "en", "fr", "de", "es")
_MIN_CHARS_FOR_DETECTION = 25
_MIN_CONFIDENCE = 0.80

_HTML_HINT = re.compile(r"<\s*(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*)>|&(?:[a-zA-Z]+|#\d+);")
_BLOCK_TAGS = (
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "blockquote",
    "pre",
    "address",
    "figure",
    "figcaption",
    "hr",
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head", "button", "form")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def looks_like_html(value: str) -> bool:
    """Whether a publisher's string carries markup (a tag or an entity) rather than plain text."""
    return bool(_HTML_HINT.search(value))


def clean_inline(value: str | None) -> str | None:
    """One line of text (a title, a label): markup and entities removed, spaces collapsed."""
    if value is None:
        return None
    text = html_to_text(value) if looks_like_html(value) else html.unescape(value)
    text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
    return text or None


def html_to_text(value: str) -> str:
    """Readable text of an HTML fragment: blocks become lines, scripts and styles vanish."""
    if not value:
        return ""
    if not looks_like_html(value):
        return _tidy_lines(value)
    soup = BeautifulSoup(value, "lxml")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        if tag.name == "li":
            tag.insert_before("\n- ")
        else:
            tag.insert_before("\n")
        tag.insert_after("\n")
    for cell in soup.find_all(("td", "th")):
        cell.insert_after(" ")
    return _tidy_lines(soup.get_text())


def _tidy_lines(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    kept = [line for line in lines if line and line != "-"]
    return "\n".join(kept)


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str, *, default: str) -> str:
    """ISO 639-1 code of ``text`` among it/en/fr/de/es; ``default`` when too short or unsure."""
    sample = _SPACES.sub(" ", text or "").strip()[:4000]
    letters = sum(ch.isalpha() for ch in sample)
    if letters < _MIN_CHARS_FOR_DETECTION:
        return default
    language, confidence = _identifier().classify(sample)
    if confidence < _MIN_CONFIDENCE or language not in LANGUAGES:
        return default
    return str(language)
