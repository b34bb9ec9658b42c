"""The ``subscriptions`` and ``digest`` commands on a SQLite database in a temporary data directory."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from digest_world import RHO, Mailbox, _free_port, add_call, add_match, add_project, funding_call
from sqlalchemy import select
from typer.testing import CliRunner

from cercabandi.core.models import utcnow
from cercabandi.db.models import Comune, DigestDelivery, Source, Subscription
from cercabandi.db.session import make_engine, session_factory, transaction, upgrade
from cercabandi.flows.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("CERCABANDI_DATABASE_URL", "CERCABANDI_SMTP_HOST", "CERCABANDI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'cercabandi.sqlite3'}")
    upgrade(engine)
    now = utcnow()  # the CLI reads the clock: the data is placed around the real now
    with transaction(session_factory(engine)) as s:
        if s.get(Comune, RHO) is None:
            s.add(Comune(istat=RHO, name="Rho"))
        s.add(Source(id="it_incentivi", name="incentivi.gov.it", url="https://example.org", level="national"))
        s.flush()
        add_project(s, "P1", "Centro sportivo di via Cilea", RHO, ["sport"], now=now)
        add_call(
            s,
            funding_call(
                "it_incentivi:SP",
                "Sport e Periferie",
                level="national",
                issuer="Sport",
                deadline=now + timedelta(days=40),
            ),
            now=now,
        )
        add_match(s, "it_incentivi:SP", "P1", 0.5, now=now, terms=["sport"])
    engine.dispose()
    yield tmp_path / "data"


def test_subscriptions_lifecycle(data_dir: Path) -> None:
    added = runner.invoke(
        app, ["subscriptions", "add", "ufficio@comune.rho.mi.it", "--comune", "rho", "--theme", "sport"]
    )
    assert added.exit_code == 0, added.output
    bad = runner.invoke(app, ["subscriptions", "add", "x@y.it", "--comune", "Atlantide"])
    assert bad.exit_code == 2 and "unknown comune 'Atlantide'" in bad.output
    assert "weekly" in runner.invoke(app, ["subscriptions", "list"]).output
    assert runner.invoke(app, ["subscriptions", "update", "1", "--frequency", "daily", "--cap", "5"]).exit_code == 0
    assert runner.invoke(app, ["subscriptions", "pause", "1"]).exit_code == 0
    assert "paused" in runner.invoke(app, ["subscriptions", "list"]).output
    assert runner.invoke(app, ["subscriptions", "resume", "1"]).exit_code == 0
    engine = make_engine(f"sqlite:///{data_dir / 'cercabandi.sqlite3'}")
    with session_factory(engine)() as s:
        sub = s.scalars(select(Subscription)).one()
        assert (sub.comuni, sub.themes, sub.frequency, sub.item_cap, sub.active) == ([RHO], ["sport"], "daily", 5, True)
    engine.dispose()
    assert runner.invoke(app, ["subscriptions", "remove", "1", "--yes"]).exit_code == 0
    assert runner.invoke(app, ["subscriptions", "remove", "1", "--yes"]).exit_code == 2


def test_digest_without_smtp_writes_the_outbox_and_records_nothing(data_dir: Path) -> None:
    runner.invoke(app, ["subscriptions", "add", "ufficio@comune.rho.mi.it", "--comune", "015182"])
    result = runner.invoke(app, ["digest"])
    assert result.exit_code == 0, result.output
    assert "writing to the outbox" in result.output and "1 written" in result.output
    (eml,) = (data_dir / "outbox").glob("*.eml")
    assert b"Sport e Periferie" in eml.read_bytes()
    engine = make_engine(f"sqlite:///{data_dir / 'cercabandi.sqlite3'}")
    with session_factory(engine)() as s:
        assert s.scalars(select(DigestDelivery)).all() == []
    engine.dispose()

    preview = runner.invoke(app, ["digest", "preview", "1"])
    assert preview.exit_code == 0 and "Subject: Bandi per il Comune di Rho: 1 nuovo bando" in preview.output
    assert "No stuck deliveries" in runner.invoke(app, ["digest", "stuck"]).output
    assert runner.invoke(app, ["digest", "resolve", "99", "--sent"]).exit_code == 2


def test_every_command_has_help() -> None:
    for args in (
        ["digest"],
        ["digest", "preview"],
        ["digest", "stuck"],
        ["digest", "resolve"],
        ["subscriptions", "add"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and len(result.output) > 100


def test_comuni_are_resolved_tolerantly_with_suggestions(data_dir: Path) -> None:
    ok = runner.invoke(app, ["subscriptions", "add", "a@b.it", "--comune", "sesto s. giovanni", "--comune", "15146"])
    assert ok.exit_code == 0, ok.output
    wrong = runner.invoke(app, ["subscriptions", "add", "a@b.it", "--comune", "Sesto San Giovani"])
    assert wrong.exit_code == 2 and "did you mean Sesto San Giovanni" in wrong.output.replace("\n", " ")


def test_themes_are_taken_in_italian_refused_when_unknown_and_said_in_italian(data_dir: Path) -> None:
    wrong = runner.invoke(app, ["subscriptions", "add", "a@b.it", "--theme", "rigenerazione urbanistica"])
    assert wrong.exit_code == 2
    said = " ".join(wrong.output.split())
    assert "unknown theme 'rigenerazione urbanistica'" in said and "Rigenerazione urbana (urban_regeneration)" in said
    ok = runner.invoke(app, ["subscriptions", "add", "ufficio@comune.rho.mi.it", "--theme", "Sport"])
    assert ok.exit_code == 0, ok.output
    assert "Sport" in runner.invoke(app, ["subscriptions", "list"]).output
    engine = make_engine(f"sqlite:///{data_dir / 'cercabandi.sqlite3'}")
    with session_factory(engine)() as s:
        sub = s.scalars(select(Subscription)).one()
        assert (sub.themes, sub.min_score) == (["sport"], 0.1)
    engine.dispose()
    preview = runner.invoke(app, ["digest", "preview", "1"])
    assert "Subject: Bandi per il tema Sport: 1 nuovo bando" in preview.output  # the project has theme "sport"
    urban = runner.invoke(app, ["subscriptions", "update", "1", "--theme", "rigenerazione URBANA"])
    assert urban.exit_code == 0, urban.output
    with session_factory(engine)() as s:
        assert s.scalars(select(Subscription)).one().themes == ["urban_regeneration"]
    engine.dispose()


class _HoldingMailbox(Mailbox):
    """Keeps the first message in DATA until told to let go: a send that is slow to finish."""

    def __init__(self) -> None:
        super().__init__()
        self.receiving = threading.Event()
        self.let_go = threading.Event()

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.receiving.set()
        await asyncio.get_running_loop().run_in_executor(None, self.let_go.wait, 120)
        return await super().handle_DATA(server, session, envelope)


def _digest_process(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cercabandi", "digest"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        output, _ = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return process.returncode, output


def test_a_second_digest_process_does_not_call_a_delivery_in_progress_stuck(data_dir: Path) -> None:
    """Regression: while one ``digest`` was sending, a second one reported "1 stuck" and exited 1."""
    assert runner.invoke(app, ["subscriptions", "add", "ufficio@comune.rho.mi.it", "--comune", "rho"]).exit_code == 0
    mailbox = _HoldingMailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "CERCABANDI_SMTP_HOST": "127.0.0.1",
        "CERCABANDI_SMTP_PORT": str(port),
        "CERCABANDI_SMTP_STARTTLS": "false",
        "COLUMNS": "250",  # one table row per line
    }
    first = _digest_process(env)
    try:
        assert mailbox.receiving.wait(120), "the first digest never reached the mail server"
        second_code, second_out = _finish(_digest_process(env))  # runs while the first is still sending
    finally:
        mailbox.let_go.set()
        first_code, first_out = _finish(first)
        controller.stop()
    assert first_code == 0, first_out
    assert second_code == 0, second_out
    assert "being sent by another run" in second_out and " stuck " not in second_out, second_out
    assert "1 skipped" in second_out
    assert len(mailbox.messages) == 1
    assert "No stuck deliveries" in runner.invoke(app, ["digest", "stuck"]).output
