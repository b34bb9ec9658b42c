"""``match`` and ``run`` show their progress: live on a terminal, plain lines in a log.

The command runs in a subprocess as a person (a real pseudo-terminal) or cron (a pipe) runs it.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from cercabandi.core.models import utcnow
from cercabandi.db.repo.calls import upsert_call
from cercabandi.db.session import make_engine, session_factory
from cercabandi.flows.catalogue import DEMO_CATALOGUE
from cercabandi.flows.cli import main
from cercabandi.flows.commands._progress import LineDisplay, LiveDisplay, elapsed
from cercabandi.flows.progress import Step, listening, report
from tests.flows.factories import add_sources, funding_call
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[1]
# Anything but a newline below 0x20, and DEL: escape sequences, carriage returns, backspaces.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
TITLES = (
    "Bando per la rigenerazione urbana e sociale dei quartieri periferici",
    "Contributi per centri estivi e servizi educativi per l'infanzia",
    "Efficienza energetica degli edifici pubblici e comunità energetiche",
)


@pytest.fixture
def matched_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A data directory with the demo catalogue and three open calls; the environment of the commands."""
    data = tmp_path / "data"
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(data))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    for argv in (["db", "upgrade"], ["projects", "import", str(DEMO_CATALOGUE)]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code in (0, None)
    engine = make_engine(f"sqlite:///{data / 'cercabandi.sqlite3'}")
    now = utcnow()
    with session_factory(engine)() as session, session.begin():
        add_sources(session)
        for n, title in enumerate(TITLES):
            upsert_call(session, funding_call(native_id=f"R{n}", title=title, now=now), now=now)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS")}
    return {**env, "CERCABANDI_DATA_DIR": str(data), "TERM": "xterm-256color", "COLUMNS": "120"}


def _in_a_terminal(env: dict[str, str], *args: str, budget: float = 300) -> tuple[int, str]:
    """Run ``cercabandi ARGS`` with its output on a pseudo-terminal; its exit code and what it wrote."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cercabandi", *args], cwd=ROOT, env=env, stdout=slave, stderr=slave, stdin=slave
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + budget
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the process has ended
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        stop(process)  # terminate, then kill after a grace period
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def test_match_shows_plain_progress_lines_in_a_log(matched_world: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cercabandi", "match"],
        cwd=ROOT,
        env=matched_world,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "match: started, reading the open calls and the catalogue"
    assert "match: fitting the matcher on 3 open calls" in lines
    assert any(re.fullmatch(r"match: done in \d+\.\d s \(\d+ matches: \d+ new, 0 dropped out\)", x) for x in lines)
    assert any(line.startswith("Finished in ") for line in lines)
    assert "new matches" in done.stdout  # the summary at the end
    assert not CONTROL.search(done.stdout), repr(CONTROL.search(done.stdout))


def test_match_shows_a_live_display_on_a_terminal(matched_world: dict[str, str]) -> None:
    code, output = _in_a_terminal(matched_world, "match")
    assert code == 0, output[-3000:]
    assert "\x1b[" in output  # a live display, redrawn in place
    # The last state of the display stays on screen (brief steps may fall between two redraws).
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)
    assert re.search(r"match .*\d+ matches: \d+ new, 0 dropped out", screen), screen[-3000:]
    assert "new matches" in output and "Finished in " in output


def _events() -> Iterator[Step]:
    yield Step("prefect", "start", note="starting Prefect's temporary server")
    yield Step("crawl", "start", note="3 sources at a time")
    yield Step("crawl", "start", item="eu_sedia")
    yield Step("crawl", "update", item="eu_sedia", note="120 items", completed=120)
    yield Step("crawl", "done", item="eu_sedia", note="473 items, ok")
    yield Step("crawl", "start", item="it_padigitale")
    yield Step("crawl", "done", note="2 sources, 473 items")  # it_padigitale never said it ended
    yield Step("normalise", "start")
    yield Step("normalise", "start", item="eu_sedia", completed=0, total=473)
    yield Step("normalise", "update", item="eu_sedia", completed=200, total=473)
    yield Step("normalise", "done", item="eu_sedia", note="473 new, 0 changed")
    yield Step("normalise", "done", note="473 new")


class _Clock:
    """Each reading 1.5 s after the previous one."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.5
        return self.now


def test_plain_lines_for_every_stage_and_source_of_a_run() -> None:
    out = io.StringIO()
    display = LineDisplay(Console(file=out, width=60), clock=_Clock())
    for step in _events():
        display(step)
    display.close()
    assert out.getvalue().splitlines() == [
        "prefect: started, starting Prefect's temporary server",
        "prefect: done in 1.5 s",
        "crawl: started, 3 sources at a time",
        "crawl eu_sedia: started",
        "crawl eu_sedia: done in 1.5 s (473 items, ok)",
        "crawl it_padigitale: started",
        "crawl it_padigitale: done in 1.5 s",
        "crawl: done in 7.5 s (2 sources, 473 items)",
        "normalise: started",
        "normalise eu_sedia: started",
        "normalise eu_sedia: done in 1.5 s (473 new, 0 changed)",
        "normalise: done in 4.5 s (473 new)",
    ]
    assert not CONTROL.search(out.getvalue())


def test_the_live_display_keeps_one_row_per_stage_and_source() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True)
    from rich.progress import Progress, TextColumn

    with Progress(TextColumn("{task.description}"), TextColumn("{task.fields[note]}"), console=console) as bar:
        display = LiveDisplay(bar)
        for step in _events():
            display(step)
        display.close()
        rows = [(task.description, task.fields["note"], task.finished) for task in bar.tasks]
    assert rows == [
        ("[bold]prefect[/]", "done", True),
        ("[bold]crawl[/]", "2 sources, 473 items", True),
        ("  eu_sedia", "473 items, ok", True),
        ("  it_padigitale", "done", True),
        ("[bold]normalise[/]", "473 new", True),
        ("  eu_sedia", "473 new, 0 changed", True),
    ]


def test_nobody_listening_costs_nothing_and_listeners_nest() -> None:
    report("crawl", "start")  # no listener: nothing happens
    seen: list[Step] = []
    with listening(seen.append):
        report("match", "update", note="ranking")
    report("match", "done")
    assert seen == [Step("match", "update", note="ranking")]


@pytest.mark.parametrize(("seconds", "shown"), [(0.04, "0.0 s"), (12.34, "12.3 s"), (146, "2 min 26 s")])
def test_elapsed_reads_like_a_person_would_say_it(seconds: float, shown: str) -> None:
    assert elapsed(seconds) == shown
