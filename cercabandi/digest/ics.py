"""The calendar attachment: one all-day event per future deadline of the calls in a digest.

UIDs depend only on the call and the deadline's position/stage, so a calendar that
imported an earlier digest updates the event when a deadline moves instead of
showing it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

from icalendar import Alarm, Calendar, Event

from cercabandi.core.fmt_it import long_date
from cercabandi.digest.model import CallFacts, FollowUpFact


def deadline_uid(call_id: str, index: int, label: str | None) -> str:
    digest = hashlib.sha256(f"{call_id}\x00{label or index}".encode()).hexdigest()[:24]
    return f"scadenza-{digest}@cercabandi"


def followup_event(fact: FollowUpFact, page_url: str, *, now: datetime) -> Event:
    """An all-day event for a reporting deadline or an open application's deadline (stable UID)."""
    event = Event()
    uid = hashlib.sha256(f"{fact.kind}\x00{fact.application_id}\x00{fact.item_id}".encode()).hexdigest()[:24]
    event.add("uid", f"{fact.kind}-{uid}@cercabandi")
    event.add("dtstamp", now)
    event.add("dtstart", fact.due_on)
    event.add("dtend", fact.due_on + timedelta(days=1))
    kind = "Rendicontazione" if fact.kind == "reporting" else "Candidatura"
    event.add("summary", f"{kind}: {fact.application_title}" + (f" ({fact.what})" if fact.what else ""))
    event.add("description", f"Scheda in cercabandi: {page_url}")
    event.add("url", page_url)
    event.add("transp", "TRANSPARENT")
    return event


def build_calendar(
    calls: Iterable[tuple[CallFacts, str]],
    *,
    now: datetime,
    tz: tzinfo,
    followups: Iterable[tuple[FollowUpFact, str]] = (),
) -> bytes | None:
    """ICS bytes for the future deadlines of ``(call, page url)`` pairs and of the office's own
    deadlines (``followups``); None when there are none."""
    calendar = Calendar()
    calendar.add("prodid", "-//cercabandi//digest//IT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Scadenze bandi (cercabandi)")
    events = 0
    for call, page_url in calls:
        url = call.url if call.url.lower().startswith(("https://", "http://")) else page_url  # untrusted data
        for index, deadline in enumerate(call.deadlines):
            if deadline.at < now:
                continue
            local = deadline.at.astimezone(tz)
            event = Event()
            event.add("uid", deadline_uid(call.id, index, deadline.label))
            event.add("dtstamp", now)
            event.add("dtstart", local.date())
            event.add("dtend", local.date() + timedelta(days=1))
            stage = f" ({deadline.label})" if deadline.label else ""
            event.add("summary", f"Scadenza bando{stage}: {call.title}")
            event.add(
                "description",
                f"Scadenza: {long_date(deadline.at, tz)}\nBando: {url}\nScheda in cercabandi: {page_url}",
            )
            event.add("url", url)
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Tra 3 giorni scade: {call.title}")
            alarm.add("trigger", timedelta(days=-3))
            event.add_component(alarm)
            calendar.add_component(event)
            events += 1
    for fact, page_url in followups:
        calendar.add_component(followup_event(fact, page_url, now=now))
        events += 1
    return calendar.to_ical() if events else None
