"""The triage queue and the actions on a call: verdict, tags, note, assignment."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from cercabandi.core.models import MAX_NOTE_CHARS, Review
from cercabandi.core.vocab import ReviewReason, ReviewTag, Role, label_it
from cercabandi.db.models import Assignment, Call, Comune, Project, User
from cercabandi.db.repo import browse
from cercabandi.db.repo.reviews import record_review
from cercabandi.web.pages import redirect, render
from cercabandi.web.params import FormQueueIndex, QueueIndex
from cercabandi.web.security import csrf_protect, flash, get_db, has_role, now, require
from cercabandi.web.views import call_view, match_reasons

router = APIRouter(dependencies=[Depends(csrf_protect)])

# Keyboard digits 1-7 in this order (shown in the help overlay and next to each reason).
REASONS = list(ReviewReason)
MAX_TAGS = 10


NOTE_TOO_LONG = f"La nota è troppo lunga: al massimo {MAX_NOTE_CHARS:,} caratteri.".replace(",", ".")


def parse_tags(text: str) -> list[str]:
    """Comma-separated thematic tags, trimmed, lowercase, deduplicated, in order."""
    tags: list[str] = []
    for part in text.split(","):
        tag = re.sub(r"\s+", " ", part.strip().lower()).strip("\"'")[:60]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def call_context(db: Session, call: Call, user: User, request: Request) -> dict:
    at = now(request)
    matches = browse.matches_for_call(db, call.id)
    verdicts = browse.verdicts_for(db, [call.id]).get(call.id, browse.Verdicts())
    return {
        "view": call_view(call, at),
        "matches": [(m, p, *match_reasons(m)) for m, p in matches],
        "network": browse.projects_in_network(matches),
        "verdicts": verdicts,
        "my_review": verdicts.by_reviewer.get(user.username),
        "assignments": browse.assignments_for_call(db, call.id),
        "duplicates": browse.duplicates_of(db, call),
        "reasons": [(i + 1, r.value, label_it(r.value)) for i, r in enumerate(REASONS)],
        "known_tags": browse.known_tags(db),
        "comuni": db.query(Comune).order_by(Comune.name).all() if has_role(user, Role.STAFF) else [],
    }


@router.get("/triage")
def triage(
    request: Request, i: QueueIndex = 0, user: User = Depends(require(Role.VOLUNTEER)), db: Session = Depends(get_db)
) -> Response:
    queue = browse.triage_queue(db, user.username, now(request))
    if not queue:
        return render(request, "triage.html", {"queue": [], "item": None, "i": 0}, user=user)
    i = max(0, min(i, len(queue) - 1))
    item = queue[i]
    call = db.get(Call, item.call_id)
    if call is None:  # removed between the two reads
        return redirect(request, "/triage", i=i)
    context = call_context(db, call, user, request)
    context.update({"queue": queue, "item": item, "i": i, "upcoming": queue[i + 1 : i + 6]})
    return render(request, "triage.html", context, user=user)


@router.post("/review")
def review(
    request: Request,
    call_id: str = Form(...),
    tag: str = Form(""),
    reason: str = Form(""),
    themes: str = Form(""),
    note: str = Form(""),
    project_id: str = Form(""),
    back: str = Form("triage"),
    i: FormQueueIndex = 0,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    call = db.get(Call, call_id)
    if call is None:
        flash(request, "Bando non trovato: forse è stato rimosso.", "error")
        return redirect(request, "/triage")
    if project_id and db.get(Project, project_id) is None:
        flash(request, "Progetto non trovato.", "error")
        return _back(request, back, call_id, i)
    if len(note.strip()) > MAX_NOTE_CHARS:
        flash(request, NOTE_TOO_LONG, "error")
        return _back(request, back, call_id, i)
    # The reason buttons carry only the reason: choosing one means "non pertinente".
    if not tag and reason:
        tag = ReviewTag.NOT_RELEVANT.value
    if tag == ReviewTag.RELEVANT.value:
        reason = ""
    try:
        verdict = Review(
            call_id=call_id,
            project_id=project_id or None,
            tag=ReviewTag(tag),
            reason=ReviewReason(reason) if reason else None,
            reviewer=user.username,
            note=note.strip() or None,
            themes=parse_tags(themes),
            at=now(request),
        )
    except (ValueError, ValidationError):
        flash(request, "Per «non pertinente» scegli un motivo (tasti 1-7).", "error")
        return _back(request, back, call_id, i)
    record_review(db, verdict, via="web", user_id=user.id)
    db.commit()
    reason_text = f" ({label_it(verdict.reason.value)})" if verdict.reason else ""
    flash(request, f"«{call.title[:80]}»: {label_it(verdict.tag.value)}{reason_text}.")
    return _back(request, back, call_id, i)


@router.post("/assign")
def assign(
    request: Request,
    call_id: str = Form(...),
    target: str = Form(...),
    note: str = Form(""),
    back: str = Form("call"),
    i: FormQueueIndex = 0,
    user: User = Depends(require(Role.STAFF)),
    db: Session = Depends(get_db),
) -> Response:
    if db.get(Call, call_id) is None:
        flash(request, "Bando non trovato.", "error")
        return redirect(request, "/calls")
    if len(note.strip()) > MAX_NOTE_CHARS:
        flash(request, NOTE_TOO_LONG, "error")
        return _back(request, back, call_id, i)
    kind, _, key = target.partition(":")
    assignment = Assignment(call_id=call_id, user_id=user.id, note=note.strip() or None, created_at=now(request))
    if kind == "project" and db.get(Project, key) is not None:
        assignment.project_id = key
    elif kind == "comune" and db.get(Comune, key) is not None:
        assignment.istat = key
    else:
        flash(request, "Scegli un progetto o un comune a cui assegnare il bando.", "error")
        return _back(request, back, call_id, i)
    db.add(assignment)
    db.commit()
    flash(request, "Assegnazione registrata.")
    return _back(request, back, call_id, i)


def _back(request: Request, back: str, call_id: str, i: int) -> Response:
    if back == "call":
        return redirect(request, f"/calls/{_quote(call_id)}")
    return redirect(request, "/triage", i=i)


def _quote(call_id: str) -> str:
    from urllib.parse import quote

    return quote(call_id, safe=":")
