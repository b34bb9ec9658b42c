"""Applications in network and funded-project monitoring pages (staff only).

Thin handlers: forms are read here, every rule is checked by ``db.repo.applications``; a
refused change shows its Italian reason and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.applications import TRANSITIONS, MonitoringError, Progress, parse_stage, parse_status
from cercabandi.core.vocab import ApplicationStatus, ProgressStage, Role, label_it
from cercabandi.db.models import Call, Comune, User
from cercabandi.db.repo import applications as repo
from cercabandi.db.repo import triage
from cercabandi.web.pages import error_page, redirect, render
from cercabandi.web.security import csrf_protect, flash, get_db, now, require

router = APIRouter(dependencies=[Depends(csrf_protect)])
staff = require(Role.STAFF)


def today(request: Request) -> date:
    return now(request).astimezone(request.app.state.settings.tz).date()


def _amount(value: str) -> Decimal | None:
    text = value.strip().replace("€", "").replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise MonitoringError(f"amount {value!r}", f"importo non valido: {value!r}") from None


def _percent(value: str) -> float | None:
    amount = _amount(value.replace("%", ""))
    return float(amount) if amount is not None else None


def _day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise MonitoringError(f"date {value!r}", f"data non valida: {value!r}") from None


def _apply(request: Request, db: Session, target: str, change: Callable[[], object], done: str) -> Response:
    """Run one change; commit and say ``done``, or roll back and show why."""
    try:
        change()
    except MonitoringError as exc:
        db.rollback()
        flash(request, f"Non salvato: {exc.italian}.", "error")
        return redirect(request, target)
    db.commit()
    flash(request, done)
    return redirect(request, target)


# ------------------------------------------------------------------------ list & create


@router.get("/applications")
def applications_page(
    request: Request, status: str = "", user: User = Depends(staff), db: Session = Depends(get_db)
) -> Response:
    chosen = ApplicationStatus(status) if status in set(ApplicationStatus) else None
    items = [a for a in repo.list_applications(db, status=chosen) if a.origin == "staff"]
    statuses = [(s.value, label_it(s)) for s in ApplicationStatus]
    return render(request, "applications.html", {"items": items, "statuses": statuses, "status": status}, user=user)


@router.get("/applications/new")
def new_application(
    request: Request, call: str = "", user: User = Depends(staff), db: Session = Depends(get_db)
) -> Response:
    row = db.get(Call, call) if call else None
    matches = triage.matches_for_call(db, row.id) if row is not None else []
    network = triage.projects_in_network(matches)
    context: dict[str, Any] = {
        "call": row,
        "matches": matches,
        "network": network,
        "invited": {n.comune.istat for n in network},
        "suggested_projects": {n.project.id for n in network},
        "comuni": list(db.scalars(select(Comune).order_by(Comune.name))),
        "organisations": repo.list_organisations(db),
        "lead": network[0].comune.istat if network else "",
    }
    return render(request, "application_new.html", context, user=user)


@router.post("/applications")
async def create_application(request: Request, user: User = Depends(staff), db: Session = Depends(get_db)) -> Response:
    form = await request.form()
    call_id = str(form.get("call_id") or "") or None
    back = f"/applications/new?call={call_id}" if call_id else "/applications/new"
    try:
        draft = repo.NewApplication(
            title=str(form.get("title") or ""),
            call_id=call_id,
            lead_istat=str(form.get("lead") or "") or None,
            lead_name=str(form.get("lead_name") or "") or None,
            project_ids=[str(p) for p in form.getlist("projects")],
            comuni=[(str(c), "partner") for c in form.getlist("comuni")],
            organisations=[(str(o), str(form.get(f"role_{o}") or "partner")) for o in form.getlist("organisations")],
            amount_requested=_amount(str(form.get("requested") or "")),
            cofinancing=_amount(str(form.get("cofinancing") or "")),
            deadline_on=_day(str(form.get("deadline") or "")),
            note=str(form.get("note") or "") or None,
        )
        app_id = repo.create_application(db, draft, now=now(request), today=today(request), by=user.username)
    except MonitoringError as exc:
        db.rollback()
        flash(request, f"Candidatura non creata: {exc.italian}.", "error")
        return redirect(request, back)
    db.commit()
    flash(request, "Candidatura creata.")
    return redirect(request, f"/applications/{app_id}")


# ------------------------------------------------------------------------- one application


@router.get("/applications/{app_id}")
def application_page(
    app_id: int, request: Request, user: User = Depends(staff), db: Session = Depends(get_db)
) -> Response:
    item = repo.get_application(db, app_id)
    if item is None:
        return error_page(request, 404, "Candidatura non trovata", "Questa candidatura non esiste.", user=user)
    context = {
        "item": item,
        "next_statuses": [(s.value, label_it(s)) for s in sorted(TRANSITIONS[item.status])],
        "stages": [(s.value, label_it(s)) for s in ProgressStage],
        "funded": item.status == ApplicationStatus.FUNDED,
        "today": today(request),
        "comuni": list(db.scalars(select(Comune).order_by(Comune.name))),
        "organisations": repo.list_organisations(db),
    }
    return render(request, "application.html", context, user=user)


@router.post("/applications/{app_id}/status")
def change_status(
    app_id: int,
    request: Request,
    status: str = Form(...),
    on: str = Form(""),
    note: str = Form(""),
    granted: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    def change() -> None:
        new = parse_status(status)
        repo.change_status(
            db,
            app_id,
            new,
            on=_day(on) or today(request),
            today=today(request),
            now=now(request),
            note=note.strip() or None,
            by=user.username,
            amount_granted=_amount(granted),
        )

    return _apply(request, db, f"/applications/{app_id}", change, "Stato aggiornato.")


@router.post("/applications/{app_id}/edit")
def edit_application(
    app_id: int,
    request: Request,
    title: str = Form(""),
    requested: str = Form(""),
    cofinancing: str = Form(""),
    deadline: str = Form(""),
    note: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    def change() -> None:
        repo.update_application(
            db,
            app_id,
            now=now(request),
            title=title or None,
            amount_requested=_amount(requested),
            cofinancing=_amount(cofinancing),
            deadline_on=_day(deadline),
            note=note or None,
        )

    return _apply(request, db, f"/applications/{app_id}", change, "Candidatura aggiornata.")


@router.post("/applications/{app_id}/documents")
def add_document(
    app_id: int,
    request: Request,
    url: str = Form(...),
    title: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    change = lambda: repo.add_document(db, app_id, title, url.strip(), now=now(request))  # noqa: E731
    return _apply(request, db, f"/applications/{app_id}", change, "Documento aggiunto.")


@router.post("/applications/{app_id}/members")
def add_member(
    app_id: int,
    request: Request,
    partner: str = Form(""),
    role: str = Form(""),
    project: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    def change() -> None:
        if partner.strip():
            repo.add_partner(db, app_id, partner, role, now=now(request))
        if project.strip():
            repo.add_project(db, app_id, project.strip(), now=now(request))

    return _apply(request, db, f"/applications/{app_id}", change, "Candidatura aggiornata.")


@router.post("/applications/{app_id}/monitoring")
def add_monitoring(
    app_id: int,
    request: Request,
    kind: str = Form(...),
    title: str = Form(""),
    due: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    def change() -> None:
        day = _day(due)
        if day is None or not title.strip():
            raise MonitoringError("title and date", "indica titolo e data")
        if kind == "milestone":
            repo.add_milestone(db, app_id, title.strip(), day, today=today(request), now=now(request))
        else:
            repo.add_reporting_deadline(db, app_id, title.strip(), day, now=now(request))

    return _apply(request, db, f"/applications/{app_id}", change, "Scadenza aggiunta.")


@router.post("/applications/{app_id}/done")
def mark_done(
    app_id: int,
    request: Request,
    kind: str = Form(...),
    item_id: int = Form(...),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    change = lambda: repo.mark_done(db, kind, item_id, today(request), today=today(request))  # noqa: E731
    return _apply(request, db, f"/applications/{app_id}", change, "Segnato come fatto.")


@router.post("/applications/{app_id}/progress")
def add_progress(
    app_id: int,
    request: Request,
    stage: str = Form(...),
    spending: str = Form(""),
    works: str = Form(""),
    as_of: str = Form(""),
    source: str = Form(...),
    note: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    def change() -> None:
        update = Progress(
            stage=parse_stage(stage),
            spending_pct=_percent(spending),
            works_pct=_percent(works),
            as_of=_day(as_of) or today(request),
            source=source.strip() or user.username,
            note=note.strip() or None,
        )
        repo.add_progress(db, app_id, update, today=today(request), now=now(request))

    return _apply(request, db, f"/applications/{app_id}", change, "Avanzamento registrato.")


@router.post("/applications/{app_id}/publish")
def publish(
    app_id: int,
    request: Request,
    public: str = Form(""),
    story: str = Form(""),
    good_practice: str = Form(""),
    user: User = Depends(staff),
    db: Session = Depends(get_db),
) -> Response:
    change = lambda: repo.set_publication(  # noqa: E731
        db, app_id, public=public == "on", now=now(request), story=story, good_practice=good_practice
    )
    return _apply(request, db, f"/applications/{app_id}", change, "Pubblicazione aggiornata.")
