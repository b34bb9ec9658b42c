"""Following a call for changes: the button on a call's page (the list is on the profile page)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cercabandi.core.vocab import Role
from cercabandi.db.models import User
from cercabandi.db.repo import follows as follows_repo
from cercabandi.web.pages import redirect
from cercabandi.web.security import csrf_protect, flash, get_db, now, require

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.post("/follow")
def follow_call(
    request: Request,
    call_id: str = Form(..., max_length=400),
    action: str = Form("follow"),
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    if action == "unfollow":
        follows_repo.unfollow(db, user.id, call_id)
        db.commit()
        flash(request, "Non segui più questo bando.")
    elif action == "follow" and follows_repo.follow(db, user.id, call_id, now=now(request)):
        db.commit()
        flash(request, _followed_message(user))
    else:
        flash(request, "Bando non trovato." if action == "follow" else "Azione sconosciuta.", "error")
        return redirect(request, "/calls")
    return redirect(request, f"/calls/{quote(call_id, safe=':')}")


def _followed_message(user: User) -> str:
    if user.email:
        return f"Segui questo bando: le sue modifiche arriveranno nel riepilogo e-mail di {user.email}."
    return "Segui questo bando. Per riceverne le modifiche per e-mail serve un indirizzo nel tuo profilo."
