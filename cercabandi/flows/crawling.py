"""Crawl sources into the raw store and the database: the glue used by ``crawl`` and the flows.

For each source: open a crawl run, hand the spider the last stored record of each
call (so unchanged calls need no detail request), run the spider in its own
process (live, replayed or recorded), ingest its raw file, close the run with its
health. Spiders run a few at a time (``crawl_jobs``, one process each, different
hosts); the database work stays sequential and in source order. One failing source
never stops the others. A replay directory is either in
the replay layout or a folder of the shared real captures (auto-detected); a source
with nothing recorded there is skipped, not crawled against an empty server.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from cercabandi.core.models import utcnow
from cercabandi.core.sources import SOURCES
from cercabandi.crawlers.replay import ReplayCatalogue, ReplayServer, serving
from cercabandi.crawlers.runner import DEFAULT_TIMEOUT, SpiderResult, run_spider
from cercabandi.db.models import CrawlRun
from cercabandi.db.repo import raw as raw_repo
from cercabandi.db.session import transaction, write_lock
from cercabandi.flows.replaying import catalogue_for, recorded_sources

DEFAULT_JOBS = 3  # spider processes at once (the crawl_jobs setting)

# progress(source, event, items): event is "start", "items" (while running) or "done".
Progress = Callable[[str, str, int], None]


@dataclass
class SourceSummary:
    """One source's crawl, as shown by ``crawl`` and the nightly run report."""

    source: str
    status: str  # ok | degraded | failing | failed | skipped
    complete: bool  # a full, healthy listing: only then may calls be marked missing
    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    fallbacks: int = 0  # items read by the generic fallback (the layout drifted)
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
    jobs: int | None = None,
) -> list[SourceSummary]:
    """Crawl ``source_ids`` (default: every source with a spider), ``jobs`` spiders at a time.

    ``ctx`` is a ``flows.context.AppContext`` (settings, engine, sessions). ``now`` is
    the crawl's clock for the spiders (default: the current time). ``jobs`` (default:
    the ``crawl_jobs`` setting) bounds the spider processes running at once; sources
    are different hosts, so each host still sees one polite crawler. The database
    work stays in this thread and in source order: crawl runs are opened in that
    order and each source is ingested after the ones before it, so the summaries
    and the stored results do not depend on which spider finished first.
    """
    if "crawl_runs" not in inspect(ctx.engine).get_table_names():
        raise RuntimeError("the database has no schema yet: run `cercabandi db upgrade` first")
    sources = resolve_sources(source_ids, replay_dir=replay_dir)
    jobs = max(1, jobs or int(getattr(ctx.settings, "crawl_jobs", DEFAULT_JOBS)))
    with write_lock, transaction(ctx.sessions) as session:
        raw_repo.sync_sources(session)
    catalogue: ReplayCatalogue | None = catalogue_for(replay_dir) if replay_dir else None
    replay: AbstractContextManager[ReplayServer | None] = (
        serving(catalogue=catalogue) if catalogue is not None else nullcontext()
    )
    options = _Options(
        raw_dir=ctx.settings.raw_dir,
        record_dir=record_dir,
        run_key=run_key,
        now=now,
        progress=progress,
        http_cache=http_cache,
        timeout=timeout,
    )
    summaries, crawls = _plan(sources, catalogue, replay_dir, progress)
    with replay as server, ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="crawl") as pool:
        options.replay_url = server.url if server else None
        _crawl_in_order(ctx, pool, crawls, summaries, options, jobs)
    return [summary for summary in summaries if summary is not None]


def _plan(
    sources: Sequence[str], catalogue: ReplayCatalogue | None, replay_dir: Path | None, progress: Progress | None
) -> tuple[list[SourceSummary | None], list[tuple[int, str]]]:
    """A summary slot per source, the skipped ones filled; the (index, source) pairs to crawl."""
    summaries: list[SourceSummary | None] = [None] * len(sources)
    crawls: list[tuple[int, str]] = []
    for index, source in enumerate(sources):
        if catalogue is not None and source not in catalogue.sources:
            summaries[index] = _skipped(source, f"nothing recorded for {source} in {replay_dir}", progress)
        elif not spider_available(source):
            summaries[index] = _skipped(source, f"no spider for {source} in this installation", progress)
        else:
            crawls.append((index, source))
    return summaries, crawls


def _crawl_in_order(
    ctx: Any,
    pool: ThreadPoolExecutor,
    crawls: Sequence[tuple[int, str]],
    summaries: list[SourceSummary | None],
    options: _Options,
    jobs: int,
) -> None:
    """Run up to ``jobs`` spiders at once; open and close their runs in source order."""
    started: dict[int, tuple[_Crawl, Future[_Outcome]]] = {}
    waiting = list(crawls)

    def start_more() -> None:
        # Open the next crawl runs (in source order) while fewer than ``jobs`` spiders run.
        running = sum(1 for _, future in started.values() if not future.done())
        while waiting and running < jobs:
            index, source = waiting.pop(0)
            crawl = _open_run(ctx, source, options)
            started[index] = (crawl, pool.submit(_run, ctx, crawl, options))
            running += 1

    for index, _source in crawls:
        start_more()
        while index not in started or not started[index][1].done():
            active = [future for _, future in started.values() if not future.done()]
            wait(active, return_when=FIRST_COMPLETED)
            start_more()
        crawl, future = started[index]
        summaries[index] = _close_run(ctx, crawl, future.result(), options)


@dataclass
class _Options:
    """What every source's crawl of one ``crawl_sources`` call shares."""

    raw_dir: Path
    record_dir: Path | None
    run_key: str | None
    now: datetime | None
    progress: Progress | None
    http_cache: bool
    timeout: float
    replay_url: str | None = None


@dataclass
class _Crawl:
    """One source's open crawl run: what the spider process needs and the ingest after it."""

    source: str
    run_id: int
    started: datetime
    known: Path


@dataclass
class _Outcome:
    result: SpiderResult | None
    failure: str | None


def _skipped(source: str, reason: str, progress: Progress | None) -> SourceSummary:
    if progress:
        progress(source, "start", 0)
        progress(source, "done", 0)
    return SourceSummary(source, "skipped", False, problems=[reason])


def _open_run(ctx: Any, source: str, options: _Options) -> _Crawl:
    started = utcnow()
    if options.progress:
        options.progress(source, "start", 0)
    with write_lock, transaction(ctx.sessions) as session:
        run = raw_repo.start_crawl_run(
            session, source, started_at=started, run_key=options.run_key, replay=bool(options.replay_url)
        )
        run_id = run.id
        known = raw_repo.write_known_state(session, source, options.raw_dir / source / f".known-{run_id}.json")
    return _Crawl(source, run_id, started, known)


def _run(ctx: Any, crawl: _Crawl, options: _Options) -> _Outcome:
    """The spider process of one source (in a worker thread); never raises."""
    progress = options.progress
    source = crawl.source
    try:
        result = run_spider(
            source,
            raw_dir=options.raw_dir,
            contact_email=ctx.settings.contact_email,
            replay_url=options.replay_url,
            record_dir=options.record_dir,
            spider_args={"now": (options.now or crawl.started).isoformat(), "known": str(crawl.known)},
            http_cache_dir=(ctx.settings.data_dir / "httpcache") if options.http_cache else None,
            timeout=options.timeout,
            progress=(lambda n: progress(source, "items", n)) if progress else None,
            started_at=crawl.started,
        )
    except Exception as exc:  # the runner itself broke (disk full, ...): report, go on with others
        return _Outcome(None, f"could not run the spider: {exc}")
    finally:
        crawl.known.unlink(missing_ok=True)
    return _Outcome(result, None)


def _close_run(ctx: Any, crawl: _Crawl, outcome: _Outcome, options: _Options) -> SourceSummary:
    """Ingest the spider's raw file and close the crawl run with its health."""
    result, started, run_id = outcome.result, crawl.started, crawl.run_id
    problems = list(result.problems) if result else [outcome.failure or "unknown failure"]
    if result is not None and result.ok:
        try:
            with write_lock, transaction(ctx.sessions) as session:
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
                summary.fallbacks = ingest.fallbacks
        except Exception as exc:
            problems.append(f"could not store the crawled records: {exc}")
        else:
            if options.progress:
                options.progress(crawl.source, "done", summary.items)
            return summary
    with write_lock, transaction(ctx.sessions) as session:
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
    if options.progress:
        options.progress(crawl.source, "done", summary.items)
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
