"""Login and logout."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cercabandi.db.models import User
from cercabandi.db.repo.users import authenticate
from cercabandi.web.pages import redirect, render, safe_next
from cercabandi.web.security import csrf_protect, flash, get_db, log_in, log_out, now, optional_user

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
    throttles = request.app.state.login_throttles
    client = request.client.host if request.client else "unknown"
    keys = {"user": username.strip().lower(), "ip": client}
    at = now(request)
    waits = [w for kind, key in keys.items() if (w := throttles[kind].retry_after([key], at)) is not None]
    if waits:
        wait = max(waits)
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        return render(
            request,
            "login.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": f"Troppi tentativi falliti. Riprova tra {minutes} minut{'o' if minutes == 1 else 'i'}.",
            },
            user=None,
            status_code=429,
        )
    user = authenticate(db, username, password)
    if user is None:
        for kind, key in keys.items():
            throttles[kind].failed([key], at)
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "username": username, "error": "Nome utente o password non corretti."},
            user=None,
            status_code=401,
        )
    db.commit()  # a password hash upgraded by authenticate
    throttles["user"].succeeded([keys["user"]])
    log_in(request, user)
    return redirect(request, safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    log_out(request)
    flash(request, "Sei uscito dall'applicazione.")
    return redirect(request, "/login")
