"""The normalise flow on a local Dask cluster (two worker processes) through prefect-dask."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cercabandi.db.models import Call, Quarantine
from cercabandi.flows import nightly
from cercabandi.flows.context import AppContext
from tests.flows.conftest import STAGES, night_listing
from tests.flows.fake_stages import crawl_sources

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_normalise_flow_on_a_dask_cluster(
    app: AppContext, tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect_dask import DaskTaskRunner

    # Worker processes import the tests' stage doubles by name, like they import cercabandi.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    listing = night_listing(tmp_path / "night", now)
    crawled = [
        nightly.summary_dict(s) for s in crawl_sources(app, ["lombardia_bandi", "it_incentivi"], replay_dir=listing)
    ]
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    )
    result = nightly.normalise_flow.with_options(task_runner=runner)(
        crawled=crawled, now=now, normaliser=STAGES["normaliser"]
    )
    assert sorted((r["source_id"], r["new"], r["quarantined"]) for r in result["sources"]) == [
        ("it_incentivi", 1, 0),
        ("lombardia_bandi", 2, 1),
    ]
    assert result["finish"]["duplicates"] == 1
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 3
        assert session.scalar(select(func.count()).select_from(Quarantine)) == 1
