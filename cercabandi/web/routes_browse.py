"""Browsing: calls (filters, detail with history), projects, comuni, agreement between reviewers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.sources import SOURCES
from cercabandi.core.vocab import ApplicantType, CallStatus, Level, Role, label_it
from cercabandi.db.models import Call, Comune, Project, Source, User
from cercabandi.db.repo import browse
from cercabandi.web.pages import error_page, page_count, render
from cercabandi.web.render import level_label
from cercabandi.web.routes_triage import call_context
from cercabandi.web.security import csrf_protect, get_db, now, require
from cercabandi.web.views import call_view, match_reasons

router = APIRouter(dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 25
FILTER_KEYS = ("source", "level", "status", "deadline_from", "deadline_to", "applicant", "tag", "verdict", "mine", "q")


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_filters(request: Request, user: User) -> tuple[browse.CallFilters, dict[str, str], list[str]]:
    """Filters from the query string, the clean values to echo back, and problems to show."""
    params = request.query_params
    raw = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    problems: list[str] = []
    tz = request.app.state.settings.tz
    status = None
    if raw["status"]:
        try:
            status = CallStatus(raw["status"])
        except ValueError:
            problems.append(f"Stato sconosciuto: {raw['status']!r}.")
            raw["status"] = ""
    day_from, day_to = _parse_day(raw["deadline_from"]), _parse_day(raw["deadline_to"])
    for key, day in (("deadline_from", day_from), ("deadline_to", day_to)):
        if raw[key] and day is None:
            problems.append(f"Data non valida: {raw[key]!r} (usa il formato AAAA-MM-GG).")
            raw[key] = ""
    filters = browse.CallFilters(
        source=raw["source"] or None,
        level=raw["level"] or None,
        status=status,
        deadline_from=datetime.combine(day_from, time.min, tzinfo=tz) if day_from else None,
        deadline_to=datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=tz) - timedelta(microseconds=1)
        if day_to
        else None,
        applicant=raw["applicant"] or None,
        tag=raw["tag"] or None,
        verdict=raw["verdict"] or None,
        reviewer=user.username if raw["mine"] else None,
        q=raw["q"] or None,
    )
    return filters, {k: v for k, v in raw.items() if v}, problems


def filter_choices(db: Session) -> dict[str, Any]:
    sources = {s.id: s.name for s in db.scalars(select(Source))}
    for source_id, info in SOURCES.items():
        sources.setdefault(source_id, info.name)
    return {
        "sources": sorted(sources.items(), key=lambda kv: kv[1]),
        "levels": [(lv.value, level_label(lv.value)) for lv in Level],
        "statuses": [(st.value, label_it(st.value)) for st in CallStatus],
        "applicants": [(a.value, label_it(a.value)) for a in ApplicantType],
        "verdicts": [("relevant", "Pertinente"), ("not_relevant", "Non pertinente"), ("none", "Non ancora valutato")],
        "tags": browse.known_tags(db),
    }


@router.get("/calls")
def calls(
    request: Request, page: int = 1, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    at = now(request)
    filters, active, problems = parse_filters(request, user)
    page = max(1, page)
    rows, total = browse.list_calls(db, filters, at, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = page_count(total, PAGE_SIZE)
    scores = browse.best_scores(db, [c.id for c in rows])
    verdicts = browse.verdicts_for(db, [c.id for c in rows])
    query = urlencode(active)
    return render(
        request,
        "calls.html",
        {
            "rows": [(call_view(c, at), scores.get(c.id), verdicts.get(c.id)) for c in rows],
            "total": total,
            "page": page,
            "pages": pages,
            "active": active,
            "problems": problems,
            "query": query,
            "choices": filter_choices(db),
        },
        user=user,
    )


@router.get("/calls/{call_id:path}")
def call_detail(
    call_id: str, request: Request, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    call = db.get(Call, call_id)
    if call is None:
        return error_page(request, 404, "Bando non trovato", f"Nessun bando con identificativo «{call_id}».", user=user)
    context = call_context(db, call, user, request)
    context["versions"] = browse.versions_for_call(db, call.id)
    return render(request, "call.html", context, user=user)


@router.get("/projects")
def projects(
    request: Request,
    q: str = "",
    comune: str = "",
    page: int = 1,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    page = max(1, page)
    rows, total = browse.projects_page(
        db, q=q or None, istat=comune or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    active = {k: v for k, v in {"q": q, "comune": comune}.items() if v}
    return render(
        request,
        "projects.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": page_count(total, PAGE_SIZE),
            "active": active,
            "query": urlencode(active),
            "comuni": [c for c, n_projects, _ in browse.list_comuni(db) if n_projects],
        },
        user=user,
    )


@router.get("/projects/{project_id:path}")
def project_detail(
    project_id: str, request: Request, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    project = db.get(Project, project_id)
    if project is None:
        return error_page(
            request, 404, "Progetto non trovato", f"Nessun progetto con identificativo «{project_id}».", user=user
        )
    at = now(request)
    matches = [(m, call_view(c, at), *match_reasons(m)) for m, c in browse.matches_for_project(db, project.id)]
    return render(request, "project.html", {"project": project, "matches": matches}, user=user)


@router.get("/comuni")
def comuni(
    request: Request, q: str = "", user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    rows = browse.list_comuni(db, q=q or None)
    return render(request, "comuni.html", {"rows": rows, "q": q}, user=user)


@router.get("/comuni/{istat}")
def comune_detail(
    istat: str, request: Request, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    comune = db.get(Comune, istat)
    if comune is None:
        return error_page(request, 404, "Comune non trovato", f"Nessun comune con codice ISTAT «{istat}».", user=user)
    at = now(request)
    calls = [(call_view(c, at), score, titles) for c, score, titles in browse.calls_of_comune(db, istat)]
    return render(
        request,
        "comune.html",
        {"comune": comune, "projects": browse.projects_of_comune(db, istat), "calls": calls},
        user=user,
    )


@router.get("/agreement")
def agreement(request: Request, user: User = Depends(require(Role.STAFF)), db: Session = Depends(get_db)) -> Response:
    at = now(request)
    rows = [(call_view(c, at), v) for c, v in browse.disagreements(db)]
    return render(request, "agreement.html", {"rows": rows}, user=user)
