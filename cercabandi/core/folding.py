"""Folding text for comparison: accents off, and (for keys) lower-case ASCII words.

Publishers, catalogue authors and subscribers write "Città", "Citta'" and "CITTÀ" for the same
thing. Stages compare what people wrote by a folded key; this is the one place that says what
folding removes. Stages add their own steps on top (apostrophes, "s/N", unit words) where they
need them.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    """The text without diacritics ("Città" -> "Citta"): compatibility decomposition, combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Latin letters with accents, folded once at import: most texts then need one translate() call.
_ACCENTED = {cp: strip_accents(chr(cp)) for cp in range(0xC0, 0x250) if strip_accents(chr(cp)) != chr(cp)}


def fold(text: str) -> str:
    """Lower case without accents: 'Comunità' -> 'comunita', 'PERCHÉ' -> 'perche'."""
    text = text.translate(_ACCENTED)
    if not text.isascii():
        text = strip_accents(text)
    return text.lower()


def fold_words(text: str) -> str:
    """Lower-case ASCII words joined by single spaces ("Costo totale (€)" -> "costo totale")."""
    return " ".join(_NOT_WORD.sub(" ", strip_accents(text).lower()).split())
