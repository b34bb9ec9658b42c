"""Digests sent through a real SMTP server on loopback: content per recipient, idempotence, failures, crashes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from digest_world import RHO_EMAIL, SPORT_EMAIL, STAFF_EMAIL, Mailbox, World, add_version
from icalendar import Calendar
from sqlalchemy import func, select

from cercabandi.core.models import utcnow
from cercabandi.core.settings import Settings
from cercabandi.db.models import DigestDelivery, DigestSentItem, Subscription
from cercabandi.db.repo.subscriptions import resolve_stuck, stuck_deliveries
from cercabandi.db.session import transaction
from cercabandi.digest.send import SmtpTransport
from cercabandi.digest.service import run_digests
from cercabandi.digest.tokens import read_unsubscribe_token


def parts(message: EmailMessage) -> tuple[str, str, list[EmailMessage]]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    attachments = list(message.iter_attachments())
    return text.get_content(), html.get_content(), attachments  # type: ignore[return-value]


def test_each_recipient_gets_its_own_digest(world: World, settings: Settings, mailbox: Mailbox, now: datetime) -> None:
    report = run_digests(world.sessions, settings, now=now)

    assert report.counts() == {"sent": 3, "written": 0, "empty": 0, "failed": 0, "skipped": 0, "stuck": 0}
    assert sorted(m["To"] for m in mailbox.messages) == sorted([STAFF_EMAIL, RHO_EMAIL, SPORT_EMAIL])
    assert mailbox.logins == ["digest"] * 3  # authenticated with the configured user

    staff = mailbox.to(STAFF_EMAIL)[0]
    assert staff["From"] == "cercabandi <bandi@cittametropolitana.mi.it>"
    assert staff["Message-ID"] == f"<digest.{world.staff}.daily-2026-11-21@cittametropolitana.mi.it>"
    assert staff["Subject"] == (
        "Bandi per tutta la Città metropolitana: 1 scadenza vicina, 3 nuovi bandi – 21 novembre 2026"
    )
    assert staff["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https://cercabandi\.example\.it/app/unsubscribe/(\S+))>", staff["List-Unsubscribe"])
    assert unsubscribe is not None
    claim = read_unsubscribe_token(settings.secret_key, unsubscribe.group(2), now=now)
    assert (claim.subscription_id, claim.email) == (world.staff, STAFF_EMAIL)

    text, html, attachments = parts(staff)
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
    # the reminder comes first, then new matches by best score; closed calls and duplicates never appear
    order = [text.index(t) for t in ("Bando Spazi Comuni 2026", "Sport e Periferie 2026", "Emblematici", "Rights of")]
    assert order == sorted(order)
    assert "Promemoria: bando segnalato come pertinente, scade tra 13 giorni." in text
    assert "Bando ormai chiuso" not in text and "(annuncio)" not in text
    assert "Scadenza: 15 gennaio 2027, ore 12:00 – tra 55 giorni" in text
    assert "Soggetti ammessi: Città metropolitana / Provincia, Comune, Terzo settore / non profit" in text
    assert (
        "perché: parole in comune: impianti sportivi, periferie; verificati: soggetto ammissibile, territorio" in text
    )
    assert "da verificare: importi da verificare; dotazione non indicata dal bando" in text
    # one link per call: the publisher's page (the web application's page only for projects not listed)
    assert "\r\n   https://example.org/it_incentivi/SPORT-PERIFERIE\r\n" in text and "Scheda in cercabandi" not in text
    assert "Ministero dell'Interno - DAIT finanza locale: ultima raccolta non riuscita il 21/11/2026" in text
    assert "Fondazione Cariplo: nessuna novità da 95 giorni" in text
    assert "Regione Lombardia" not in text[text.index("Fonti da controllare") :]
    assert "Casa delle associazioni a Lucernate" in html and "&lt;" not in staff["Subject"]

    (ics,) = attachments
    assert ics.get_content_type() == "text/calendar" and ics.get_filename() == "scadenze.ics"
    assert ics.get_content_charset() == "utf-8"  # accented titles read right in every mail client
    calendar = Calendar.from_ical(ics.get_content())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Scadenza bando: Bando Spazi Comuni 2026",
        "Scadenza bando: Sport e Periferie 2026",
        "Scadenza bando: Emblematici minori 2026",
        "Scadenza bando: Rights of the child (CERV)",
    }
    assert events["Scadenza bando: Bando Spazi Comuni 2026"].decoded("dtstart").isoformat() == "2026-12-04"

    # a comune's referent: only Rho's projects
    rho_text, _, _ = parts(mailbox.to(RHO_EMAIL)[0])
    assert "Riqualificazione del centro sportivo di via Cilea" in rho_text
    assert "Casa delle associazioni a Lucernate" in rho_text
    assert "Nuova palestra della scuola Marconi" not in rho_text
    assert "Bando Spazi Comuni" not in rho_text and "Rights of the child" not in rho_text
    assert mailbox.to(RHO_EMAIL)[0]["Subject"].startswith("Bandi per il Comune di Rho: 2 nuovi bandi")

    # a theme: the sport projects of every comune, nothing else
    sport_text, _, _ = parts(mailbox.to(SPORT_EMAIL)[0])
    assert "Riqualificazione del centro sportivo" in sport_text and "Nuova palestra della scuola Marconi" in sport_text
    assert "Emblematici" not in sport_text and "Casa delle associazioni" not in sport_text

    with world.sessions() as s:
        statuses = dict(s.execute(select(DigestDelivery.subscription_id, DigestDelivery.status)).all())
        assert statuses == {world.staff: "sent", world.rho: "sent", world.sport: "sent"}


def test_running_twice_for_the_same_period_sends_nothing_more(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    run_digests(world.sessions, settings, now=now)
    again = run_digests(world.sessions, settings, now=now + timedelta(hours=3))

    assert len(mailbox.messages) == 3
    assert again.counts()["skipped"] == 3 and again.sent == 0


def test_next_day_holds_only_news_and_an_empty_digest_is_not_sent(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    run_digests(world.sessions, settings, now=now)
    tomorrow = now + timedelta(days=1)

    quiet = run_digests(world.sessions, settings, now=tomorrow)
    assert quiet.empty == 2 and quiet.skipped == 1  # the weekly Rho digest waits for next week
    assert len(mailbox.messages) == 3

    with transaction(world.sessions) as s:
        add_version(
            s,
            "eu_sedia:CERV-CHILD",
            {"deadlines": [{"at": "2027-03-18T16:00:00Z", "label": None}], "budget_total": "4500000.00"},
            at=tomorrow + timedelta(hours=1),
        )
    day_after = now + timedelta(days=2)
    report = run_digests(world.sessions, settings, now=day_after)
    assert report.sent == 1 and report.empty == 2  # Monday: a new week for Rho too, with nothing new
    (changed,) = mailbox.messages[3:]
    assert changed["To"] == STAFF_EMAIL
    assert changed["Subject"].startswith("Bandi per tutta la Città metropolitana: 1 bando modificato")
    text, _, _ = parts(changed)
    assert (
        "Cosa è cambiato: scadenza spostata dal 21/01 al 18/03; dotazione aumentata da € 3.000.000 a € 4.500.000"
        in text
    )
    assert "Sport e Periferie" not in text  # already told


def test_smtp_failure_is_recorded_and_retried_by_the_next_run(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    mailbox.refuse = 1
    first = run_digests(world.sessions, settings, now=now, subscription_ids=[world.staff])
    assert first.failed == 1 and not mailbox.messages
    assert "451" in first.outcomes[0].detail
    with world.sessions() as s:
        row = s.scalar(select(DigestDelivery).where(DigestDelivery.subscription_id == world.staff))
        assert row is not None and row.status == "failed" and row.attempts == 1 and "451" in (row.error or "")
        assert s.scalar(select(func.count()).select_from(DigestSentItem)) == 0

    retry = run_digests(world.sessions, settings, now=now + timedelta(hours=1), subscription_ids=[world.staff])
    assert retry.sent == 1 and len(mailbox.messages) == 1
    with world.sessions() as s:
        row = s.scalar(select(DigestDelivery).where(DigestDelivery.subscription_id == world.staff))
        assert row is not None and row.status == "sent" and row.attempts == 2 and row.error is None


class _Crash(BaseException):
    """Stands for the process dying (kill -9, power cut) right after the server accepted the message."""


class CrashAfterSending:
    def __init__(self, settings: Settings) -> None:
        self.smtp = SmtpTransport(settings)

    def send(self, message: EmailMessage) -> str:
        self.smtp.send(message)
        raise _Crash


def test_crash_between_sending_and_recording_is_reported_not_resent(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    with pytest.raises(_Crash):
        run_digests(
            world.sessions, settings, now=now, subscription_ids=[world.staff], transport=CrashAfterSending(settings)
        )
    assert len(mailbox.messages) == 1

    after = run_digests(world.sessions, settings, now=now + timedelta(hours=1), subscription_ids=[world.staff])
    assert after.stuck == 1 and after.sent == 0 and len(mailbox.messages) == 1
    assert "cercabandi digest resolve" in after.outcomes[0].detail

    # a person finds the Message-ID in the mail server's log: it was delivered
    with transaction(world.sessions) as s:
        (stuck,) = stuck_deliveries(s, wall_now=utcnow())
        assert stuck.message_id == mailbox.messages[0]["Message-ID"]
        resolve_stuck(s, stuck.id, was_sent=True, now=now)
    final = run_digests(world.sessions, settings, now=now + timedelta(hours=2), subscription_ids=[world.staff])
    assert final.skipped == 1 and len(mailbox.messages) == 1
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DigestSentItem)) == 6  # 1 reminder + 5 matches


def test_stuck_delivery_resolved_as_not_sent_is_resent_with_the_same_message_id(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    with pytest.raises(_Crash):
        run_digests(
            world.sessions, settings, now=now, subscription_ids=[world.staff], transport=CrashAfterSending(settings)
        )
    with transaction(world.sessions) as s:
        resolve_stuck(s, stuck_deliveries(s, wall_now=utcnow())[0].id, was_sent=False, now=now)
    report = run_digests(world.sessions, settings, now=now + timedelta(hours=1), subscription_ids=[world.staff])
    assert report.sent == 1
    assert mailbox.messages[0]["Message-ID"] == mailbox.messages[1]["Message-ID"]


def test_without_smtp_the_digest_goes_to_the_outbox_and_nothing_is_recorded(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime, tmp_path: Path
) -> None:
    offline = settings.model_copy(update={"smtp_host": None})
    report = run_digests(world.sessions, offline, now=now)

    assert report.dry_run and report.written == 3 and not mailbox.messages
    files = sorted(offline.outbox_dir.glob("*.eml"))
    assert len(files) == 3
    assert b"List-Unsubscribe:" in files[0].read_bytes()
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DigestDelivery)) == 0
    # so the real run later still sends everything
    assert run_digests(world.sessions, settings, now=now).sent == 3


def test_unsubscribed_and_paused_recipients_get_nothing(
    world: World, settings: Settings, mailbox: Mailbox, now: datetime
) -> None:
    with transaction(world.sessions) as s:
        sub = s.get(Subscription, world.rho)
        assert sub is not None
        sub.active = False
    report = run_digests(world.sessions, settings, now=now)
    assert report.sent == 2 and not mailbox.to(RHO_EMAIL)


_CLAIM = {"claimed_by": "host:1:x", "claimed_at": datetime(2026, 11, 21, 6, 0, tzinfo=UTC)}


def test_two_runs_racing_for_the_same_delivery_claim_it_once(
    world: World, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cercabandi.db.repo import subscriptions as repo

    with world.sessions() as first:
        assert repo.claim_delivery(
            first, subscription_id=world.staff, period="daily:x", message_id="<a@b>", items=[], now=now, **_CLAIM
        )
        first.commit()
    with world.sessions() as second:
        # the other run read "no delivery yet" just before the first committed: its insert hits the unique key
        monkeypatch.setattr(repo, "get_delivery", lambda *args: None)
        lost = repo.claim_delivery(
            second, subscription_id=world.staff, period="daily:x", message_id="<a@b>", items=[], now=now, **_CLAIM
        )
        second.commit()
    assert lost is None
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DigestDelivery)) == 1
