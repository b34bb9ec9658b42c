"""Public pages about the application itself: the accessibility statement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cercabandi.db.models import User
from cercabandi.web.pages import render
from cercabandi.web.security import optional_user

router = APIRouter()


@router.get("/accessibilita")
def accessibility_statement(request: Request, user: User | None = Depends(optional_user)) -> Response:
    """The "dichiarazione di accessibilità" (AgID model), readable without logging in."""
    return render(request, "accessibilita.html", {}, user=user)
