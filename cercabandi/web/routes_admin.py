"""Administration: users (admins), digest subscriptions (staff), one's own password (everyone)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cercabandi.core.themes import THEMES
from cercabandi.core.vocab import Frequency, Role, label_it
from cercabandi.db.models import Comune, Project, User
from cercabandi.db.repo import lists as lists_repo
from cercabandi.db.repo.subscriptions import (
    DEFAULT_MIN_SCORE,
    EMAIL_RE,
    MAX_ITEM_CAP,
    SubscriptionError,
    UnknownThemes,
    create_subscription,
    list_subscriptions,
    resolve_themes,
)
from cercabandi.db.repo.subscriptions import set_active as set_subscription_active
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
from cercabandi.web.params import SubscriptionId, UserId
from cercabandi.web.routes_export import calendar_url
from cercabandi.web.security import (
    csrf_protect,
    flash,
    get_db,
    log_in,
    now,
    password_failed,
    password_succeeded,
    require,
    throttle_wait,
    wait_message,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])


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
    user_id: UserId,
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
    wait = throttle_wait(request, db, user.username)
    if wait is not None:
        flash(request, wait_message(wait), "error")
        return redirect(request, "/account")
    if authenticate(db, user.username, current) is None:
        password_failed(request, db, user.username)
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
    password_succeeded(request, db, user.username)
    db.commit()
    log_in(request, user)  # every other session ended with the old password; this one carries on
    flash(request, "Password cambiata: le altre sessioni sono state chiuse.")
    return redirect(request, "/account")


# ------------------------------------------------------------ subscriptions


@router.get("/subscriptions")
def subscriptions_page(
    request: Request, user: User = Depends(require(Role.STAFF)), db: Session = Depends(get_db)
) -> Response:
    comuni = {c.istat: c.name for c in db.scalars(select(Comune))}
    subs = sorted(list_subscriptions(db), key=lambda s: (not s.active, s.email, s.id))
    return render(
        request,
        "subscriptions.html",
        {
            "subscriptions": subs,
            "comuni_names": comuni,
            "comuni": [c for c, n_projects, _ in lists_repo.list_comuni(db) if n_projects],
            "frequencies": [(Frequency.DAILY.value, "Giornaliera"), (Frequency.WEEKLY.value, "Settimanale")],
            "themes": list(THEMES.values()),
            "theme_labels": THEMES,
            "default_min_score": DEFAULT_MIN_SCORE,
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
    min_score: float = Form(DEFAULT_MIN_SCORE),
    user: User = Depends(require(Role.STAFF)),
    db: Session = Depends(get_db),
) -> Response:
    email = email.strip()
    project_ids = [p.strip() for p in projects.split(",") if p.strip()]
    # Checked here first to explain in Italian; the repository checks again (its messages are English).
    problems = []
    if not EMAIL_RE.match(email):
        problems.append(f"Indirizzo e-mail non valido: «{email}».")
    if frequency not in {f.value for f in Frequency}:
        problems.append("Frequenza non valida.")
    unknown_comuni = [c for c in comuni if db.get(Comune, c) is None]
    if unknown_comuni:
        problems.append(f"Comuni sconosciuti: {', '.join(unknown_comuni)}.")
    unknown_projects = [p for p in project_ids if db.get(Project, p) is None]
    if unknown_projects:
        problems.append(f"Progetti sconosciuti: {', '.join(unknown_projects)}.")
    if not 1 <= item_cap <= MAX_ITEM_CAP:
        problems.append(f"Il numero massimo di voci deve essere tra 1 e {MAX_ITEM_CAP}.")
    if not 0.0 <= min_score <= 1.0:
        problems.append("Il punteggio minimo deve essere tra 0 e 1.")
    theme_values = [t.strip() for t in themes.split(",") if t.strip()]
    try:
        resolve_themes(db, theme_values)
    except UnknownThemes as exc:
        problems.append(f"Temi sconosciuti: {', '.join(exc.unknown)}. Temi validi: {', '.join(THEMES.values())}.")
    if not problems:
        try:
            create_subscription(
                db,
                email=email,
                now=now(request),
                name=name,
                comuni=comuni,
                themes=theme_values,
                projects=project_ids,
                frequency=frequency,
                item_cap=item_cap,
                min_score=min_score,
            )
        except SubscriptionError as exc:
            db.rollback()
            problems.append(f"Iscrizione non valida: {exc}")
    if problems:
        for problem in problems:
            flash(request, problem, "error")
        return redirect(request, "/subscriptions")
    db.commit()
    flash(request, f"Iscrizione di {email} registrata.")
    return redirect(request, "/subscriptions")


@router.post("/subscriptions/{subscription_id}")
def subscriptions_update(
    subscription_id: SubscriptionId,
    request: Request,
    action: str = Form(...),
    user: User = Depends(require(Role.STAFF)),
    db: Session = Depends(get_db),
) -> Response:
    if action not in ("deactivate", "activate"):
        flash(request, "Azione sconosciuta.", "error")
        return redirect(request, "/subscriptions")
    try:
        sub = set_subscription_active(db, subscription_id, action == "activate")
    except SubscriptionError:
        flash(request, "Iscrizione non trovata.", "error")
        return redirect(request, "/subscriptions")
    db.commit()
    flash(request, f"Iscrizione di {sub.email} {'riattivata' if sub.active else 'sospesa'}.")
    return redirect(request, "/subscriptions")
