"""Login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cercabandi.db.models import User
from cercabandi.db.repo.users import authenticate
from cercabandi.web.pages import redirect, render, safe_next
from cercabandi.web.security import (
    csrf_protect,
    flash,
    get_db,
    log_in,
    log_out,
    optional_user,
    password_failed,
    password_succeeded,
    throttle_wait,
    wait_message,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/login")
def login_form(request: Request, next: str = "/", user: User | None = Depends(optional_user)) -> Response:
    if user is not None:
        return redirect(request, safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "username": ""}, user=None)


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    db: Session = Depends(get_db),
) -> Response:
    wait = throttle_wait(request, db, username)
    if wait is not None:
        context = {"next": safe_next(next), "username": username, "error": wait_message(wait)}
        return render(request, "login.html", context, user=None, status_code=429)
    user = authenticate(db, username, password)
    if user is None:
        password_failed(request, db, username)
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "username": username, "error": "Nome utente o password non corretti."},
            user=None,
            status_code=401,
        )
    password_succeeded(request, db, username)
    db.commit()  # also a password hash upgraded by authenticate
    log_in(request, user)
    return redirect(request, safe_next(next))


@router.post("/logout")
def logout(request: Request, user: User | None = Depends(optional_user), db: Session = Depends(get_db)) -> Response:
    log_out(request, db, user)
    flash(request, "Sei uscito dall'applicazione.")
    return redirect(request, "/login")
