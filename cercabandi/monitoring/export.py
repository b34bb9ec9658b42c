"""The dashboard as an XLSX workbook staff can forward: one sheet per table, no private notes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cercabandi.core.vocab import ProgressStage, label_it
from cercabandi.monitoring.dashboard import NO_UPDATE, Dashboard, stage_of

DIMENSION_LABELS = {"comune": "Comune", "source": "Fonte di finanziamento", "theme": "Tema"}
STAGE_COLUMNS = [*(s.value for s in ProgressStage), NO_UPDATE]


def stage_label(value: str) -> str:
    return "Nessun aggiornamento" if value == NO_UPDATE else label_it(value, ProgressStage)


def _sheet(book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    sheet: Worksheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 40


def dashboard_workbook(dashboard: Dashboard, *, today: date) -> bytes:
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    headers = [
        DIMENSION_LABELS[dashboard.dimension],
        "Candidature",
        "Progetti finanziati",
        "Tasso di successo",
        "Importo richiesto (€)",
        "Importo concesso (€)",
        *(stage_label(s) for s in STAGE_COLUMNS),
    ]
    rows = [
        [
            r.label,
            r.applications,
            r.funded,
            round(r.success_rate, 4) if r.success_rate is not None else "",
            float(r.requested),
            float(r.granted),
            *(r.stages.get(s, 0) for s in STAGE_COLUMNS),
        ]
        for r in dashboard.rows
    ]
    _sheet(book, "Riepilogo", headers, rows)
    _sheet(
        book,
        "Rendicontazioni 60 giorni",
        ["Progetto", "Scadenza", "Rendicontazione", "Comuni"],
        [[a.title, r.due_on, r.title, ", ".join(a.comuni)] for a, r in dashboard.reporting_soon],
    )
    _sheet(
        book,
        "Senza aggiornamenti",
        ["Progetto", "Fonte di finanziamento", "Fase", "Ultimo aggiornamento", "Comuni"],
        [
            [
                a.title,
                a.funding_source or "",
                stage_label(stage_of(a)),
                a.latest_progress.as_of if a.latest_progress else "",
                ", ".join(a.comuni),
            ]
            for a in dashboard.stale
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
