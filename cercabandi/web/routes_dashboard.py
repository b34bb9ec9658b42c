"""The dashboard: what closes soon, what is new, how the review goes, how the sources are."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cercabandi.core.vocab import Role
from cercabandi.db.models import User
from cercabandi.db.repo import dashboard as dashboard_repo
from cercabandi.db.repo import triage as triage_repo
from cercabandi.web.charts import bar_chart, progress_bar, runs_sparkline
from cercabandi.web.pages import render
from cercabandi.web.security import csrf_protect, get_db, now, require
from cercabandi.web.views import call_view

router = APIRouter(dependencies=[Depends(csrf_protect)])

STATE_LABELS = {
    "ok": "Regolare",
    "degraded": "Degradata (lettura generica)",
    "failing": "In errore",
    "silent": "Silenziosa",
    "never": "Mai eseguita",
}


@router.get("/")
def dashboard(
    request: Request, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    at = now(request)
    fmt = request.app.state.templates.env.globals["fmt"]
    closing, closing_total = dashboard_repo.closing_soon(db, at, days=30)
    new, new_total = dashboard_repo.new_since(db, at - timedelta(days=7), at)
    progress = dashboard_repo.review_progress(db, at)
    health = dashboard_repo.source_health(db, at)
    weeks = dashboard_repo.deadlines_per_week(db, at, weeks=8)
    chart = bar_chart(
        [(fmt.as_date(start)[:5], n) for start, n in weeks],
        title="Bandi in scadenza per settimana (prossime 8)",
        height=130,
    )
    return render(
        request,
        "dashboard.html",
        {
            "closing": [call_view(c, at) for c in closing],
            "closing_total": closing_total,
            "new": [call_view(c, at) for c in new],
            "new_total": new_total,
            "progress": progress,
            "progress_bar": progress_bar(progress.share),
            "queue_size": triage_repo.queue_size(db, user.username, at),
            "health": [(h, runs_sparkline(h.runs), STATE_LABELS[h.state]) for h in health],
            "chart": chart,
        },
        user=user,
    )
