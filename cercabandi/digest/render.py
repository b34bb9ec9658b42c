"""Render a digest as an e-mail: subject, plain-text part, HTML part (inline CSS), ICS attachment.

Templates live in ``digest/templates`` (Jinja2, autoescaped for HTML). The view
model is prepared here so templates only lay out text that is already in Italian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cercabandi.core.comuni import all_comuni
from cercabandi.core.fmt_it import comuni_list, countdown, days_until, euro, long_date, percent, plural
from cercabandi.core.settings import Settings
from cercabandi.core.vocab import ReviewTag, label_it
from cercabandi.digest.ics import build_calendar
from cercabandi.digest.model import CLOSING_SOON_DAYS, CallFacts, Digest, Entry, FollowUpEntry
from cercabandi.digest.tokens import feedback_token, unsubscribe_token

SECTION_TITLES = {
    "reminder": "Scadenze vicine",
    "new": "Nuove opportunità",
    "changed": "Bandi modificati",
}


def template_env() -> Environment:
    """The Jinja2 environment of digests and of the one-click pages (HTML autoescaped)."""
    return Environment(
        loader=PackageLoader("cercabandi.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_ENV = template_env()


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    ics: bytes | None
    unsubscribe_url: str


def safe_link(url: str | None, fallback: str) -> str:
    """Publisher data is untrusted: only http(s) links go into an e-mail."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return fallback


def call_page_url(base_url: str, call_id: str) -> str:
    return f"{base_url.rstrip('/')}/calls/{quote(call_id, safe='')}"


def subject_for(digest: Digest, settings: Settings) -> str:
    parts = []
    if digest.followups:
        parts.append(
            plural(
                len(digest.followups),
                "scadenza di candidature o rendicontazione",
                "scadenze di candidature o rendicontazione",
            )
        )
    if digest.reminders:
        parts.append(plural(len(digest.reminders), "scadenza vicina", "scadenze vicine"))
    if digest.new:
        parts.append(plural(len(digest.new), "nuovo bando", "nuovi bandi"))
    if digest.changed:
        parts.append(plural(len(digest.changed), "bando modificato", "bandi modificati"))
    day = long_date(digest.generated_at, settings.tz, with_time=False)
    return f"Bandi per {digest.scope_label}: {', '.join(parts) or 'nessuna novità'} – {day}"


def summary_lines(digest: Digest) -> list[str]:
    """The three lines at the top: what is urgent, what is new, what changed (before the item cap)."""
    totals = digest.totals
    return [
        plural(totals.closing_soon, "bando in scadenza", "bandi in scadenza") + f" entro {CLOSING_SOON_DAYS} giorni",
        plural(totals.new, "nuova opportunità", "nuove opportunità"),
        plural(totals.changed, "bando modificato", "bandi modificati"),
    ]


def deadline_view(entry: Entry, now: datetime, tz: tzinfo) -> tuple[str, bool]:
    """The next deadline with the days left, and whether it is urgent (within CLOSING_SOON_DAYS)."""
    deadline = entry.call.next_deadline(now)
    if deadline is not None:
        stage = f" ({deadline.label})" if deadline.label else ""
        days = days_until(deadline.at, now, tz)
        return f"{long_date(deadline.at, tz)}{stage} – {countdown(days)}", days <= CLOSING_SOON_DAYS
    if entry.call.rolling:
        return "a sportello, fino a esaurimento fondi", False
    return "non indicata", False


def money_view(call: CallFacts) -> str:
    money = []
    if call.budget_total is not None:
        money.append(f"dotazione {euro(call.budget_total)}")
    if call.grant_max is not None:
        money.append(f"fino a {euro(call.grant_max)} per progetto")
    if call.cofinancing_rate:
        money.append(f"cofinanziamento {percent(call.cofinancing_rate)}")
    return "; ".join(money)


def applicants_view(call: CallFacts) -> str:
    if call.applicant_types:
        return ", ".join(label_it(a) for a in call.applicant_types)
    return call.applicants_text or "non indicati"


def reminder_view(entry: Entry) -> str | None:
    if entry.reminder_days is None:
        return None
    left = countdown(entry.reminder_days)
    return f"Promemoria: bando segnalato come pertinente, {left if left.startswith('scad') else 'scade ' + left}."


@dataclass(frozen=True)
class _Links:
    """The links of one digest: signed feedback and unsubscribe tokens, pages of the web application."""

    digest: Digest
    settings: Settings
    now: datetime

    @property
    def base(self) -> str:
        return self.settings.base_url.rstrip("/")

    def feedback(self, call_id: str, project_id: str | None, tag: ReviewTag) -> str:
        token = feedback_token(
            self.settings.secret_key,
            subscription_id=self.digest.subscription_id,
            email=self.digest.email,
            call_id=call_id,
            project_id=project_id,
            tag=tag,
            now=self.now,
        )
        return f"{self.base}/feedback/{token}"

    def unsubscribe(self) -> str:
        token = unsubscribe_token(
            self.settings.secret_key, subscription_id=self.digest.subscription_id, email=self.digest.email, now=self.now
        )
        return f"{self.base}/unsubscribe/{token}"


def entry_view(entry: Entry, links: _Links) -> dict[str, Any]:
    """What the templates show of one call: a few lines and one link to read it."""
    call, tz = entry.call, links.settings.tz
    deadline, urgent = deadline_view(entry, links.now, tz)
    everyone = len(all_comuni())
    projects = [
        {
            "title": line.title,
            "comuni": comuni_list(line.comuni, everyone=everyone),
            "is_new": line.is_new,
            "reasons": line.reasons,
            "doubts": line.doubts,
            "yes_url": links.feedback(call.id, line.project_id, ReviewTag.RELEVANT),
            "no_url": links.feedback(call.id, line.project_id, ReviewTag.NOT_RELEVANT),
        }
        for line in entry.projects
    ]
    return {
        "title": call.title,
        "publisher": call.issuer or "ente non indicato",
        "level": label_it(call.level),
        "deadline": deadline,
        "urgent": urgent,
        "applicants": applicants_view(call),
        "money": money_view(call),
        "url": safe_link(call.url, call_page_url(links.base, call.id)),
        "page_url": call_page_url(links.base, call.id),
        "reminder": reminder_view(entry),
        "changes": entry.changes,
        "projects": projects,
        "other_projects": entry.other_projects,
        "yes_url": links.feedback(call.id, None, ReviewTag.RELEVANT),
        "no_url": links.feedback(call.id, None, ReviewTag.NOT_RELEVANT),
    }


def render_digest(digest: Digest, *, settings: Settings, now: datetime) -> RenderedDigest:
    tz = settings.tz
    links = _Links(digest, settings, now)
    unsubscribe_url = links.unsubscribe()
    sections = [
        {"title": SECTION_TITLES[name], "entries": [entry_view(e, links) for e in entries]}
        for name, entries in (("reminder", digest.reminders), ("new", digest.new), ("changed", digest.changed))
        if entries
    ]
    context = {
        "subject": subject_for(digest, settings),
        "greeting": f"Buongiorno {digest.name}," if digest.name else "Buongiorno,",
        "scope_label": digest.scope_label,
        "date": long_date(digest.generated_at, tz, with_time=False),
        "summary": summary_lines(digest),
        "sections": sections,
        "omitted": digest.omitted,
        "app_url": links.base,
        "list_url": links.base + digest.list_path,
        "alerts": digest.source_alerts,
        "followups": [followup_view(f, tz, links.base) for f in digest.followups],
        "unsubscribe_url": unsubscribe_url,
        "contact_email": settings.contact_email,
    }
    text = _ENV.get_template("digest.txt.j2").render(context)
    html = _ENV.get_template("digest.html.j2").render(context)
    calendar = digest_calendar(digest, links.base, now=now, tz=tz)
    return RenderedDigest(
        subject=str(context["subject"]), text=text, html=html, ics=calendar, unsubscribe_url=unsubscribe_url
    )


def digest_calendar(digest: Digest, base: str, *, now: datetime, tz: tzinfo) -> bytes | None:
    """The ICS attachment: the calls' deadlines and the office's own (reporting, applications)."""
    return build_calendar(
        ((e.call, call_page_url(base, e.call.id)) for e in digest.entries),
        now=now,
        tz=tz,
        followups=[(f.fact, application_page_url(base, f.fact.application_id)) for f in digest.followups],
    )


FOLLOWUP_KINDS = {"reporting": "Rendicontazione", "application": "Candidatura da presentare"}


def application_page_url(base_url: str, application_id: int) -> str:
    return f"{base_url.rstrip('/')}/applications/{application_id}"


def followup_view(entry: FollowUpEntry, tz: tzinfo, base: str) -> dict[str, Any]:
    fact = entry.fact
    return {
        "kind": FOLLOWUP_KINDS[fact.kind],
        "title": fact.application_title,
        "what": fact.what,
        "due": f"{long_date(fact.due_on, tz, with_time=False)} – {countdown(entry.days_left)}",
        "comuni": ", ".join(fact.comuni),
        "url": application_page_url(base, fact.application_id),
    }


def message_id_for(subscription_id: int, period: str, mail_from: str) -> str:
    """Deterministic per recipient and period: a resend after a crash carries the same Message-ID."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "cercabandi.localhost"
    slug = re.sub(r"[^A-Za-z0-9.-]", "-", period)
    return f"<digest.{subscription_id}.{slug}@{domain}>"


def to_message(
    rendered: RenderedDigest, *, to: str, settings: Settings, message_id: str, now: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = settings.mail_from
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = f"<{rendered.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message["Auto-Submitted"] = "auto-generated"
    message["Precedence"] = "bulk"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.ics is not None:
        # The charset tells mail clients how to read accented titles in the calendar (RFC 5545 is UTF-8).
        message.add_attachment(
            rendered.ics, maintype="text", subtype="calendar", filename="scadenze.ics", params={"charset": "utf-8"}
        )
    return message
