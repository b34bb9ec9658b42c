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
from typing import Any

from cercabandi.core.untrusted import restore_formula

CellValue = str | int | float | Decimal | datetime | date | None

XLSX_MAGIC = b"PK\x03\x04"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (";", ",", "\t", "|")
MAX_FILE_BYTES = 20 * 10**6
MAX_ROWS = 100_000
MAX_COLUMNS = 200


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
    if len(data) > MAX_FILE_BYTES:
        raise CatalogueFileError(too_large(name, len(data)))
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


def too_large(name: str, size: int) -> str:
    """The refusal of a file over ``MAX_FILE_BYTES`` (checked before reading it, where the file is read)."""
    return (
        f"{name} is {size / 1e6:.1f} MB: a catalogue file may be at most {MAX_FILE_BYTES // 10**6} MB "
        "(split it, or remove images and unused sheets)"
    )


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
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise CatalogueFileError("the file holds binary data: it is not a CSV text file (an image or PDF renamed?)")
    try:
        return data.decode("cp1252"), "cp1252", [note.format("Windows-1252")]
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", [note.format("Latin-1")]


def _utf16_without_bom(data: bytes) -> tuple[str, str, list[str]] | None:
    """UTF-16 text written without its BOM: mostly-ASCII text leaves a zero byte in every other position."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros, odd_zeros = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for encoding, zeros, other in (("utf-16-le", odd_zeros, even_zeros), ("utf-16-be", even_zeros, odd_zeros)):
        if zeros >= half * 0.6 and other <= half * 0.05:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return text, encoding, [f"read as {encoding.upper()} without byte-order mark"]
    return None


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
            if number > MAX_ROWS + 1 and any(cell.strip() for cell in row):
                raise CatalogueFileError(_too_many_rows(name, None))
            if len(row) > MAX_COLUMNS and any(cell.strip() for cell in row[MAX_COLUMNS:]):
                raise CatalogueFileError(_too_many_columns(name, None, number, len(row)))
            rows.append([restore_formula(cell.strip()) for cell in row[:MAX_COLUMNS]])
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
    """Read the workbook in streaming mode: memory follows the cells written, not the sheet's stated size."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise many kinds for a damaged file
        raise CatalogueFileError(f"{source} is not a readable .xlsx workbook: {exc}") from exc
    try:
        names = list(workbook.sheetnames)
        if sheet is not None:
            chosen = _pick_sheet(names, sheet)
            if chosen is None:
                raise CatalogueFileError(
                    f"no sheet {sheet!r} in {source}; its sheets are: {', '.join(repr(n) for n in names)}"
                )
            names_to_read = [chosen]
        else:
            names_to_read = names
        grids = [_sheet_grid(workbook, source, name, len(names)) for name in names_to_read]
    finally:
        workbook.close()
    if len(grids) == 1:
        if not grids[0].rows:
            raise CatalogueFileError(f"sheet {grids[0].sheet!r} of {source} is empty")
        return grids[0]
    # Several sheets and no --sheet: the caller decides which looks like a catalogue.
    raise SeveralSheets(source, grids)


def _sheet_grid(workbook: Any, source: str, name: str, n_sheets: int) -> Grid:
    rows, merges = _stream_sheet(workbook, workbook[name], source)
    return Grid(
        source=source,
        rows=rows,
        row_numbers=list(range(1, len(rows) + 1)),
        kind="xlsx",
        sheet=name,
        merges=merges,
        notes=[f"XLSX, sheet {name!r}" + (f" of {n_sheets}" if n_sheets > 1 else "")],
    )


def _stream_sheet(workbook: Any, worksheet: Any, source: str) -> tuple[list[list[CellValue]], list[Merge]]:
    """Rows with content only (gaps kept as empty rows), within ``MAX_ROWS`` x ``MAX_COLUMNS``; the merges.

    openpyxl's read-only rows are padded to the sheet's stated dimension (one far cell at XFD1048576
    means 17 billion empty cells), so the sheet XML is parsed here, row by row.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser

    rows: list[list[CellValue]] = []
    with workbook._archive.open(worksheet._worksheet_path) as src:
        parser = WorkSheetParser(
            src,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            values = {c["column"]: _xlsx_value(c["value"]) for c in cells}
            values = {column: v for column, v in values.items() if v not in (None, "")}
            if not values:
                continue
            if number > MAX_ROWS + 1:
                raise CatalogueFileError(_too_many_rows(source, worksheet.title))
            if max(values) > MAX_COLUMNS:
                raise CatalogueFileError(_too_many_columns(source, worksheet.title, number, max(values)))
            rows.extend([] for _ in range(number - 1 - len(rows)))
            rows.append([values.get(column) for column in range(1, max(values) + 1)])
        found = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    merges = []
    for merged in found:
        min_col, min_row, max_col, max_row = range_boundaries(merged.ref)
        merges.append(Merge(min_row=min_row, min_col=min_col, max_row=max_row, max_col=max_col))
    return rows, merges


def _where(source: str, sheet: str | None) -> str:
    return f"sheet {sheet!r} of {source}" if sheet else source


def _too_many_rows(source: str, sheet: str | None) -> str:
    return (
        f"{_where(source, sheet)} has content past row {MAX_ROWS + 1:,}: a catalogue may have at most "
        f"{MAX_ROWS:,} project rows; delete stray cells far below the table, or split the file"
    )


def _too_many_columns(source: str, sheet: str | None, row: int, column: int) -> str:
    cell = f"{column_letter(column)}{row}"
    return (
        f"{_where(source, sheet)} has content in cell {cell}, past column {column_letter(MAX_COLUMNS)}: a catalogue "
        f"may have at most {MAX_COLUMNS} columns; delete stray cells far to the right of the table"
    )


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
    return restore_formula(str(value).strip())
