"""Progress of the long stages, reported to whoever listens in this process.

The stages say what they are doing (``report("crawl", "start", item="eu_sedia")``); the command
line decides how to show it (a live display on a terminal, plain lines in a log). Nobody listens
by default, so a flow run on a Prefect worker or a Dask process reports into the void at no cost.

Why a process-wide listener rather than an argument: Prefect flows take only serialisable
parameters (they are stored with the flow run), and the tasks of one flow run in threads of the
same process, so a listener set by the command around the flow call sees every task's events.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, Protocol

Event = Literal["start", "update", "done"]


@dataclass(frozen=True)
class Step:
    """One event of a stage (``item``: a source, or None for the stage as a whole)."""

    stage: str
    event: Event
    item: str | None = None
    note: str = ""  # what is happening now ("fitting on 2,139 calls") or the outcome ("473 items")
    completed: int | None = None
    total: int | None = None


class Listener(Protocol):
    def __call__(self, step: Step) -> None: ...


_listener: Listener | None = None
_lock = threading.Lock()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the progress of everything run inside this block to ``listener`` (one at a time)."""
    global _listener
    previous = _listener
    _listener = listener
    try:
        yield
    finally:
        _listener = previous


def report(
    stage: str,
    event: Event,
    *,
    item: str | None = None,
    note: str = "",
    completed: int | None = None,
    total: int | None = None,
) -> None:
    """Tell the listener, if any; events from concurrent tasks reach it one at a time."""
    listener = _listener
    if listener is None:
        return
    with _lock:
        listener(Step(stage, event, item, note, completed, total))
