"""The CSV dialect of every export (catalogue, call lists): what Italian Excel opens in columns.

Excel with Italian regional settings splits a CSV on ``;`` (the comma is the decimal separator)
and reads it as UTF-8 only when the file starts with a byte-order mark; without both, accented
text is garbled and every row lands in one column. Other tools may want ``,`` or a tab: the
separator is an option, the BOM stays (the catalogue import and most tools skip it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

BOM = "\ufeff"
DEFAULT_SEPARATOR = ";"
SEPARATORS = {";": ";", ",": ",", "tab": "\t"}  # as written in options and URLs -> the character


def separator_for(name: str) -> str:
    """The separator character for an option value (``;``, ``,`` or ``tab``)."""
    if name in SEPARATORS.values():
        return name
    if name.strip().lower() in SEPARATORS:
        return SEPARATORS[name.strip().lower()]
    choices = ", ".join(repr(s) for s in SEPARATORS)
    raise ValueError(f"unknown CSV separator {name!r}: use one of {choices}")


def write_csv(
    handle: TextIO, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, separator: str = DEFAULT_SEPARATOR
) -> None:
    """Write a BOM, the headers and the rows (``None`` as an empty cell); open the handle with ``newline=""``."""
    handle.write(BOM)
    writer = csv.writer(handle, delimiter=separator)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, separator: str = DEFAULT_SEPARATOR) -> bytes:
    """The whole export as UTF-8 bytes, for a download."""
    buffer = io.StringIO(newline="")
    write_csv(buffer, headers, rows, separator=separator)
    return buffer.getvalue().encode("utf-8")
