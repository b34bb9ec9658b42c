"""One-click links of the digest e-mails: feedback on a match and unsubscribe.

A GET only shows an Italian confirmation page (mail scanners and link previews
open every link: they must not record anything); the POST of that page acts.
``POST /unsubscribe/{token}`` is also the RFC 8058 one-click target named in the
``List-Unsubscribe`` header. The signed token is the capability, so these routes
need neither a login nor a CSRF token. Reviews go through ``record_review``,
exactly as in the review application, with ``via="email"``.

Reads ``request.app.state.settings``, ``.sessions`` (sessionmaker) and ``.clock``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select

from cercabandi.core.models import MAX_NOTE_CHARS, Review
from cercabandi.core.vocab import ReviewReason, ReviewTag, label_it
from cercabandi.db.models import Call, Comune, Project, Subscription
from cercabandi.db.repo.reviews import record_review
from cercabandi.db.repo.subscriptions import unsubscribe
from cercabandi.db.session import transaction
from cercabandi.digest.gather import RunSnapshot, scope_label
from cercabandi.digest.render import template_env
from cercabandi.digest.tokens import FeedbackClaim, TokenError, read_feedback_token, read_unsubscribe_token

router = APIRouter(tags=["digest links"])
_ENV = template_env()
PAGE_CSS = (
    "body { font-family: Arial, Helvetica, sans-serif; background: #f3f4f6; color: #1f2933; margin: 0; }\n"
    "main { max-width: 560px; margin: 40px auto; background: #fff; border: 1px solid #d9dde3; padding: 24px 28px; }\n"
    "h1 { font-size: 22px; color: #0b4f8a; margin-top: 0; }\n"
    "p, li, label { font-size: 16px; line-height: 24px; }\n"
    ".muted { color: #52606d; }\n"
    ".footer { margin-top: 28px; font-size: 13px; }\n"
    ".error { color: #b42318; font-weight: bold; }\n"
    "button { font-size: 16px; padding: 10px 18px; border: 0; border-radius: 4px; background: #0b4f8a; color: #fff; cursor: pointer; }\n"
    "button.no { background: #b42318; }\n"
    "fieldset { border: 1px solid #d9dde3; margin: 12px 0; }\n"
    "textarea { width: 100%; min-height: 70px; font: inherit; }\n"
)
# The pages carry their own policy: no scripts at all, only this stylesheet (by hash), forms to ourselves.
_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(PAGE_CSS.encode()).digest()).decode()}'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": _CSP,
}


def _page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(f"pages/{template}.html.j2").render(css=PAGE_CSS, **context)
    return HTMLResponse(html, status_code=status_code, headers=_HEADERS)


def _message(title: str, *lines: str, status_code: int = 200, error: bool = False, app_url: str | None = None):
    return _page("message", status_code, title=title, lines=lines, error=error, app_url=app_url)


def _token_problem(exc: TokenError):
    if exc.expired:
        return _message(
            "Link scaduto",
            "Questo link è scaduto.",
            "Puoi dare la tua valutazione dalla scheda del bando nell'applicazione, oppure usare i link del prossimo riepilogo.",
            status_code=410,
            error=True,
        )
    return _message(
        "Link non valido",
        "Questo link non è valido: forse è stato copiato solo in parte.",
        "Prova ad aprirlo di nuovo direttamente dall'e-mail.",
        status_code=400,
        error=True,
    )


def _subscription_gone(session, claim: FeedbackClaim):
    """The refusal page when the link's subscription no longer exists or is not active, else None.

    A link keeps working for 45 days: after an unsubscription (or for a forged-looking id) its
    verdicts would be recorded in the name of someone who no longer takes part.
    """
    subscription = session.get(Subscription, claim.subscription_id) if 0 < claim.subscription_id < 2**31 else None
    if subscription is not None and subscription.email == claim.email and subscription.active:
        return None
    return _message(
        "Iscrizione non attiva",
        f"L'iscrizione di {claim.email} a questi riepiloghi non è più attiva: la valutazione non è stata registrata.",
        "Se partecipi ancora alla revisione, valuta il bando dall'applicazione.",
        status_code=410,
        error=True,
    )


def _call_url(request: Request, call_id: str) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/calls/{quote(call_id, safe='')}"


def _feedback_form(request: Request, token: str, *, error: str | None = None, chosen: str = "", note: str = ""):
    state = request.app.state
    try:
        claim = read_feedback_token(state.settings.secret_key, token, now=state.clock())
    except TokenError as exc:
        return None, _token_problem(exc)
    with state.sessions() as session:
        gone = _subscription_gone(session, claim)
        if gone is not None:
            return None, gone
        call = session.get(Call, claim.call_id)
        project = session.get(Project, claim.project_id) if claim.project_id else None
        if call is None:
            return None, _message(
                "Bando non trovato", "Questo bando non è più presente in cercabandi.", status_code=404
            )
        page = _page(
            "feedback",
            422 if error else 200,
            title="Pertinente" if claim.tag is ReviewTag.RELEVANT else "Non pertinente",
            call_title=call.title,
            project_title=project.title if project else None,
            tag=claim.tag.value,
            reasons=[(r.value, label_it(r.value)) for r in ReviewReason],
            chosen=chosen,
            note=note,
            error=error,
            email=claim.email,
            action=str(request.url.path),
        )
    return claim, page


@router.get("/feedback/{token}", response_class=HTMLResponse)
def feedback_page(request: Request, token: str) -> HTMLResponse:
    """Confirmation page: nothing is recorded by opening the link."""
    _, page = _feedback_form(request, token)
    return page


@router.post("/feedback/{token}", response_class=HTMLResponse)
def feedback_submit(request: Request, token: str, reason: str = Form(""), note: str = Form("")) -> HTMLResponse:
    """Record the review of the link's recipient, as the web application would."""
    state = request.app.state
    now = state.clock()
    try:
        claim = read_feedback_token(state.settings.secret_key, token, now=now)
    except TokenError as exc:
        return _token_problem(exc)
    note = note.strip()[:MAX_NOTE_CHARS]
    reason_value = reason.strip() or None
    if claim.tag is ReviewTag.NOT_RELEVANT and reason_value not in {r.value for r in ReviewReason}:
        _, page = _feedback_form(request, token, error="Scegli il motivo per cui il bando non è pertinente.", note=note)
        return page
    try:
        review = Review(
            call_id=claim.call_id,
            project_id=claim.project_id,
            tag=claim.tag,
            reason=ReviewReason(reason_value) if claim.tag is ReviewTag.NOT_RELEVANT and reason_value else None,
            reviewer=claim.email,
            note=note or None,
            at=now,
        )
    except ValidationError:
        _, page = _feedback_form(request, token, error="La risposta non è valida: riprova.", note=note)
        return page
    with transaction(state.sessions) as session:
        gone = _subscription_gone(session, claim)
        if gone is not None:
            return gone
        if session.get(Call, claim.call_id) is None:
            return _message("Bando non trovato", "Questo bando non è più presente in cercabandi.", status_code=404)
        project_id = claim.project_id if claim.project_id and session.get(Project, claim.project_id) else None
        record_review(session, review.model_copy(update={"project_id": project_id}), via="email")
    verdict = "pertinente" if claim.tag is ReviewTag.RELEVANT else "non pertinente"
    return _message(
        "Grazie!",
        f"Abbiamo registrato la tua valutazione: {verdict}.",
        "Se cambi idea puoi modificarla dalla scheda del bando.",
        app_url=_call_url(request, claim.call_id),
    )


def _subscription_for(request: Request, token: str):
    state = request.app.state
    try:
        claim = read_unsubscribe_token(state.settings.secret_key, token, now=state.clock())
    except TokenError as exc:
        return None, _token_problem(exc)
    return claim, None


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """Confirmation page; the button (or a mail client's one-click POST) unsubscribes."""
    claim, problem = _subscription_for(request, token)
    if claim is None:
        return problem
    with request.app.state.sessions() as session:
        subscription = session.get(Subscription, claim.subscription_id)
        if subscription is None or subscription.email != claim.email or not subscription.active:
            return _message("Iscrizione annullata", f"{claim.email} non riceve più questi riepiloghi.")
        snapshot = RunSnapshot({}, _comune_names(session), {}, (), ())
        label = scope_label(subscription, snapshot)
    return _page(
        "unsubscribe", title="Annulla l'iscrizione", scope_label=label, email=claim.email, action=str(request.url.path)
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_submit(request: Request, token: str) -> HTMLResponse:
    """Unsubscribe (the page's button, or RFC 8058 ``List-Unsubscribe=One-Click``)."""
    claim, problem = _subscription_for(request, token)
    if claim is None:
        return problem
    state = request.app.state
    with transaction(state.sessions) as session:
        subscription = session.get(Subscription, claim.subscription_id)
        if subscription is not None and subscription.email == claim.email:
            unsubscribe(session, subscription.id, now=state.clock())
    return _message(
        "Iscrizione annullata",
        f"{claim.email} non riceverà più questi riepiloghi.",
        "Se è stato un errore, scrivi all'ufficio per essere iscritto di nuovo.",
    )


def _comune_names(session) -> dict[str, str]:
    return {c.istat: c.name for c in session.scalars(select(Comune))}
