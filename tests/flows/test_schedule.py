"""A real local Prefect server creates scheduled runs and a served deployment executes them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cercabandi.core.settings import Settings
from cercabandi.flows.schedule import local_prefect_server
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_scheduled_run_is_created_and_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path / "data"))
    settings = Settings()
    tick_file = tmp_path / "ticks.txt"
    # The scheduler service looks for due schedules every 2 s instead of every 60 s.
    fast = {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
    with local_prefect_server(settings, extra_env=fast) as api_url:
        assert (settings.prefect_home / "server.log").exists()
        env = {
            **os.environ,
            **settings.prefect_environment(),
            "PREFECT_API_URL": api_url,
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "TICK_FILE": str(tick_file),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "flows" / "tiny_scheduled.py")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            completed: list[dict] = []
            deadline = time.monotonic() + 240  # a busy 2-core machine is slow
            while not completed and time.monotonic() < deadline:
                time.sleep(2)
                response = httpx.post(
                    f"{api_url}/flow_runs/filter",
                    json={"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}},
                    timeout=10,
                )
                completed = [run for run in response.json() if run.get("auto_scheduled")]
        finally:
            stop(server)
    assert completed, "no scheduled run was created and completed within 240 s"
    assert completed[0]["deployment_id"] is not None
    assert tick_file.read_text(encoding="utf-8").strip()
