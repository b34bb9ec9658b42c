"""Read a catalogue spreadsheet (CSV or XLSX) into a plain grid, saying what was guessed.

CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 from Excel's
"Unicode text", else Windows-1252, else Latin-1) and so is the delimiter (``;`` as
Italian Excel writes, ``,``, tab or ``|``). XLSX: one sheet is chosen (``sheet=`` or the
only sheet that looks like a catalogue), merged cells are reported with their range.
Problems that make the whole file unreadable raise ``CatalogueFileError``.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath

CellValue = str | int | float | Decimal | datetime | date | None

XLSX_MAGIC = b"PK\x03\x04"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (";", ",", "\t", "|")


class CatalogueFileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass(frozen=True)
class Merge:
    """A merged range of an XLSX sheet, 1-based inclusive sheet coordinates."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def ref(self) -> str:
        start = f"{column_letter(self.min_col)}{self.min_row}"
        end = f"{column_letter(self.max_col)}{self.max_row}"
        return start if start == end else f"{start}:{end}"


@dataclass
class Grid:
    """Rows of cells as read; ``row_numbers[i]`` is the row number a person sees for ``rows[i]``."""

    source: str
    rows: list[list[CellValue]]
    row_numbers: list[int]
    kind: str  # csv | xlsx
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    merges: list[Merge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was guessed, for the report


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA (as spreadsheets name columns)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_grid(name: str, data: bytes, *, sheet: str | None = None, encoding: str | None = None) -> Grid:
    """Read the content of the file ``name`` by what it is (an .xlsx renamed .csv still works)."""
    if data.startswith(XLS_MAGIC):
        raise CatalogueFileError(f"{name} is an old Excel 97-2003 (.xls) workbook: open it and save it as .xlsx or CSV")
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(name, data, sheet=sheet)
    suffix = PurePath(name).suffix
    if suffix.lower() in EXCEL_SUFFIXES:
        raise CatalogueFileError(f"{name} is named {suffix} but is not an Excel workbook ({_what_it_is(data)})")
    if sheet is not None:
        raise CatalogueFileError(f"--sheet {sheet!r} was given but {name} is a CSV file, which has no sheets")
    return read_csv(name, data, encoding=encoding)


def _what_it_is(data: bytes) -> str:
    """A hint for a file whose name promises a workbook its content is not."""
    if not data.strip():
        return "the file is empty"
    head = data.lstrip()[:200].lower()
    if head.startswith(b"<"):
        return "it is an HTML or XML page, perhaps an error page saved instead of the download: download it again"
    if b"\x00" in data[:4096]:
        return "its content is not a zip archive: open it in Excel and save it again as .xlsx"
    return "it is plain text: if it is a CSV export, rename it to .csv"


# ------------------------------------------------------------------------- CSV


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """Text, encoding used, notes. An explicit encoding must fit; otherwise it is detected."""
    if encoding:
        try:
            return data.decode(encoding), encoding, []
        except LookupError as exc:
            raise CatalogueFileError(f"unknown encoding {encoding!r}: use e.g. utf-8, cp1252 or latin-1") from exc
        except UnicodeDecodeError as exc:
            raise CatalogueFileError(
                f"the file is not valid {encoding} (byte {data[exc.start : exc.start + 1]!r} at offset "
                f"{exc.start}): leave out --encoding to detect it"
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16", ["read as UTF-16 (Excel 'Unicode text')"]
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        note = (
            f"not UTF-8 (byte {data[exc.start : exc.start + 1]!r} on line {line}): read as "
            "{}; check accented letters, or save the file as 'CSV UTF-8'"
        )
    if b"\x00" in data:
        raise CatalogueFileError("the file holds binary data: it is not a CSV text file (an image or PDF renamed?)")
    try:
        return data.decode("cp1252"), "cp1252", [note.format("Windows-1252")]
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", [note.format("Latin-1")]


def sniff_delimiter(text: str) -> str:
    """The delimiter used most on the first non-empty line (outside quotes)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def read_csv(name: str, data: bytes, *, encoding: str | None = None) -> Grid:
    text, used, notes = decode(data, encoding)
    if not text.strip():
        raise CatalogueFileError(f"{name} is empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[CellValue]] = []
    numbers: list[int] = []
    try:
        for number, row in enumerate(reader, start=1):
            rows.append([cell.strip() for cell in row])
            numbers.append(number)
    except csv.Error as exc:
        raise CatalogueFileError(f"{name}: malformed CSV near row {len(rows) + 1}: {exc}") from exc
    names = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
    notes.append(f"CSV, {used}, {names[delimiter]}-separated")
    return Grid(
        source=name, rows=rows, row_numbers=numbers, kind="csv", encoding=used, delimiter=delimiter, notes=notes
    )


# ------------------------------------------------------------------------ XLSX


def read_xlsx(source: str, data: bytes, *, sheet: str | None = None) -> Grid:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise many kinds for a damaged file
        raise CatalogueFileError(f"{source} is not a readable .xlsx workbook: {exc}") from exc
    names = list(workbook.sheetnames)
    if sheet is not None:
        chosen = _pick_sheet(names, sheet)
        if chosen is None:
            raise CatalogueFileError(
                f"no sheet {sheet!r} in {source}; its sheets are: {', '.join(repr(n) for n in names)}"
            )
        sheets = [chosen]
    else:
        sheets = names
    grids = []
    for name in sheets:
        ws = workbook[name]
        rows: list[list[CellValue]] = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_xlsx_value(v) for v in row])
        while rows and all(v in (None, "") for v in rows[-1]):
            rows.pop()
        merges = [
            Merge(min_row=r.min_row, min_col=r.min_col, max_row=r.max_row, max_col=r.max_col)
            for r in ws.merged_cells.ranges
        ]
        grids.append(
            Grid(
                source=source,
                rows=rows,
                row_numbers=list(range(1, len(rows) + 1)),
                kind="xlsx",
                sheet=name,
                merges=merges,
                notes=[f"XLSX, sheet {name!r}" + (f" of {len(names)}" if len(names) > 1 else "")],
            )
        )
    workbook.close()
    if len(grids) == 1:
        if not grids[0].rows:
            raise CatalogueFileError(f"sheet {grids[0].sheet!r} of {source} is empty")
        return grids[0]
    # Several sheets and no --sheet: the caller decides which looks like a catalogue.
    raise SeveralSheets(source, grids)


class SeveralSheets(CatalogueFileError):
    """A workbook with several sheets and no ``--sheet``: carries every sheet's grid."""

    def __init__(self, source: str, grids: list[Grid]) -> None:
        self.source = source
        self.grids = grids
        listing = ", ".join(repr(g.sheet) for g in grids)
        super().__init__(f"{source} has {len(grids)} sheets ({listing}): choose one with --sheet NAME")


def _pick_sheet(names: list[str], wanted: str) -> str | None:
    for name in names:
        if name == wanted:
            return name
    for name in names:
        if name.strip().lower() == wanted.strip().lower():
            return name
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    return None


def _xlsx_value(value: object) -> CellValue:
    if isinstance(value, bool):
        return str(value)
    if value is None or isinstance(value, int | float | Decimal | datetime | date):
        return value
    return str(value).strip()
