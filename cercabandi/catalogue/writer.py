"""Write catalogue tables: the export (re-importable as is) and the rejected rows with reasons."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import PurePath

from cercabandi.catalogue.columns import EXPORT_HEADERS, FIELDS
from cercabandi.catalogue.parse import ParsedCatalogue
from cercabandi.core.models import Project
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


def table_bytes(name: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The file ``name`` as bytes: CSV (UTF-8 with BOM, ';' as Italian Excel expects) or XLSX, by its extension."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_bytes(headers, rows)
    if suffix not in (".csv", ".txt"):
        raise ValueError(f"cannot write {name}: use a .csv or .xlsx file name")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Progetti"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_cell(value: Cell) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let a cell become a formula
    return value
