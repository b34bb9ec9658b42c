"""Words for full-text search: the same analysis for what is stored and for what is asked.

A text becomes lower-case words without accents, each cut to its Italian stem (Snowball,
the stemmer of PostgreSQL's ``italian`` configuration): "Asili nido" -> "asil nid",
"città metropolitana" -> "citt metropolitan". The database indexes these stems (FTS5 on
SQLite, a ``tsvector`` on PostgreSQL) and a question matches every stem as a prefix, in any
order, so both databases answer the same. ``highlight`` finds the same words back in the
original text for the snippets shown under a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from cercabandi.core.folding import fold

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_MAX_DOCUMENT = 200_000  # characters of stems kept per call: bodies beyond it add little


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("italian")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The search stem of one word (folded first): 'Asili' -> 'asil'."""
    folded = fold(word)
    return str(_stemmer().stemWord(folded)) if folded.isalpha() else folded


def terms(text: str) -> list[str]:
    """The stems of a text's words, in order."""
    return [stem(word) for word in _WORD_RE.findall(text)]


def document(parts: Iterable[str | None]) -> str:
    """What the database indexes for a record: the stems of its texts, space-separated."""
    stems = " ".join(" ".join(terms(part)) for part in parts if part)
    return stems[:_MAX_DOCUMENT]


def query_terms(question: str) -> list[str]:
    """The distinct stems of a question, at most ten (each must be found)."""
    seen: list[str] = []
    for term in terms(question):
        if term and term not in seen:
            seen.append(term)
    return seen[:10]


@dataclass(frozen=True)
class Fragment:
    text: str
    hit: bool


def highlight(text: str, wanted: list[str], *, width: int = 220) -> list[Fragment]:
    """A piece of ``text`` around the first word whose stem starts with a wanted stem, hits marked.

    Empty when no word matches (the template then shows nothing).
    """
    words = list(_WORD_RE.finditer(text))
    hits = [m for m in words if any(stem(m.group()).startswith(w) for w in wanted)]
    if not hits:
        return []
    start = max(0, hits[0].start() - width // 3)
    end = min(len(text), start + width)
    fragments: list[Fragment] = [Fragment("…", False)] if start else []
    cursor = start
    for match in hits:
        if match.start() < start or match.end() > end:
            continue
        fragments.append(Fragment(text[cursor : match.start()], False))
        fragments.append(Fragment(match.group(), True))
        cursor = match.end()
    fragments.append(Fragment(text[cursor:end] + ("…" if end < len(text) else ""), False))
    return fragments
