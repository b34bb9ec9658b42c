"""Write catalogue tables: the export (re-importable as is) and the rejected rows with reasons."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from cercabandi.catalogue.columns import EXPORT_HEADERS, FIELDS
from cercabandi.catalogue.parse import ParsedCatalogue
from cercabandi.core.csv_export import DEFAULT_SEPARATOR, csv_bytes
from cercabandi.core.models import Project
from cercabandi.core.untrusted import formula_like, neutralise_formula, strip_controls
from cercabandi.core.vocab import label_it

Cell = str | Decimal | int | None
REJECTED_ROW_HEADER = "Riga"
REJECTED_REASONS_HEADER = "Errori"


def export_table(projects: Sequence[Project]) -> tuple[list[str], list[list[Cell]]]:
    """Headers and rows of an export; extra fields become their own columns, sorted by name."""
    extra_keys = sorted({key for p in projects for key in p.extra})
    headers = [EXPORT_HEADERS[f] for f in FIELDS] + extra_keys
    rows: list[list[Cell]] = []
    for project in projects:
        row: list[Cell] = [
            project.id,
            project.cup,
            project.title,
            project.description,
            "; ".join(c.name for c in project.comuni),
            project.proponent,
            label_it(project.proponent_type) if project.proponent_type else None,
            "; ".join(project.partners),
            "; ".join(project.themes),
            project.estimated_cost,
            project.cofinancing_available,
            label_it(project.stage) if project.stage else None,
            project.funding_obtained,
            project.contact_name,
            project.contact_email,
        ]
        row.extend(project.extra.get(key) for key in extra_keys)
        rows.append(row)
    return headers, rows


def rejected_table(parsed: ParsedCatalogue) -> tuple[list[str], list[list[Cell]]]:
    """The rejected rows as written, with their row number and reasons: fix and import again."""
    headers = [REJECTED_ROW_HEADER, *parsed.headers, REJECTED_REASONS_HEADER]
    rows: list[list[Cell]] = []
    for rejected in parsed.rejected:
        values: list[Cell] = list(rejected.values) + [None] * (len(parsed.headers) - len(rejected.values))
        reasons = " | ".join(
            f"{issue.column}: {issue.message}" if issue.column else issue.message for issue in rejected.issues
        )
        rows.append([rejected.row, *values, reasons])
    return headers, rows


def table_bytes(
    name: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, separator: str = DEFAULT_SEPARATOR
) -> bytes:
    """The file ``name`` as bytes: CSV (the export dialect of ``core.csv_export``: UTF-8 with BOM, ';' as
    Italian Excel expects, or ``separator``) or XLSX, by its extension."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_bytes(headers, rows)
    if suffix not in (".csv", ".txt"):
        raise ValueError(f"cannot write {name}: use a .csv or .xlsx file name")
    cells = ([None if v is None else _csv_cell(v) for v in row] for row in rows)
    return csv_bytes(headers, cells, separator=separator)


def _xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Progetti"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            _as_text_if_formula_like(cell)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_cell(value: Cell) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    # "=..." would run in Excel: it gets the text mark, which the import takes off again.
    return str(neutralise_formula(strip_controls(str(value))))


def _xlsx_cell(value: Cell) -> Cell:
    return strip_controls(value) if isinstance(value, str) else value  # XLSX cannot hold control characters


def _as_text_if_formula_like(cell: Any) -> None:
    """A string cell stays a string (openpyxl makes "=..." a formula) and Excel keeps it text when edited.

    The value itself is unchanged, so importing the export gives back exactly what was exported.
    """
    if isinstance(cell.value, str) and formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
