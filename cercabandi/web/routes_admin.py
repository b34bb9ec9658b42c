"""Administration: users (admins), digest subscriptions (staff), one's own password (everyone)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.vocab import Frequency, Role, label_it
from cercabandi.db.models import Comune, Project, Subscription, User
from cercabandi.db.repo import browse
from cercabandi.db.repo.users import (
    UserError,
    authenticate,
    create_user,
    list_users,
    set_active,
    set_password,
    set_role,
)
from cercabandi.web.pages import redirect, render
from cercabandi.web.routes_export import calendar_url
from cercabandi.web.security import csrf_protect, flash, get_db, now, require

router = APIRouter(dependencies=[Depends(csrf_protect)])

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ----------------------------------------------------------------------- users


@router.get("/admin/users")
def users_page(request: Request, user: User = Depends(require(Role.ADMIN)), db: Session = Depends(get_db)) -> Response:
    roles = [(r.value, label_it(r.value)) for r in Role]
    return render(request, "users.html", {"users": list_users(db), "roles": roles}, user=user)


@router.post("/admin/users")
def users_create(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(Role.VOLUNTEER.value),
    email: str = Form(""),
    full_name: str = Form(""),
    user: User = Depends(require(Role.ADMIN)),
    db: Session = Depends(get_db),
) -> Response:
    try:
        created = create_user(db, username, password, role, now=now(request), email=email, full_name=full_name)
    except UserError as exc:
        db.rollback()
        flash(request, exc.italian, "error")
        return redirect(request, "/admin/users")
    db.commit()
    flash(request, f"Utente «{created.username}» creato ({label_it(created.role)}).")
    return redirect(request, "/admin/users")


@router.post("/admin/users/{user_id}")
def users_update(
    user_id: int,
    request: Request,
    action: str = Form(...),
    role: str = Form(""),
    user: User = Depends(require(Role.ADMIN)),
    db: Session = Depends(get_db),
) -> Response:
    target = db.get(User, user_id)
    if target is None:
        flash(request, "Utente non trovato.", "error")
        return redirect(request, "/admin/users")
    try:
        if action == "role":
            set_role(db, target, role)
            message = f"Ruolo di «{target.username}»: {label_it(target.role)}."
        elif action == "deactivate":
            set_active(db, target, False)
            message = f"Utente «{target.username}» disattivato."
        elif action == "activate":
            set_active(db, target, True)
            message = f"Utente «{target.username}» riattivato."
        else:
            flash(request, "Azione sconosciuta.", "error")
            return redirect(request, "/admin/users")
    except UserError as exc:
        db.rollback()
        flash(request, exc.italian, "error")
        return redirect(request, "/admin/users")
    db.commit()
    flash(request, message)
    return redirect(request, "/admin/users")


# ------------------------------------------------------------------ account


@router.get("/account")
def account(request: Request, user: User = Depends(require(Role.VOLUNTEER))) -> Response:
    return render(request, "account.html", {"calendar_url": calendar_url(request, user)}, user=user)


@router.post("/account/password")
def account_password(
    request: Request,
    current: str = Form(...),
    new: str = Form(...),
    confirm: str = Form(...),
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    if authenticate(db, user.username, current) is None:
        flash(request, "La password attuale non è corretta.", "error")
        return redirect(request, "/account")
    if new != confirm:
        flash(request, "Le due password nuove non coincidono.", "error")
        return redirect(request, "/account")
    try:
        set_password(db, user, new)
    except UserError as exc:
        db.rollback()
        flash(request, exc.italian, "error")
        return redirect(request, "/account")
    db.commit()
    flash(request, "Password cambiata.")
    return redirect(request, "/account")


# ------------------------------------------------------------ subscriptions


@router.get("/subscriptions")
def subscriptions_page(
    request: Request, user: User = Depends(require(Role.STAFF)), db: Session = Depends(get_db)
) -> Response:
    subs = list(db.scalars(select(Subscription).order_by(Subscription.active.desc(), Subscription.email)))
    comuni = {c.istat: c.name for c in db.scalars(select(Comune))}
    return render(
        request,
        "subscriptions.html",
        {
            "subscriptions": subs,
            "comuni_names": comuni,
            "comuni": [c for c, n_projects, _ in browse.list_comuni(db) if n_projects] or [],
            "frequencies": [(Frequency.DAILY.value, "Giornaliera"), (Frequency.WEEKLY.value, "Settimanale")],
            "themes": browse.known_tags(db),
        },
        user=user,
    )


@router.post("/subscriptions")
def subscriptions_create(
    request: Request,
    email: str = Form(...),
    name: str = Form(""),
    frequency: str = Form(Frequency.WEEKLY.value),
    comuni: list[str] = Form([]),
    themes: str = Form(""),
    projects: str = Form(""),
    item_cap: int = Form(20),
    user: User = Depends(require(Role.STAFF)),
    db: Session = Depends(get_db),
) -> Response:
    email = email.strip()
    problems = []
    if not EMAIL_RE.match(email):
        problems.append(f"Indirizzo e-mail non valido: «{email}».")
    if frequency not in {f.value for f in Frequency}:
        problems.append("Frequenza non valida.")
    unknown_comuni = [c for c in comuni if db.get(Comune, c) is None]
    if unknown_comuni:
        problems.append(f"Comuni sconosciuti: {', '.join(unknown_comuni)}.")
    project_ids = [p.strip() for p in projects.split(",") if p.strip()]
    unknown_projects = [p for p in project_ids if db.get(Project, p) is None]
    if unknown_projects:
        problems.append(f"Progetti sconosciuti: {', '.join(unknown_projects)}.")
    if not 1 <= item_cap <= 200:
        problems.append("Il numero massimo di voci deve essere tra 1 e 200.")
    if problems:
        for problem in problems:
            flash(request, problem, "error")
        return redirect(request, "/subscriptions")
    db.add(
        Subscription(
            email=email,
            name=name.strip() or None,
            comuni=sorted(set(comuni)),
            themes=[t.strip().lower() for t in themes.split(",") if t.strip()],
            projects=project_ids,
            frequency=frequency,
            language="it",
            item_cap=item_cap,
            active=True,
            created_at=now(request),
        )
    )
    db.commit()
    flash(request, f"Iscrizione di {email} registrata.")
    return redirect(request, "/subscriptions")


@router.post("/subscriptions/{subscription_id}")
def subscriptions_update(
    subscription_id: int,
    request: Request,
    action: str = Form(...),
    user: User = Depends(require(Role.STAFF)),
    db: Session = Depends(get_db),
) -> Response:
    sub = db.get(Subscription, subscription_id)
    if sub is None:
        flash(request, "Iscrizione non trovata.", "error")
        return redirect(request, "/subscriptions")
    if action == "deactivate":
        sub.active = False
        sub.unsubscribed_at = now(request)
        flash(request, f"Iscrizione di {sub.email} sospesa.")
    elif action == "activate":
        sub.active = True
        sub.unsubscribed_at = None
        flash(request, f"Iscrizione di {sub.email} riattivata.")
    else:
        flash(request, "Azione sconosciuta.", "error")
        return redirect(request, "/subscriptions")
    db.commit()
    return redirect(request, "/subscriptions")
