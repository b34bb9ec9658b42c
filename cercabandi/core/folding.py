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


# The combining diacritical marks of Latin text (U+0300-U+036F less the ones that are not combining):
# after NFKD they are all that separates Italian, French or German text from ASCII.
_LATIN_MARKS = re.compile("[" + "".join(chr(cp) for cp in range(0x300, 0x370) if unicodedata.combining(chr(cp))) + "]")


def _latin1_fold() -> tuple[bytes, str]:
    """``strip_accents(c).lower()`` of every Latin-1 character as one byte, and the few Latin-1 characters that
    fold to anything else ("½" -> "1⁄2", "µ" -> Greek "μ")."""
    table = bytearray(range(256))
    elsewhere = ""
    for code in range(256):
        folded = strip_accents(chr(code)).lower()
        if len(folded) == 1 and ord(folded) < 256:
            table[code] = ord(folded)
        else:
            elsewhere += chr(code)
    return bytes(table), elsewhere


_LATIN1_FOLD, _LATIN1_ELSEWHERE = _latin1_fold()


def fold(text: str) -> str:
    """Lower case without accents: 'Comunità' -> 'comunita', 'PERCHÉ' -> 'perche'.

    The same as ``strip_accents(text).lower()``, with the common cases done in C: ASCII text as
    it is; Latin-1 text (Italian accents) by a byte table, exact character by character there (NFKD
    reorders only the marks it drops, lower case needs no context); other Latin accents by NFKD and
    one small character class; only other scripts' marks are filtered character by character.
    """
    if text.isascii():
        return text.lower()
    try:
        latin1 = text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    else:
        if not any(ch in text for ch in _LATIN1_ELSEWHERE):
            return latin1.translate(_LATIN1_FOLD).decode("latin-1")
    text = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text))
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def fold_words(text: str) -> str:
    """Lower-case ASCII words joined by single spaces ("Costo totale (€)" -> "costo totale")."""
    return " ".join(_NOT_WORD.sub(" ", strip_accents(text).lower()).split())
