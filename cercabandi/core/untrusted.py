"""Rules for text that comes from outside: control characters, and cells a spreadsheet would run.

One place for both, so the web application, the catalogue import and every export agree.
"""

from __future__ import annotations

import re

# Tab, newline and carriage return are ordinary in a note or a description; the other C0 controls
# and DEL are not text (NUL is refused by PostgreSQL and by XLSX files outright).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What makes Excel or LibreOffice read a CSV cell as a formula, full-width forms included (IME input).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
TEXT_MARK = "'"  # a leading apostrophe: "this is text" to a spreadsheet


def control_characters(text: str) -> list[str]:
    """The distinct control characters in ``text``, as U+XXXX, for an error message."""
    return sorted({f"U+{ord(ch):04X}" for ch in CONTROL_RE.findall(text)})


def strip_controls(text: str) -> str:
    return CONTROL_RE.sub("", text)


PLAIN_NUMBER_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")  # "-5" is read as a number, nothing runs


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and PLAIN_NUMBER_RE.fullmatch(text) is None


def neutralise_formula(value: object) -> object:
    """A CSV cell that cannot run: formula-like text gets the text mark (``restore_formula`` undoes it)."""
    if isinstance(value, str) and formula_like(value):
        return TEXT_MARK + value
    return value


def restore_formula(text: str) -> str:
    """The value before ``neutralise_formula``: re-importing an export changes nothing."""
    if text.startswith(TEXT_MARK) and formula_like(text[1:]):
        return text[1:]
    return text
