"""Exports: the filtered call list as CSV and XLSX, deadlines of relevant calls as an ICS feed."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from cercabandi.core.csv_export import DEFAULT_SEPARATOR, csv_bytes, separator_for
from cercabandi.core.untrusted import neutralise_formula
from cercabandi.core.vocab import Role, label_it
from cercabandi.db.models import Call, User
from cercabandi.db.repo import export as export_repo
from cercabandi.db.repo import lists as lists_repo
from cercabandi.db.repo import verdicts as verdicts_repo
from cercabandi.digest.followups import calendar_facts
from cercabandi.digest.ics import followup_event
from cercabandi.web.feeds import ICS_SALT, atom_feed, ics_token
from cercabandi.web.pages import call_page_url, error_page
from cercabandi.web.render import level_label
from cercabandi.web.routes_browse import parse_filters
from cercabandi.web.security import LoginRequired, csrf_protect, get_db, has_role, now, optional_user, require
from cercabandi.web.views import CallView, call_view

router = APIRouter(dependencies=[Depends(csrf_protect)])

EXPORT_LIMIT = 20_000
COLUMNS = (
    "id",
    "titolo",
    "ente",
    "livello",
    "programma",
    "stato",
    "scadenza",
    "giorni_alla_scadenza",
    "soggetti_ammessi",
    "dotazione_eur",
    "contributo_min_eur",
    "contributo_max_eur",
    "cofinanziamento",
    "punteggio",
    "pertinente",
    "non_pertinente",
    "tag",
    "link_bando",
    "pagina_revisione",
)


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (publisher titles are untrusted) is quoted."""
    return neutralise_formula(value)


def export_rows(request: Request, db: Session, user: User) -> list[list[Any]]:
    at = now(request)
    settings = request.app.state.settings
    fmt = request.app.state.templates.env.globals["fmt"]
    filters, _, _ = parse_filters(request, user)
    calls, _ = lists_repo.list_calls(db, filters, at, limit=EXPORT_LIMIT)
    scores = lists_repo.best_scores(db, [c.id for c in calls])
    verdicts = verdicts_repo.verdicts_for(db, [c.id for c in calls])
    rows = []
    for call in calls:
        view: CallView = call_view(call, at)
        verdict = verdicts.get(call.id, verdicts_repo.Verdicts())
        deadline = view.next_deadline(at) or (view.deadlines[-1][0] if view.deadlines else None)
        rows.append(
            [
                call.id,
                call.title,
                call.issuer or "",
                level_label(call.level),
                call.programme or "",
                label_it(view.status.value),
                fmt.local(deadline).strftime("%Y-%m-%d %H:%M") if deadline else "",
                fmt.days_left(deadline, at) if deadline else "",
                ", ".join(view.applicants),
                _number(view.budget_total),
                _number(view.grant_min),
                _number(view.grant_max),
                view.cofinancing_rate if view.cofinancing_rate is not None else "",
                round(scores[call.id], 4) if call.id in scores else "",
                verdict.relevant,
                verdict.not_relevant,
                ", ".join(verdict.themes),
                view.url or "",
                call_page_url(settings.base_url, call.id),
            ]
        )
    return rows


def _number(value: Decimal | None) -> float | str:
    return float(value) if value is not None else ""


def _filename(request: Request, ext: str) -> str:
    return f"bandi-{now(request).astimezone(request.app.state.settings.tz):%Y%m%d-%H%M}.{ext}"


@router.get("/calls.csv")
def export_csv(
    request: Request,
    sep: str = DEFAULT_SEPARATOR,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    """``;``-separated UTF-8 with a BOM for Italian Excel; ``?sep=,`` (or ``tab``) for other tools."""
    try:
        separator = separator_for(sep)
    except ValueError:
        return error_page(
            request,
            400,
            "Separatore non valido",
            "Per il CSV usa sep=; (Excel in italiano), sep=, oppure sep=tab.",
            user=user,
        )
    rows = ([_cell(v) for v in row] for row in export_rows(request, db, user))
    return Response(
        csv_bytes(COLUMNS, rows, separator=separator),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(request, "csv")}"'},
    )


@router.get("/calls.xlsx")
def export_xlsx(
    request: Request, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Bandi"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(request, db, user):
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for letter, width in (("A", 28), ("B", 60), ("C", 30), ("G", 17), ("I", 30), ("S", 40)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(request, "xlsx")}"'},
    )


def _ics_claim_valid(payload: Any, user: User | None, now: datetime) -> bool:
    if not isinstance(payload, dict) or user is None or not user.active or not has_role(user, Role.VOLUNTEER):
        return False
    try:
        expires = date.fromisoformat(str(payload.get("e")))
    except ValueError:
        return False  # tokens issued before expiry existed, or malformed
    return payload.get("g") == user.credential_generation and now.date() <= expires


def _ics_user(request: Request, db: Session, token: str, session_user: User | None) -> User:
    if session_user is not None:
        return session_user
    if not token:
        raise LoginRequired
    secret = request.app.state.settings.secret_key.get_secret_value()
    try:
        payload = URLSafeSerializer(secret, salt=ICS_SALT).loads(token)
    except BadSignature:
        raise LoginRequired from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = db.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None or not _ics_claim_valid(payload, user, now(request)):
        raise LoginRequired
    return user


@router.get("/calendar.ics")
def calendar(
    request: Request,
    token: str = "",
    session_user: User | None = Depends(optional_user),
    db: Session = Depends(get_db),
) -> Response:
    user = _ics_user(request, db, token, session_user)
    at = now(request)
    settings = request.app.state.settings
    cal = Calendar()
    cal.add("prodid", "-//cercabandi//Città metropolitana di Milano//IT")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "cercabandi: scadenze dei bandi pertinenti")
    cal.add("x-wr-timezone", settings.timezone)
    for call in export_repo.relevant_calls_with_deadlines(db):
        for event in deadline_events(call, at, settings.base_url):
            cal.add_component(event)
    if has_role(user, Role.STAFF):  # the office's own deadlines: open applications, reporting
        base = settings.base_url.rstrip("/")
        for fact in calendar_facts(db, now=at, tz=settings.tz):
            cal.add_component(followup_event(fact, f"{base}/applications/{fact.application_id}", now=at))
    return Response(
        cal.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="cercabandi-scadenze.ics"'},
    )


def deadline_events(call: Call, at: datetime, base_url: str) -> list[Event]:
    """One calendar event per deadline of a call, with its publisher, applicants and links."""
    view = call_view(call, at)
    page = call_page_url(base_url, call.id)
    lines = (
        call.issuer or "",
        f"Soggetti ammessi: {', '.join(view.applicants)}" if view.applicants else "",
        f"Bando: {view.url}" if view.url else "",
        f"Scheda: {page}",
    )
    events = []
    for index, (deadline, label) in enumerate(view.deadlines):
        event = Event()
        event.add("uid", f"{call.id}#{index}@cercabandi")
        event.add("summary", f"Scadenza: {call.title}" + (f" ({label})" if label else ""))
        event.add("dtstart", deadline)
        event.add("dtend", deadline + timedelta(minutes=30))
        event.add("dtstamp", at)
        event.add("url", page)
        event.add("description", "\n".join(line for line in lines if line))
        event.add("categories", ["bandi"])
        events.append(event)
    return events


@router.get("/calendar/{call_id:path}.ics")
def call_calendar(
    call_id: str, request: Request, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    """One call's deadlines as an .ics file, to add to one's own calendar."""
    call = db.get(Call, call_id)
    if call is None:
        return error_page(request, 404, "Bando non trovato", f"Nessun bando con identificativo «{call_id}».", user=user)
    cal = Calendar()
    cal.add("prodid", "-//cercabandi//Città metropolitana di Milano//IT")
    cal.add("version", "2.0")
    for event in deadline_events(call, now(request), request.app.state.settings.base_url):
        cal.add_component(event)
    safe_name = "".join(ch if ch.isalnum() else "-" for ch in call.native_id)[:60]
    return Response(
        cal.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="scadenza-{safe_name}.ics"'},
    )


FEED_SIZE = 50


@router.get("/calls.atom")
def calls_feed(
    request: Request,
    token: str = "",
    session_user: User | None = Depends(optional_user),
    db: Session = Depends(get_db),
) -> Response:
    """The newest calls of a saved search (the call list's filters), for a feed reader."""
    user = _ics_user(request, db, token, session_user)
    filters, active, _ = parse_filters(request, user)
    at, settings = now(request), request.app.state.settings
    calls, _ = lists_repo.list_calls(db, replace(filters, sort=lists_repo.CallSort.NEW), at, limit=FEED_SIZE)
    query = urlencode({**active, "token": token} if token else active)
    self_url = f"{settings.base_url.rstrip('/')}/calls.atom" + (f"?{query}" if query else "")
    title = "cercabandi: nuovi bandi" + (f" — {active['q']}" if active.get("q") else "")
    body = atom_feed(title, self_url, settings.base_url, calls, at)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def calendar_url(request: Request, user: User) -> str:
    secret = request.app.state.settings.secret_key.get_secret_value()
    base = request.app.state.settings.base_url.rstrip("/")
    return f"{base}/calendar.ics?token={ics_token(secret, user, now(request))}"
