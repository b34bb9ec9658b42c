"""The progress-update file staff fill in after a phone call or an e-mail (CSV or XLSX).

One row per funded project and date. Columns (Italian headers, any order, case-insensitive):

| header | meaning |
|---|---|
| ``candidatura`` | the application number in cercabandi, or its open-data reference (``pnrr:...``) |
| ``fase`` | the stage: a slug (``under_way``) or its Italian label (``Lavori / attività in corso``) |
| ``spesa_pct`` | percentage of spending, 0–100 (optional) |
| ``lavori_pct`` | percentage of works, 0–100 (optional) |
| ``data`` | the date of the information (``2026-11-30`` or ``30/11/2026``) |
| ``fonte`` | where it comes from ("telefonata con l'ufficio tecnico", "e-mail del RUP") |
| ``note`` | a private note (optional) |

Pure: takes the rows of a grid (the flow reads the file) and returns updates or row errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from cercabandi.core.applications import MonitoringError, Progress, parse_stage
from cercabandi.core.folding import fold_words

HEADERS = ("candidatura", "fase", "spesa_pct", "lavori_pct", "data", "fonte", "note")
REQUIRED = ("candidatura", "fase", "data", "fonte")

Cell = object


@dataclass
class ParsedUpdates:
    updates: list[tuple[int, str, Progress]] = field(default_factory=list)  # (row number, ref, progress)
    errors: list[str] = field(default_factory=list)  # "riga 3: ..." one per problem


def _header_index(row: Sequence[Cell]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = fold_words(str(cell or "")).replace(" ", "_")
        if key in HEADERS:
            index[key] = i
    return index


def _text(row: Sequence[Cell], index: dict[str, int], name: str) -> str:
    i = index.get(name)
    if i is None or i >= len(row) or row[i] is None:
        return ""
    return str(row[i]).strip()


def parse_date(value: Cell) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    day, _, rest = text.partition("/")
    month, _, year = rest.partition("/")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        pass
    raise MonitoringError(f"date {text!r} is not a date (write 2026-11-30 or 30/11/2026)")


def _percent(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        return float(Decimal(text.rstrip("%").strip().replace(",", ".")))
    except InvalidOperation:
        raise MonitoringError(f"{name} {text!r} is not a number") from None


def _row_update(row: Sequence[Cell], index: dict[str, int]) -> tuple[str, Progress]:
    missing = [name for name in REQUIRED if not _text(row, index, name)]
    if missing:
        raise MonitoringError(f"missing {', '.join(missing)}")
    i = index["data"]
    progress = Progress(
        stage=parse_stage(_text(row, index, "fase")),
        spending_pct=_percent(_text(row, index, "spesa_pct"), "spesa_pct"),
        works_pct=_percent(_text(row, index, "lavori_pct"), "lavori_pct"),
        as_of=parse_date(row[i] if i < len(row) else None),
        source=_text(row, index, "fonte"),
        note=_text(row, index, "note") or None,
    )
    return _text(row, index, "candidatura"), progress


def parse_update_rows(rows: Sequence[Sequence[Cell]], row_numbers: Sequence[int]) -> ParsedUpdates:
    """Read the update table: the first row holds the headers."""
    parsed = ParsedUpdates()
    if not rows:
        parsed.errors.append("the file is empty")
        return parsed
    index = _header_index(rows[0])
    absent = [name for name in REQUIRED if name not in index]
    if absent:
        parsed.errors.append(f"missing column(s): {', '.join(absent)}; the columns are {', '.join(HEADERS)}")
        return parsed
    for row, number in zip(rows[1:], row_numbers[1:], strict=False):
        if not any(str(c or "").strip() for c in row):
            continue
        try:
            parsed.updates.append((number, *_row_update(row, index)))
        except (MonitoringError, ValueError) as exc:
            parsed.errors.append(f"riga {number}: {exc}")
    return parsed
