"""The triage queue and the actions on a call: verdict, tags, note, assignment."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from cercabandi.core.models import MAX_NOTE_CHARS, Review
from cercabandi.core.vocab import ReviewReason, ReviewTag, Role, label_it
from cercabandi.db.models import Assignment, Call, Comune, Project, User
from cercabandi.db.repo import triage as triage_repo
from cercabandi.db.repo import verdicts as verdicts_repo
from cercabandi.db.repo.reviews import record_review, withdraw_review
from cercabandi.web.pages import page_count, redirect, render
from cercabandi.web.params import FormQueueIndex, PageNumber, QueueIndex
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


MATCHES_PER_PAGE = 10


def call_context(db: Session, call: Call, user: User, request: Request, *, match_page: int = 1) -> dict[str, Any]:
    """What the triage page and the call page show of a call: one page of matches, verdicts, forms."""
    at = now(request)
    total = triage_repo.match_count(db, call.id)
    match_pages = page_count(total, MATCHES_PER_PAGE)
    match_page = max(1, min(match_page, match_pages))
    matches = triage_repo.matches_for_call(
        db, call.id, offset=(match_page - 1) * MATCHES_PER_PAGE, limit=MATCHES_PER_PAGE
    )
    verdicts = verdicts_repo.verdicts_for(db, [call.id]).get(call.id, verdicts_repo.Verdicts())
    return {
        "view": call_view(call, at),
        "matches": [(m, p, *match_reasons(m)) for m, p in matches],
        "match_total": total,
        "match_page": match_page,
        "match_offset": (match_page - 1) * MATCHES_PER_PAGE,
        "match_pages": match_pages,
        "network": triage_repo.network_for_call(db, call.id),
        "verdicts": verdicts,
        "my_review": verdicts.by_reviewer.get(user.username),
        "assignments": triage_repo.assignments_for_call(db, call.id),
        "duplicates": triage_repo.duplicates_of(db, call),
        "reasons": [(i + 1, r.value, label_it(r.value)) for i, r in enumerate(REASONS)],
        "known_tags": verdicts_repo.known_tags(db),
        "comuni": db.query(Comune).order_by(Comune.name).all() if has_role(user, Role.STAFF) else [],
    }


@router.get("/triage")
def triage(
    request: Request,
    i: QueueIndex = 0,
    mp: PageNumber = 1,
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    at = now(request)
    size = triage_repo.queue_size(db, user.username, at)
    if not size:
        return render(request, "triage.html", {"queue_size": 0, "item": None, "i": 0}, user=user)
    i = max(0, min(i, size - 1))
    item, *upcoming = triage_repo.triage_queue(db, user.username, at, offset=i, limit=6)
    call = db.get(Call, item.call_id)
    if call is None:  # removed between the two reads
        return redirect(request, "/triage", i=i)
    context = call_context(db, call, user, request, match_page=mp)
    context.update({"queue_size": size, "item": item, "i": i, "upcoming": upcoming})
    context.update({"match_base": f"{request.scope.get('root_path', '')}/triage", "match_query": f"i={i}"})
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
    row = record_review(db, verdict, via="web", user_id=user.id)
    db.commit()
    remember_for_undo(request, row.id)
    reason_text = f" ({label_it(verdict.reason.value)})" if verdict.reason else ""
    flash(request, f"«{call.title[:80]}»: {label_it(verdict.tag.value)}{reason_text}.")
    return _back(request, back, call_id, i)


UNDO_DEPTH = 10
BULK_LIMIT = 100


@router.post("/review/bulk")
def bulk_review(
    request: Request,
    call_id: list[str] = Form(default_factory=list),
    reason: str = Form(""),
    back: str = Form(""),
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    """One verdict on each selected call, for the call in general (the list shows no project)."""
    target = back if back.startswith("/calls") and not back.startswith("//") else "/calls"
    tag = ReviewTag.RELEVANT if reason == ReviewTag.RELEVANT.value else ReviewTag.NOT_RELEVANT
    try:
        why = None if tag is ReviewTag.RELEVANT else ReviewReason(reason)
    except ValueError:
        flash(request, "Scegli «pertinenti» o un motivo per «non pertinenti».", "error")
        return redirect(request, target)
    calls = [c for c in (db.get(Call, cid) for cid in dict.fromkeys(call_id[:BULK_LIMIT])) if c is not None]
    for call in calls:
        verdict = Review(call_id=call.id, tag=tag, reason=why, reviewer=user.username, at=now(request))
        remember_for_undo(request, record_review(db, verdict, via="web", user_id=user.id).id)
    db.commit()
    flash(request, f"{len(calls)} bandi valutati: {label_it(tag.value)}." if calls else "Nessun bando selezionato.")
    return redirect(request, target)


def remember_for_undo(request: Request, review_id: int) -> None:
    """The session keeps the ids of the person's last verdicts, newest last, so they can be undone."""
    ids = [i for i in request.session.get("undo", []) if i != review_id]
    request.session["undo"] = [*ids, review_id][-UNDO_DEPTH:]


@router.post("/review/undo")
def undo_review(
    request: Request,
    back: str = Form("triage"),
    call_id: str = Form(""),
    i: int = Form(0),
    user: User = Depends(require(Role.VOLUNTEER)),
    db: Session = Depends(get_db),
) -> Response:
    """Withdraw the person's most recent verdict of this session (one per click)."""
    ids = list(request.session.get("undo", []))
    withdrawn = None
    while ids and withdrawn is None:
        withdrawn = withdraw_review(db, ids.pop(), user.username)
    request.session["undo"] = ids
    if withdrawn is None:
        flash(request, "Nessun giudizio da annullare.", "error")
        return _back(request, back, call_id, i)
    db.commit()
    call = db.get(Call, withdrawn.call_id)
    flash(request, f"Giudizio annullato: «{(call.title if call else withdrawn.call_id)[:80]}».")
    return _back(request, back, withdrawn.call_id, i)


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
