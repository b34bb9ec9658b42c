"""The demo chain on the shipped recordings, twice: real crawlers (replay) and normalisation, then 0 new / 0 changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cercabandi.core.models import utcnow
from cercabandi.db.models import Call, CallVersion, Project
from cercabandi.flows.context import AppContext
from cercabandi.flows.demo import DEMO_RECORDINGS, prepare
from cercabandi.flows.nightly import nightly_flow


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_demo_chain_twice(app: AppContext) -> None:
    now = utcnow()  # the recordings hold real-looking future deadlines relative to today
    prepared = prepare(app, now=now)
    assert prepared.projects > 0
    first = nightly_flow(replay_dir=str(DEMO_RECORDINGS), now=now, digest_dry_run=True)
    assert not [line for line in first.sources if line.failing]
    assert first.totals["new"] > 0 and first.totals["items"] >= first.totals["new"]
    with app.sessions() as session:
        calls = session.scalar(select(func.count()).select_from(Call))
        versions = session.scalar(select(func.count()).select_from(CallVersion))
        assert session.scalar(select(func.count()).select_from(Project)) == prepared.projects

    prepare(app, now=now + timedelta(minutes=5))
    second = nightly_flow(replay_dir=str(DEMO_RECORDINGS), now=now + timedelta(minutes=5), digest_dry_run=True)
    assert (second.totals["new"], second.totals["changed"], second.totals["quarantined"]) == (0, 0, 0)
    assert second.totals["items"] == first.totals["items"]
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == calls
        assert session.scalar(select(func.count()).select_from(CallVersion)) == versions
