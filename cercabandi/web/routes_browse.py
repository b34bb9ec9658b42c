"""Browsing: calls (filters, detail with history), projects, comuni, agreement between reviewers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.search_text import Fragment, highlight, query_terms
from cercabandi.core.sources import SOURCES
from cercabandi.core.vocab import ApplicantType, CallStatus, Level, ReviewReason, Role, label_it
from cercabandi.db.models import Call, Comune, Project, Source, User
from cercabandi.db.repo import follows as follows_repo
from cercabandi.db.repo import lists as lists_repo
from cercabandi.db.repo import triage as triage_repo
from cercabandi.db.repo import verdicts as verdicts_repo
from cercabandi.web.feeds import ics_token
from cercabandi.web.pages import call_page_url, error_page, page_count, render
from cercabandi.web.params import PageNumber
from cercabandi.web.render import level_label
from cercabandi.web.routes_triage import call_context
from cercabandi.web.security import csrf_protect, get_db, now, require
from cercabandi.web.views import CallView, call_view, match_reasons

router = APIRouter(dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 25
FILTER_KEYS = (
    "source",
    "level",
    "status",
    "deadline_from",
    "deadline_to",
    "applicant",
    "tag",
    "verdict",
    "mine",
    "q",
    "comune",
    "project",
    "amount_min",
    "sort",
)
# "status" values: one status, "current" (open or forthcoming: the default), or "all".
STATUS_CHOICES: dict[str, frozenset[CallStatus]] = {
    "current": lists_repo.CURRENT,
    "all": frozenset(),
    **{status.value: frozenset({status}) for status in CallStatus},
}
SORT_LABELS = {
    lists_repo.CallSort.DEADLINE: "scadenza più vicina",
    lists_repo.CallSort.RELEVANCE: "pertinenza",
    lists_repo.CallSort.PUBLISHED: "pubblicazione più recente",
    lists_repo.CallSort.NEW: "visti per primi di recente",
}


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_amount(text: str) -> Decimal | None:
    cleaned = text.replace("€", "").replace(".", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except ArithmeticError:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _checked(raw: dict[str, str], problems: list[str]) -> None:
    """Drops the values that make no sense, saying why (the page still lists with the others)."""
    if raw["status"] and raw["status"] not in STATUS_CHOICES:
        problems.append(f"Stato sconosciuto: {raw['status']!r}.")
        raw["status"] = ""
    for key in ("deadline_from", "deadline_to"):
        if raw[key] and _parse_day(raw[key]) is None:
            problems.append(f"Data non valida: {raw[key]!r} (usa il formato AAAA-MM-GG).")
            raw[key] = ""
    if raw["amount_min"] and _parse_amount(raw["amount_min"]) is None:
        problems.append(f"Importo non valido: {raw['amount_min']!r} (scrivi solo cifre, per esempio 100000).")
        raw["amount_min"] = ""
    if raw["sort"] and raw["sort"] not in {s.value for s in lists_repo.CallSort}:
        problems.append(f"Ordinamento sconosciuto: {raw['sort']!r}.")
        raw["sort"] = ""


def _day_bounds(raw: dict[str, str], tz: Any) -> tuple[datetime | None, datetime | None]:
    day_from, day_to = _parse_day(raw["deadline_from"]), _parse_day(raw["deadline_to"])
    start = datetime.combine(day_from, time.min, tzinfo=tz) if day_from else None
    end = (
        datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=tz) - timedelta(microseconds=1)
        if day_to
        else None
    )
    return start, end


def parse_filters(request: Request, user: User) -> tuple[lists_repo.CallFilters, dict[str, str], list[str]]:
    """Filters from the query string, the clean values to echo back, and problems to show."""
    params = request.query_params
    raw = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    problems: list[str] = []
    _checked(raw, problems)
    deadline_from, deadline_to = _day_bounds(raw, request.app.state.settings.tz)
    filters = lists_repo.CallFilters(
        source=raw["source"] or None,
        level=raw["level"] or None,
        statuses=STATUS_CHOICES[raw["status"] or "current"],
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        applicant=raw["applicant"] or None,
        tag=raw["tag"] or None,
        verdict=raw["verdict"] or None,
        reviewer=user.username if raw["mine"] else None,
        q=raw["q"] or None,
        comune=raw["comune"] or None,
        project=raw["project"] or None,
        amount_min=_parse_amount(raw["amount_min"]) if raw["amount_min"] else None,
        sort=lists_repo.CallSort(raw["sort"] or lists_repo.CallSort.DEADLINE),
    )
    return filters, {k: v for k, v in raw.items() if v}, problems


def feed_url(request: Request, user: User, active: dict[str, str]) -> str:
    """The Atom address of this search, with the person's token (feed readers cannot log in)."""
    settings = request.app.state.settings
    token = ics_token(settings.secret_key.get_secret_value(), user, now(request))
    query = urlencode({**{k: v for k, v in active.items() if k not in ("sort", "mine")}, "token": token})
    return f"{settings.base_url.rstrip('/')}/calls.atom?{query}"


def snippet(view: CallView, question: str | None) -> list[Fragment]:
    """Where the words asked for appear in the call's summary or body, for the result list."""
    if not question:
        return []
    wanted = query_terms(question)
    return highlight(view.summary or "", wanted) or highlight(view.body_text[:20_000], wanted)


def filter_choices(db: Session) -> dict[str, Any]:
    sources = {s.id: s.name for s in db.scalars(select(Source))}
    for source_id, info in SOURCES.items():
        sources.setdefault(source_id, info.name)
    return {
        "sources": sorted(sources.items(), key=lambda kv: kv[1]),
        "levels": [(lv.value, level_label(lv.value)) for lv in Level],
        "statuses": [
            ("current", "aperti e in apertura"),
            *((st.value, label_it(st.value)) for st in CallStatus),
            ("all", "tutti"),
        ],
        "sorts": [(sort.value, label) for sort, label in SORT_LABELS.items()],
        "comuni": [(c.istat, c.name) for c in lists_repo.comuni_with_projects(db)],
        "applicants": [(a.value, label_it(a.value)) for a in ApplicantType],
        "reasons": [(r.value, label_it(r.value)) for r in ReviewReason],
        "verdicts": [("relevant", "Pertinente"), ("not_relevant", "Non pertinente"), ("none", "Non ancora valutato")],
        "tags": verdicts_repo.known_tags(db),
    }


@router.get("/calls")
def calls(
    request: Request, page: PageNumber = 1, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    at = now(request)
    filters, active, problems = parse_filters(request, user)
    page = max(1, page)
    rows, total = lists_repo.list_calls(db, filters, at, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = page_count(total, PAGE_SIZE)
    scores = lists_repo.best_scores(db, [c.id for c in rows])
    verdicts = verdicts_repo.verdicts_for(db, [c.id for c in rows])
    query = urlencode(active)
    views = [call_view(c, at) for c in rows]
    return render(
        request,
        "calls.html",
        {
            "rows": [(v, scores.get(v.id), verdicts.get(v.id), snippet(v, filters.q)) for v in views],
            "total": total,
            "page": page,
            "pages": pages,
            "active": active,
            "problems": problems,
            "query": query,
            "choices": filter_choices(db),
            "feed_url": feed_url(request, user, active),
            "project": db.get(Project, filters.project) if filters.project else None,
        },
        user=user,
    )


VERSIONS_PER_PAGE = 10


@router.get("/calls/{call_id:path}")
def call_detail(
    call_id: str,
    request: Request,
    mp: PageNumber = 1,
    vp: PageNumber = 1,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    call = db.get(Call, call_id)
    if call is None:
        return error_page(request, 404, "Bando non trovato", f"Nessun bando con identificativo «{call_id}».", user=user)
    context = call_context(db, call, user, request, match_page=mp)
    vp = max(1, vp)
    versions, version_total = triage_repo.versions_for_call(
        db, call.id, offset=(vp - 1) * VERSIONS_PER_PAGE, limit=VERSIONS_PER_PAGE
    )
    context.update(
        {
            "versions": versions,
            "version_total": version_total,
            "version_page": vp,
            "version_pages": page_count(version_total, VERSIONS_PER_PAGE),
            "match_base": f"{request.scope.get('root_path', '')}/calls/{quote(call.id, safe=':')}",
            "match_query": "",
            "share_url": call_page_url(request.app.state.settings.base_url, call.id),
            "following": follows_repo.is_following(db, user.id, call.id),
        }
    )
    return render(request, "call.html", context, user=user)


@router.get("/projects")
def projects(
    request: Request,
    q: str = "",
    comune: str = "",
    page: PageNumber = 1,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    page = max(1, page)
    rows, total = lists_repo.projects_page(
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
            "comuni": lists_repo.comuni_with_projects(db),
        },
        user=user,
    )


@router.get("/projects/{project_id:path}")
def project_detail(
    project_id: str,
    request: Request,
    page: int = 1,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    project = db.get(Project, project_id)
    if project is None:
        return error_page(
            request, 404, "Progetto non trovato", f"Nessun progetto con identificativo «{project_id}».", user=user
        )
    at, page = now(request), max(1, page)
    rows, total = lists_repo.matches_for_project(db, project.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    matches = [(m, call_view(c, at), *match_reasons(m)) for m, c in rows]
    context = {"project": project, "matches": matches, "total": total, "page": page}
    return render(request, "project.html", {**context, "pages": page_count(total, PAGE_SIZE)}, user=user)


@router.get("/comuni")
def comuni(
    request: Request, q: str = "", user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    rows = lists_repo.list_comuni(db, q=q or None)
    return render(request, "comuni.html", {"rows": rows, "q": q}, user=user)


COMUNE_PAGE_SIZE = 20


@router.get("/comuni/{istat}")
def comune_detail(
    istat: str,
    request: Request,
    pp: PageNumber = 1,
    cp: PageNumber = 1,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    comune = db.get(Comune, istat)
    if comune is None:
        return error_page(request, 404, "Comune non trovato", f"Nessun comune con codice ISTAT «{istat}».", user=user)
    at, pp, cp, size = now(request), max(1, pp), max(1, cp), COMUNE_PAGE_SIZE
    projects, project_total = lists_repo.projects_of_comune(db, istat, offset=(pp - 1) * size, limit=size)
    calls, call_total = lists_repo.calls_of_comune(db, istat, offset=(cp - 1) * size, limit=size)
    context = {
        "comune": comune,
        "projects": projects,
        "project_total": project_total,
        "project_page": pp,
        "project_pages": page_count(project_total, size),
        "calls": [(call_view(c, at), score, n) for c, score, n in calls],
        "call_total": call_total,
        "call_page": cp,
        "call_pages": page_count(call_total, size),
    }
    return render(request, "comune.html", context, user=user)


@router.get("/agreement")
def agreement(request: Request, user: User = Depends(require(Role.STAFF)), db: Session = Depends(get_db)) -> Response:
    at = now(request)
    rows = [(call_view(c, at), v) for c, v in verdicts_repo.disagreements(db)]
    return render(request, "agreement.html", {"rows": rows}, user=user)
