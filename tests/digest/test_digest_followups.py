"""A staff subscription's digest reminds of reporting deadlines and application deadlines, once per threshold.

Through the real service and a real SMTP server on loopback; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from digest_world import RHO, RHO_EMAIL, SESTO, STAFF_EMAIL, Mailbox, World
from icalendar import Calendar

from cercabandi.core.settings import Settings
from cercabandi.core.vocab import ApplicationStatus
from cercabandi.db.repo import applications as repo
from cercabandi.db.repo.users import create_user
from cercabandi.db.session import transaction
from cercabandi.digest.service import run_digests

TODAY = date(2026, 11, 21)  # the world's `now`, in Rome


def _applications(world: World, now: datetime) -> None:
    with transaction(world.sessions) as s:
        create_user(s, "ufficio", "a-long-enough-password-1", "staff", now=now, email=STAFF_EMAIL)
        funded = repo.create_application(
            s,
            repo.NewApplication(
                title="Rete sport Rho-Sesto", lead_istat=RHO, comuni=[(SESTO, "partner")], on=date(2026, 10, 1)
            ),
            now=now,
            today=TODAY,
        )
        for status, day in (("in_preparation", 2), ("submitted", 5), ("funded", 20)):
            repo.change_status(
                s,
                funded,
                ApplicationStatus(status),
                on=date(2026, 10, day),
                today=TODAY,
                now=now,
                amount_granted=Decimal(90000) if status == "funded" else None,
            )
        repo.add_reporting_deadline(s, funded, "Rendicontazione SAL 1", TODAY + timedelta(days=10), now=now)
        repo.add_reporting_deadline(s, funded, "Rendicontazione finale", TODAY + timedelta(days=200), now=now)
        repo.create_application(
            s,
            repo.NewApplication(
                title="Casa delle associazioni in rete", lead_istat=RHO, deadline_on=TODAY + timedelta(days=12)
            ),
            now=now,
            today=TODAY,
        )


def test_staff_digest_shows_own_deadlines_once(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    _applications(world, now)
    run_digests(world.sessions, settings, now=now)

    staff = mailbox.to(STAFF_EMAIL)[0]
    assert staff["Subject"].startswith("Bandi per tutta la Città metropolitana: 2 scadenze di candidature o rend")
    text = staff.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = staff.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "== Candidature e rendicontazione ==" in text and "Candidature e rendicontazione</h2>" in html
    assert "- Rendicontazione: Rendicontazione SAL 1" in text and "Scadenza: 1 dicembre 2026 – tra 10 giorni" in text
    assert "- Candidatura da presentare" in text and "Casa delle associazioni in rete" in text
    assert "Rendicontazione finale" not in text  # 200 days away
    assert text.index("Rendicontazione SAL 1") < text.index("Casa delle associazioni in rete")  # soonest first
    ics = next(a for a in staff.iter_attachments() if a.get_filename() == "scadenze.ics")
    summaries = [str(e["summary"]) for e in Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")]
    assert "Rendicontazione: Rete sport Rho-Sesto (Rendicontazione SAL 1)" in summaries
    assert "Candidatura: Casa delle associazioni in rete" in summaries
    # not a staff address: the comune's referent is not told about the office's work
    rho_text = mailbox.to(RHO_EMAIL)[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Rendicontazione" not in rho_text

    # the next day: same thresholds already told, nothing repeated
    mailbox.messages.clear()
    run_digests(world.sessions, settings, now=now + timedelta(days=1))
    again = mailbox.to(STAFF_EMAIL)
    assert all("Rendicontazione SAL 1" not in m.get_body(preferencelist=("plain",)).get_content() for m in again)  # type: ignore[union-attr]

    # three days before: the 3-day reminder comes, once
    mailbox.messages.clear()
    run_digests(world.sessions, settings, now=now + timedelta(days=7))
    later = mailbox.to(STAFF_EMAIL)
    assert len(later) == 1
    assert "Rendicontazione SAL 1" in later[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
