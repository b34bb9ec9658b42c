"""The monitoring dashboard (per comune, funding source, theme), its XLSX export and the funded-project list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from cercabandi.core.applications import DASHBOARD_DEADLINE_DAYS, Application
from cercabandi.core.themes import THEMES
from cercabandi.core.vocab import ApplicationStatus, Role
from cercabandi.db.models import User
from cercabandi.db.repo import applications as repo
from cercabandi.monitoring.dashboard import DIMENSIONS, Dashboard, build_dashboard, stage_of
from cercabandi.monitoring.export import DIMENSION_LABELS, STAGE_COLUMNS, dashboard_workbook, stage_label
from cercabandi.web.charts import bar_chart
from cercabandi.web.pages import render
from cercabandi.web.routes_applications import today
from cercabandi.web.security import get_db, require

router = APIRouter()
staff = require(Role.STAFF)
FUNDED_PAGE = 100
CHART_GROUPS = 8
# Bar labels must fit under a bar: short forms of the stages (the table beside uses the full ones).
SHORT_STAGES = {
    "not_started": "Non avviati",
    "design": "Progettaz.",
    "procurement": "Affidamento",
    "under_way": "In corso",
    "active": "Attivi",
    "completed": "Conclusi",
    "reported": "Rendicontati",
    "no_update": "Senza agg.",
}


def _dashboard(request: Request, db: Session, by: str) -> Dashboard:
    dimension = by if by in DIMENSIONS else "comune"
    return build_dashboard(repo.list_applications(db), today=today(request), dimension=dimension, theme_labels=THEMES)


def _charts(board: Dashboard) -> dict[str, Markup]:
    top = board.rows[:CHART_GROUPS]
    return {
        "stages": bar_chart(
            [(SHORT_STAGES.get(s, s), board.stage_totals.get(s, 0)) for s in STAGE_COLUMNS],
            width=720,
            title="Progetti finanziati per fase",
        ),
        "applications": bar_chart(
            [(r.label[:14], r.applications) for r in top], width=720, title="Candidature per gruppo"
        ),
        "funded": bar_chart([(r.label[:14], r.funded) for r in top], width=720, title="Progetti finanziati per gruppo"),
    }


@router.get("/monitoring")
def monitoring_page(
    request: Request, by: str = "comune", user: User = Depends(staff), db: Session = Depends(get_db)
) -> Response:
    board = _dashboard(request, db, by)
    context = {
        "board": board,
        "charts": _charts(board),
        "dimensions": [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
        "stage_columns": [(s, stage_label(s)) for s in STAGE_COLUMNS],
        "days": DASHBOARD_DEADLINE_DAYS,
        "stage_of": stage_of,
        "stage_label": stage_label,
    }
    return render(request, "monitoring.html", context, user=user)


@router.get("/monitoring.xlsx")
def monitoring_xlsx(
    request: Request, by: str = "comune", user: User = Depends(staff), db: Session = Depends(get_db)
) -> Response:
    board = _dashboard(request, db, by)
    day = today(request)
    return Response(
        dashboard_workbook(board, today=day),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="monitoraggio-{board.dimension}-{day:%Y%m%d}.xlsx"'},
    )


def _matches(app: Application, comune: str, stage: str, q: str) -> bool:
    return (
        (not comune or comune in app.istat)
        and (not stage or stage_of(app) == stage)
        and (not q or q.casefold() in app.title.casefold())
    )


@router.get("/monitoring/funded")
def funded_page(
    request: Request,
    comune: str = "",
    stage: str = "",
    q: str = "",
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    funded = [a for a in repo.list_applications(db, status=ApplicationStatus.FUNDED) if _matches(a, comune, stage, q)]
    context = {
        "items": funded[:FUNDED_PAGE],
        "total": len(funded),
        "stage_columns": [(s, stage_label(s)) for s in STAGE_COLUMNS],
        "filters": {"comune": comune, "stage": stage, "q": q},
        "stage_of": stage_of,
        "stage_label": stage_label,
    }
    return render(request, "funded.html", context, user=user)
