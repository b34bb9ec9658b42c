"""Scheduling the nightly flow: a real Prefect server and ``serve`` with a cron schedule.

Prefect's temporary server never fires cron schedules, so when no ``PREFECT_API_URL`` is
configured, ``local_prefect_server`` starts ``prefect server start`` on loopback with its
state (SQLite database, logs) under the data directory, and stops it on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx

from cercabandi.core.settings import Settings

DEFAULT_DEPLOYMENT = "nightly"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerFailed(RuntimeError):
    pass


@contextmanager
def local_prefect_server(
    settings: Settings,
    *,
    port: int | None = None,
    startup_timeout: float = 180.0,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run a local Prefect server (state in ``<data dir>/prefect``); yields its API URL.

    The child runs the same Python; its log is ``<data dir>/prefect/server.log``.
    """
    port = port or free_port()
    home = settings.prefect_home
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **settings.prefect_environment(),
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_ENABLED": "false",
        **(extra_env or {}),
    }
    env.pop("PREFECT_API_URL", None)  # the server itself must not point at another API
    url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"the Prefect server exited with code {process.returncode}: see {log_path}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"the Prefect server did not answer within {startup_timeout:.0f} s: see {log_path}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_flow(
    flow: Any,
    *,
    name: str = DEFAULT_DEPLOYMENT,
    cron: str | None = None,
    timezone: str = "Europe/Rome",
    interval: timedelta | None = None,
    parameters: dict[str, Any] | None = None,
) -> None:
    """Serve ``flow`` as a deployment on a schedule until interrupted (needs PREFECT_API_URL)."""
    from prefect import serve
    from prefect.schedules import Cron, Interval

    if (cron is None) == (interval is None):
        raise ValueError("give exactly one of cron or interval")
    if cron is not None:
        schedule = Cron(cron, timezone=timezone)
    else:
        assert interval is not None
        schedule = Interval(interval, timezone=timezone)
    deployment = flow.to_deployment(name=name, schedules=[schedule], parameters=parameters or {})
    serve(deployment, print_starting_message=True)
