"""Run one spider in its own ``scrapy crawl`` process and collect what it produced.

A subprocess per crawl avoids Twisted's ``ReactorNotRestartable`` (a second crawl
in one process fails, also inside a Prefect flow), costs under a second, and
keeps a crashing spider from taking the caller down. The child runs the same
code as the caller: ``sys.executable``, the caller's ``PYTHONPATH`` and cwd.

Output goes to the raw store: ``<raw_dir>/<source>/<UTC timestamp>.jsonl``, a new
file per run, never overwritten; the log and the Scrapy stats sit beside it
(``.log``, ``.stats.json``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cercabandi
from cercabandi.crawlers import settings as crawler_settings
from cercabandi.crawlers.base import ERRORS, LISTING_INCOMPLETE

DEFAULT_TIMEOUT = 3 * 3600.0
PACKAGE_ROOT = Path(cercabandi.__file__).resolve().parent.parent


@dataclass
class SpiderResult:
    """What one spider run produced. ``ok`` means the process finished normally."""

    source: str
    path: Path  # the JSONL file of the raw store
    items: int
    dropped: int
    errors: int
    stats: dict[str, Any]
    ok: bool
    returncode: int | None
    started_at: datetime
    finished_at: datetime
    log_path: Path
    listing_complete: bool = True
    problems: list[str] = field(default_factory=list)


def raw_file(raw_dir: Path, source: str, started_at: datetime) -> Path:
    """A new raw store file for a run; an existing name gets a numeric suffix, never overwritten."""
    stamp = started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = raw_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    candidate = folder / f"{stamp}.jsonl"
    number = 1
    while candidate.exists():
        candidate = folder / f"{stamp}-{number}.jsonl"
        number += 1
    return candidate


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def _setting_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_spider(
    source: str,
    *,
    raw_dir: Path,
    contact_email: str,
    replay_url: str | None = None,
    record_dir: Path | None = None,
    spider_args: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
    http_cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[int], None] | None = None,
    started_at: datetime | None = None,
) -> SpiderResult:
    """Crawl ``source`` with its spider in a child process; never raises for a failing spider.

    ``progress`` is called about twice a second with the number of items written so far.
    ``http_cache_dir`` switches Scrapy's HTTP cache on (development only).
    """
    started_at = started_at or datetime.now(UTC)
    output = raw_file(raw_dir, source, started_at)
    stats_path = output.with_suffix(".stats.json")
    log_path = output.with_suffix(".log")
    overrides: dict[str, Any] = {
        "USER_AGENT": crawler_settings.user_agent(contact_email),
        "CERCABANDI_OUTPUT": str(output),
        "CERCABANDI_STATS_FILE": str(stats_path),
        "LOG_FILE": str(log_path),
    }
    overrides.update(_mode_overrides(replay_url, record_dir, http_cache_dir))
    overrides.update(settings or {})
    problems: list[str] = []
    with log_path.open("a", encoding="utf-8") as console_log:
        command, env = _command(source, spider_args or {}, overrides)
        process = subprocess.Popen(command, env=env, stdout=console_log, stderr=subprocess.STDOUT)
        returncode = _wait(process, output, timeout, progress, problems)
    output.touch(exist_ok=True)  # a crawl that died early still leaves its (empty) raw file
    items = _count_lines(output)
    if progress is not None:
        progress(items)
    stats: dict[str, Any] = {}
    if stats_path.exists():
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    elif returncode is not None:
        problems.append(f"the spider process ended (exit code {returncode}) without writing its stats: see {log_path}")
    return _result(source, output, items, stats, returncode, started_at, log_path, problems)


def _mode_overrides(replay_url: str | None, record_dir: Path | None, http_cache_dir: Path | None) -> dict[str, Any]:
    """Settings for replaying recorded responses, recording them, or caching HTTP (development)."""
    overrides: dict[str, Any] = {}
    if replay_url:
        overrides.update(crawler_settings.replay_overrides())
        overrides["CERCABANDI_REPLAY_URL"] = replay_url
    if record_dir is not None:
        overrides.update(crawler_settings.record_overrides())
        overrides["CERCABANDI_RECORD_DIR"] = str(record_dir.resolve())
    if http_cache_dir is not None and not replay_url:
        overrides.update({"HTTPCACHE_ENABLED": True, "HTTPCACHE_DIR": str(http_cache_dir.resolve())})
    return overrides


def _command(
    source: str, spider_args: Mapping[str, str], overrides: Mapping[str, Any]
) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, "-m", "scrapy", "crawl", source]
    for key, value in spider_args.items():
        command += ["-a", f"{key}={value}"]
    for key, value in overrides.items():
        command += ["-s", f"{key}={_setting_value(value)}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "cercabandi.crawlers.settings"}
    # The child imports our code from the same place as we do (a worktree, not the installed copy).
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(PACKAGE_ROOT), env.get("PYTHONPATH", "")] if p)
    return command, env


def _wait(
    process: subprocess.Popen[bytes],
    output: Path,
    timeout: float,
    progress: Callable[[int], None] | None,
    problems: list[str],
) -> int | None:
    """The child's exit code, or None when it was killed for running past ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            if progress is not None:
                progress(_count_lines(output))
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                problems.append(f"killed after {timeout:.0f} s: the spider did not finish in time")
                return None


def _result(
    source: str,
    output: Path,
    items: int,
    stats: dict[str, Any],
    returncode: int | None,
    started_at: datetime,
    log_path: Path,
    problems: list[str],
) -> SpiderResult:
    finish_reason = stats.get("finish_reason")
    if returncode not in (0, None):
        problems.append(f"scrapy exited with code {returncode}: see {log_path}")
    if finish_reason and finish_reason != "finished":
        problems.append(f"the spider stopped early ({finish_reason}): see {log_path}")
    errors = int(stats.get(ERRORS, 0))
    spider_exceptions = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))
    errors += spider_exceptions + int(stats.get("cercabandi/dropped", 0))
    if stats.get(LISTING_INCOMPLETE):
        problems.append(f"listing incomplete: {stats[LISTING_INCOMPLETE]}")
    ok = returncode == 0 and finish_reason == "finished"
    return SpiderResult(
        source=source,
        path=output,
        items=items,
        dropped=int(stats.get("cercabandi/dropped", 0)),
        errors=errors,
        stats=stats,
        ok=ok,
        returncode=returncode,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        log_path=log_path,
        listing_complete=ok and not stats.get(LISTING_INCOMPLETE) and spider_exceptions == 0,
        problems=problems,
    )
