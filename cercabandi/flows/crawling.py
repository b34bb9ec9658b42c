"""Crawl sources into the raw store and the database: the glue used by ``crawl`` and the flows.

For each source: open a crawl run, hand the spider the last stored record of each
call (so unchanged calls need no detail request), run the spider in its own
process (live, replayed or recorded), ingest its raw file, close the run with its
health. One failing source never stops the others. A replay directory is either in
the replay layout or a folder of the shared real captures (auto-detected); a source
with nothing recorded there is skipped, not crawled against an empty server.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from cercabandi.core.models import utcnow
from cercabandi.core.sources import SOURCES
from cercabandi.crawlers.replay import ReplayCatalogue, ReplayServer, catalogue_for, recorded_sources, serving
from cercabandi.crawlers.runner import DEFAULT_TIMEOUT, SpiderResult, run_spider
from cercabandi.db.models import CrawlRun
from cercabandi.db.repo import raw as raw_repo
from cercabandi.db.session import transaction

# progress(source, event, items): event is "start", "items" (while running) or "done".
Progress = Callable[[str, str, int], None]


@dataclass
class SourceSummary:
    """One source's crawl, as shown by ``crawl`` and the nightly run report."""

    source: str
    status: str  # ok | failing | failed | skipped
    complete: bool  # a full, healthy listing: only then may calls be marked missing
    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    fill_rates: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    crawl_run_id: int | None = None
    raw_path: Path | None = None
    log_path: Path | None = None
    seconds: float = 0.0


def spider_available(source_id: str) -> bool:
    return importlib.util.find_spec(f"cercabandi.crawlers.spiders.{source_id}") is not None


def resolve_sources(source_ids: Sequence[str] | None, *, replay_dir: Path | None = None) -> list[str]:
    """The sources to crawl: those asked for (checked), else every one with a spider (and a recording)."""
    if source_ids:
        unknown = [s for s in source_ids if s not in SOURCES]
        if unknown:
            raise ValueError(f"unknown source(s) {', '.join(unknown)}; known sources: {', '.join(SOURCES)}")
        return list(dict.fromkeys(source_ids))
    chosen = [s for s in SOURCES if spider_available(s)]
    if replay_dir is not None:
        recorded = set(recorded_sources(replay_dir))
        chosen = [s for s in chosen if s in recorded]
    return chosen


def crawl_sources(
    ctx: Any,
    source_ids: Sequence[str] | None = None,
    *,
    replay_dir: Path | None = None,
    record_dir: Path | None = None,
    run_key: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    http_cache: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[SourceSummary]:
    """Crawl ``source_ids`` (default: every source with a spider) one after the other.

    ``ctx`` is a ``flows.context.AppContext`` (settings, engine, sessions). ``now`` is
    the crawl's clock for the spiders (default: the current time).
    """
    if "crawl_runs" not in inspect(ctx.engine).get_table_names():
        raise RuntimeError("the database has no schema yet: run `cercabandi db upgrade` first")
    sources = resolve_sources(source_ids, replay_dir=replay_dir)
    raw_dir: Path = ctx.settings.raw_dir
    with transaction(ctx.sessions) as session:
        raw_repo.sync_sources(session)
    summaries: list[SourceSummary] = []
    catalogue: ReplayCatalogue | None = catalogue_for(replay_dir) if replay_dir else None
    replay: AbstractContextManager[ReplayServer | None] = (
        serving(catalogue=catalogue) if catalogue is not None else nullcontext()
    )
    with replay as server:
        for source in sources:
            if catalogue is not None and source not in catalogue.sources:
                summaries.append(_not_recorded(source, replay_dir, progress))
                continue
            summaries.append(
                _crawl_one(
                    ctx,
                    source,
                    raw_dir=raw_dir,
                    replay_url=server.url if server else None,
                    record_dir=record_dir,
                    run_key=run_key,
                    now=now,
                    progress=progress,
                    http_cache=http_cache,
                    timeout=timeout,
                )
            )
    return summaries


def _not_recorded(source: str, replay_dir: Path | None, progress: Progress | None) -> SourceSummary:
    if progress:
        progress(source, "start", 0)
        progress(source, "done", 0)
    return SourceSummary(source, "skipped", False, problems=[f"nothing recorded for {source} in {replay_dir}"])


def _crawl_one(
    ctx: Any,
    source: str,
    *,
    raw_dir: Path,
    replay_url: str | None,
    record_dir: Path | None,
    run_key: str | None,
    now: datetime | None,
    progress: Progress | None,
    http_cache: bool,
    timeout: float,
) -> SourceSummary:
    started = utcnow()
    if progress:
        progress(source, "start", 0)
    if not spider_available(source):
        if progress:
            progress(source, "done", 0)
        return SourceSummary(source, "skipped", False, problems=[f"no spider for {source} in this installation"])
    with transaction(ctx.sessions) as session:
        run = raw_repo.start_crawl_run(session, source, started_at=started, run_key=run_key, replay=bool(replay_url))
        run_id = run.id
        known = raw_repo.write_known_state(session, source, raw_dir / source / f".known-{run_id}.json")

    result: SpiderResult | None = None
    failure: str | None = None
    try:
        result = run_spider(
            source,
            raw_dir=raw_dir,
            contact_email=ctx.settings.contact_email,
            replay_url=replay_url,
            record_dir=record_dir,
            spider_args={"now": (now or started).isoformat(), "known": str(known)},
            http_cache_dir=(ctx.settings.data_dir / "httpcache") if http_cache else None,
            timeout=timeout,
            progress=(lambda n: progress(source, "items", n)) if progress else None,
            started_at=started,
        )
    except Exception as exc:  # the runner itself broke (disk full, ...): report, go on with others
        failure = f"could not run the spider: {exc}"
    finally:
        known.unlink(missing_ok=True)

    ingest: raw_repo.IngestResult | None = None
    problems = list(result.problems) if result else [failure or "unknown failure"]
    if result is not None and result.ok:
        try:
            with transaction(ctx.sessions) as session:
                run = session.get_one(CrawlRun, run_id)
                ingest = raw_repo.ingest_raw_file(session, run, result.path)
                raw_repo.finish_crawl_run(
                    session,
                    run,
                    finished_at=utcnow(),
                    ingest=ingest,
                    errors=result.errors,
                    process_ok=True,
                    listing_complete=result.listing_complete,
                    problems=problems,
                )
                summary = _summary(run, result, started)
        except Exception as exc:
            ingest = None
            problems.append(f"could not store the crawled records: {exc}")
        else:
            if progress:
                progress(source, "done", summary.items)
            return summary
    with transaction(ctx.sessions) as session:
        run = session.get_one(CrawlRun, run_id)
        raw_repo.finish_crawl_run(
            session,
            run,
            finished_at=utcnow(),
            ingest=None,
            errors=result.errors if result else 1,
            process_ok=False,
            listing_complete=False,
            problems=problems,
        )
        summary = _summary(run, result, started)
        summary.items = result.items if result else 0
    if progress:
        progress(source, "done", summary.items)
    return summary


def _summary(run: Any, result: SpiderResult | None, started: datetime) -> SourceSummary:
    return SourceSummary(
        source=run.source_id,
        status=run.status,
        complete=run.complete,
        items=run.items,
        new=run.new,
        changed=run.changed,
        errors=run.errors,
        fill_rates=dict(run.fill_rates or {}),
        problems=list(run.problems or []),
        crawl_run_id=run.id,
        raw_path=result.path if result else None,
        log_path=result.log_path if result else None,
        seconds=(utcnow() - started).total_seconds(),
    )
