"""``crawl --check``: which selectors do the real sites still honour? One listing and one call page per source.

Each source's spider runs in check mode (spider argument ``check=yes``): it reads the first page
of its listing and one call page, politely (one request at a time, the spider's own delay, no
retries beyond one, no PDFs), and writes into a throw-away folder, never into the raw store or the
database. What comes back per source: whether the site answered, how many entries the listing page
had, which fields the record read has filled, and whether the generic fallback had to read it.
With ``replay_dir`` the same runs against recorded pages (offline: that is how it is tested); with
``record_dir`` the pages fetched are kept as a small real sample of every source.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cercabandi.crawlers.base import FALLBACKS, LISTED
from cercabandi.crawlers.replay import ReplayServer, serving
from cercabandi.crawlers.runner import SpiderResult, run_spider
from cercabandi.db.repo.raw import FILL_FIELDS, fill_rates, read_raw_file
from cercabandi.flows.crawling import resolve_sources
from cercabandi.flows.replaying import catalogue_for

CHECK_TIMEOUT = 180.0  # seconds per source: two or three pages, slowly
CHECK_SETTINGS: dict[str, Any] = {
    "CONCURRENT_REQUESTS": 1,
    "RETRY_TIMES": 1,
    "CLOSESPIDER_ITEMCOUNT": 1,
    "CLOSESPIDER_TIMEOUT": 150,
    "HTTPCACHE_ENABLED": False,
}


@dataclass
class SourceCheck:
    """What one source's live check found."""

    source: str
    reachable: bool
    listed: int  # entries on the first listing page (links to calls, or records)
    fields: list[str] = field(default_factory=list)  # fields filled in the record read
    fallback: bool = False  # the record was read by the generic fallback (the layout drifted)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.reachable and self.listed > 0 and bool(self.fields) and not self.fallback


def summarise_check(source: str, result: SpiderResult) -> SourceCheck:
    """A check's findings from the spider's raw file and stats."""
    stats = result.stats
    answered = sum(int(v) for k, v in stats.items() if k.startswith("downloader/response_status_count/2"))
    calls = list(read_raw_file(result.path)) if result.path.exists() else []
    rates = fill_rates(calls)
    listed = stats.get(LISTED, stats.get("cercabandi/listing_records", stats.get("item_scraped_count", 0)))
    fallback = bool(stats.get(FALLBACKS)) or any(c.extra.get("extraction") == "fallback" for c in calls)
    return SourceCheck(
        source=source,
        reachable=answered > 0,
        listed=int(listed or 0),
        fields=[name for name in FILL_FIELDS if rates.get(name, 0.0) > 0],
        fallback=fallback,
        # Stopping after the first record is what a check asks for; its logs go with the throw-away folder.
        problems=[p.split(": see ")[0] for p in result.problems if "closespider_itemcount" not in p],
    )


def check_one(
    source: str,
    *,
    folder: Path,
    contact_email: str,
    replay_url: str | None,
    record_dir: Path | None,
    now: datetime,
    timeout: float,
) -> SourceCheck:
    result = run_spider(
        source,
        raw_dir=folder,
        contact_email=contact_email,
        replay_url=replay_url,
        record_dir=record_dir,
        spider_args={"now": now.isoformat(), "check": "yes", "pdfs": "no", "max_pages": "1"},
        settings=CHECK_SETTINGS,
        timeout=timeout,
    )
    return summarise_check(source, result)


def check_sources(
    source_ids: Sequence[str] | None,
    *,
    contact_email: str,
    replay_dir: Path | None = None,
    record_dir: Path | None = None,
    now: datetime | None = None,
    jobs: int = 3,
    timeout: float = CHECK_TIMEOUT,
) -> list[SourceCheck]:
    """Check ``source_ids`` (default: every source with a spider), ``jobs`` hosts at a time, in source order.

    With ``record_dir`` the pages fetched are also written there in the replay layout: a small real
    sample of every source, which the tests replay when present (``tests/crawlers/test_live_sample.py``).
    """
    sources = resolve_sources(source_ids, replay_dir=replay_dir)
    replay: AbstractContextManager[ReplayServer | None] = (
        serving(catalogue=catalogue_for(replay_dir)) if replay_dir else nullcontext()
    )
    moment = now or datetime.now(UTC)
    with replay as server, tempfile.TemporaryDirectory(prefix="cercabandi-check-") as folder:
        url = server.url if server else None
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="check") as pool:
            futures = [
                pool.submit(
                    check_one,
                    source,
                    folder=Path(folder),
                    contact_email=contact_email,
                    replay_url=url,
                    record_dir=record_dir,
                    now=moment,
                    timeout=timeout,
                )
                for source in sources
            ]
            return [future.result() for future in futures]
