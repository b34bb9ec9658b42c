"""Load test of the review application: p50/p95 per page with concurrent clients, on loopback only.

Starts ``cercabandi web`` on a free 127.0.0.1 port against the database given, logs in
``--clients`` clients as a staff user (created with a random password if missing: the
script writes that user and its verdicts into the database, so point it at a copy or a
test database), then for each scenario lets every client request it in a loop for
``--seconds`` and prints the latency percentiles. Bounded: scenarios x seconds, plus start-up.

    python scripts/load_web.py --database-url sqlite:////tmp/real.db [--clients 8] [--seconds 10]
    python scripts/load_web.py --database-url postgresql+psycopg://user@127.0.0.1:5432/cercabandi
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cercabandi.db.models import User  # noqa: E402
from cercabandi.db.repo import users as users_repo  # noqa: E402
from cercabandi.db.session import make_engine, session_factory  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CALL_RE = re.compile(r'name="call_id" value="([^"]+)"')
USERNAME = "prova-carico"


@dataclass
class Scenario:
    name: str
    request: Callable[[httpx.Client, str], httpx.Response]


def ensure_user(database_url: str) -> str:
    """A staff user for the test, with a fresh random password (returned)."""
    password = secrets.token_urlsafe(18)
    engine = make_engine(database_url)
    with session_factory(engine)() as session, session.begin():
        user = session.query(User).filter_by(username=USERNAME).one_or_none()
        if user is None:
            users_repo.create_user(session, USERNAME, password, "staff", now=datetime.now(UTC))
        else:
            users_repo.set_password(session, user, password)
    engine.dispose()
    return password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CERCABANDI_DATABASE_URL": database_url,
        "CERCABANDI_SECRET_KEY": secrets.token_urlsafe(32),
        "CERCABANDI_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-m", "cercabandi", "web", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start within 60 s")


def logged_in(base: str, password: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    token = CSRF_RE.search(page.text)
    form = {"username": USERNAME, "password": password, "next": "/", "csrf_token": token.group(1) if token else ""}
    response = client.post("/login", data=form)
    if response.status_code != 303:
        raise SystemExit(f"login failed: HTTP {response.status_code}")
    home = client.get("/")
    token = CSRF_RE.search(home.text)
    return client, token.group(1) if token else ""


def scenarios(search: str) -> list[Scenario]:
    def review(client: httpx.Client, token: str) -> httpx.Response:
        triage = client.get("/triage?i=0")  # not timed: which call is first changes as verdicts land
        call = CALL_RE.search(triage.text)
        started = time.perf_counter()
        form = {"csrf_token": token, "call_id": call.group(1) if call else "", "tag": "relevant", "back": "call"}
        response = client.post("/review", data=form)
        response.elapsed_override = time.perf_counter() - started  # type: ignore[attr-defined]
        return response

    return [
        Scenario("/", lambda c, _t: c.get("/")),
        Scenario("/triage", lambda c, _t: c.get("/triage")),
        Scenario("/calls", lambda c, _t: c.get("/calls")),
        Scenario(f"/calls?q={search}", lambda c, _t: c.get("/calls", params={"q": search})),
        Scenario("POST /review", review),
    ]


def run_scenario(scenario: Scenario, clients: list[tuple[httpx.Client, str]], seconds: float) -> list[float]:
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(client: httpx.Client, token: str) -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = scenario.request(client, token)
            elapsed = getattr(response, "elapsed_override", time.perf_counter() - started)
            with lock:
                timings.append(elapsed)
                if response.status_code >= 400:
                    errors.append(str(response.status_code))

    threads = [threading.Thread(target=worker, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"  {scenario.name}: {len(errors)} errors ({', '.join(sorted(set(errors)))})", file=sys.stderr)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="the database to serve (it gets a test user)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--search", default="rigenerazione urbana", help="the words of the search scenario")
    args = parser.parse_args()

    password = ensure_user(args.database_url)
    port = free_port()
    server = start_server(args.database_url, port)
    try:
        clients = [logged_in(f"http://127.0.0.1:{port}", password) for _ in range(args.clients)]
        print(f"{args.clients} clients, {args.seconds:g} s per scenario, {args.database_url.split(':')[0]}")
        print(f"| {'request':<34} | {'requests':>8} | {'p50 ms':>7} | {'p95 ms':>7} |")
        print(f"|{'-' * 36}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|")
        for scenario in scenarios(args.search):
            timings = run_scenario(scenario, clients, args.seconds)
            p50, p95 = (percentile(timings, share) * 1000 for share in (0.5, 0.95))
            print(f"| {scenario.name:<34} | {len(timings):>8} | {p50:>7.0f} | {p95:>7.0f} |", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
