"""How the long commands (``run``, ``match``) show progress: live on a terminal, plain lines in a log.

On a terminal a rich display shows every stage and, under it, every source with what it is
doing and for how long. When the output is a file or a pipe (cron, CI, ``| tee``), the same
events become one plain line each when a stage or a source starts and ends: no cursor movement,
no colours, no carriage returns, nothing that a log would show as garbage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from cercabandi.flows.progress import Step, listening

Key = tuple[str, str | None]  # (stage, source or None for the stage itself)


def elapsed(seconds: float) -> str:
    """``12.3 s`` or ``2 min 26 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


class _Stages:
    """What both displays share: stages run one after the other, sources inside a stage."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started: dict[Key, float] = {}

    def __call__(self, step: Step) -> None:
        key: Key = (step.stage, step.item)
        if step.event == "start" and step.item is None:
            for other in [k for k in self.started if k[0] != step.stage]:
                self.finish(other, "")  # the previous stage ended without saying so
        if step.event == "start" or key not in self.started:
            self.started[key] = self.clock()
            self.begin(key, step)
        if step.event == "update":
            self.update(key, step)
        elif step.event == "done":
            if step.item is None:
                for inner in [k for k in self.started if k[0] == step.stage and k[1] is not None]:
                    self.finish(inner, "")
            self.finish(key, step.note)

    def finish(self, key: Key, note: str) -> None:
        began = self.started.pop(key, None)
        if began is not None:
            self.end(key, note, self.clock() - began)

    def close(self) -> None:
        for key in list(self.started):
            self.finish(key, "")

    def begin(self, key: Key, step: Step) -> None:
        raise NotImplementedError

    def update(self, key: Key, step: Step) -> None:
        raise NotImplementedError

    def end(self, key: Key, note: str, seconds: float) -> None:
        raise NotImplementedError


def _label(key: Key) -> str:
    stage, item = key
    return f"{stage} {item}" if item else stage


class LineDisplay(_Stages):
    """One line per start and end of a stage or a source; updates only when a stage changes step."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self.console = console

    def _line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def begin(self, key: Key, step: Step) -> None:
        self._line(f"{_label(key)}: started" + (f", {step.note}" if step.note else ""))

    def update(self, key: Key, step: Step) -> None:
        if key[1] is None and step.note:  # "fitting the matcher ...": worth a line; item counts are not
            self._line(f"{_label(key)}: {step.note}")

    def end(self, key: Key, note: str, seconds: float) -> None:
        self._line(f"{_label(key)}: done in {elapsed(seconds)}" + (f" ({note})" if note else ""))


class LiveDisplay(_Stages):
    """A rich progress display: one row per stage and per source, kept on screen when finished."""

    def __init__(self, progress: Progress, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self.progress = progress
        self.tasks: dict[Key, TaskID] = {}

    def begin(self, key: Key, step: Step) -> None:
        name = f"  {key[1]}" if key[1] else f"[bold]{key[0]}[/]"
        if key in self.tasks:
            self.progress.reset(self.tasks[key], total=step.total, description=name, note=step.note)
            return
        self.tasks[key] = self.progress.add_task(name, total=step.total, note=step.note)

    def update(self, key: Key, step: Step) -> None:
        self.progress.update(self.tasks[key], completed=step.completed, total=step.total, note=step.note)

    def end(self, key: Key, note: str, seconds: float) -> None:
        task = self.tasks[key]
        total = self.progress.tasks[task].total
        self.progress.update(task, total=total or 1, completed=total or 1, note=note or "done")
        self.progress.stop_task(task)


@contextmanager
def show_progress(console: Console) -> Iterator[None]:
    """Show the progress of what runs inside, as fits the console, then the total time."""
    began = time.monotonic()
    if console.is_terminal:
        columns = (
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as bar:
            live = LiveDisplay(bar)
            with listening(live):
                try:
                    yield
                finally:
                    live.close()
    else:
        lines = LineDisplay(console)
        with listening(lines):
            try:
                yield
            finally:
                lines.close()
    console.print(f"Finished in {elapsed(time.monotonic() - began)}.", markup=False, highlight=False)
