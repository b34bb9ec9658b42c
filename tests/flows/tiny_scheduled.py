"""A tiny flow served on a short schedule by test_schedule.py (run in a child process)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect import flow

from cercabandi.flows.schedule import serve_flow


@flow(name="tick")
def tick() -> str:
    stamp = datetime.now(UTC).isoformat()
    with Path(os.environ["TICK_FILE"]).open("a", encoding="utf-8") as handle:
        handle.write(stamp + "\n")
    return stamp


if __name__ == "__main__":
    serve_flow(tick, name="tick-every-5s", interval=timedelta(seconds=5), timezone="Europe/Rome")
