"""Prefect flows: crawl, normalise, match, digest, and the nightly flow that composes them.

Flows only compose; tasks sit at the I/O boundaries and call plain functions
(``crawling.crawl_sources``, ``normalising.normalise_source``, ``matching_step.match_all``,
the digest service), so removing the decorators would leave working code. Tasks exchange
ids, paths and small dictionaries, never sessions or big objects; they read settings
passed in and open their own database sessions, so they also run on Dask workers.

Only the crawl task retries, and only when a crawl failed outright (network, process):
a source that answers but looks wrong is "failing" and reported, not retried. A source
that fails never fails the others.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy import inspect

from cercabandi.core.models import utcnow
from cercabandi.core.settings import Settings
from cercabandi.core.sources import SOURCES
from cercabandi.db.repo.raw import sync_sources
from cercabandi.db.session import transaction
from cercabandi.flows.context import AppContext
from cercabandi.flows.matching_step import DEFAULT_K, DEFAULT_MATCHER, match_all
from cercabandi.flows.normalising import (
    DEFAULT_NORMALISER,
    StageMissing,
    finish_normalisation,
    load_callable,
    normalise_source,
    sources_with_raw_records,
)
from cercabandi.flows.progress import report
from cercabandi.flows.report import RunReport, build_report

CRAWLER = "cercabandi.flows.crawling:crawl_sources"
DIGESTER = "cercabandi.digest.service:run_digests"
CRAWL_JOBS = Settings.model_fields["crawl_jobs"].default  # the crawl flow's pool when called on its own

_contexts: dict[str, AppContext] = {}


def context_for(settings: Settings) -> AppContext:
    """One engine per database and process (tasks may run in threads or Dask workers)."""
    key = settings.resolved_database_url
    if key not in _contexts:
        _contexts[key] = AppContext(settings=settings)
    return _contexts[key]


class CrawlFailed(RuntimeError):
    """A crawl that did not complete (network error, crashed spider): worth a retry."""


# ------------------------------------------------------------------------- crawl


def summary_dict(summary: Any) -> dict[str, Any]:
    """The crawl glue's per-source summary as a small dictionary (tolerant of field names)."""

    def pick(*names: str, default: Any = None) -> Any:
        for name in names:
            value = summary.get(name) if isinstance(summary, dict) else getattr(summary, name, None)
            if value is not None:
                return value
        return default

    path = pick("path", "raw_path", "output")
    return {
        "source": str(pick("source_id", "source")),
        "crawl_run_id": pick("crawl_run_id", "run_id"),
        "path": str(path) if path else None,
        "items": int(pick("items", default=0)),
        "new": int(pick("new", default=0)),
        "changed": int(pick("changed", default=0)),
        "status": str(pick("status", default="failed")),
        "complete": bool(pick("complete", default=False)),
        "problems": [str(p) for p in pick("problems", default=[])],
    }


def crawl_one(
    settings: Settings, source_id: str, *, replay_dir: str | None, run_key: str | None, crawler: str = CRAWLER
) -> dict[str, Any]:
    crawl_sources = load_callable(crawler)
    report("crawl", "start", item=source_id)
    summaries = crawl_sources(
        context_for(settings),
        [source_id],
        replay_dir=Path(replay_dir) if replay_dir else None,
        run_key=run_key,
        progress=_crawl_progress,
    )
    result = summary_dict(summaries[0])
    report("crawl", "done", item=source_id, note=f"{result['items']} items, {result['status']}")
    if result["status"] == "failed":
        raise CrawlFailed(f"{source_id}: crawl failed: {'; '.join(result['problems']) or 'no reason given'}")
    return result


def _crawl_progress(source: str, event: str, items: int) -> None:
    """The crawl glue's item counts as progress (its start and end are reported by ``crawl_one``)."""
    if event == "items":
        report("crawl", "update", item=source, note=f"{items} items", completed=items)


@task(name="crawl-source", retries=2, retry_delay_seconds=[30, 120], cache_policy=NO_CACHE)
def crawl_source_task(
    settings: Settings, source_id: str, replay_dir: str | None, run_key: str | None, crawler: str = CRAWLER
) -> dict[str, Any]:
    return crawl_one(settings, source_id, replay_dir=replay_dir, run_key=run_key, crawler=crawler)


# A few sources at a time, like the crawl command: each crawl is its own Scrapy process on its
# own host; the crawl glue serialises the database work of the threads (SQLite has one writer).
# ``nightly_flow`` sizes the pool from the ``crawl_jobs`` setting.
@flow(name="crawl", task_runner=ThreadPoolTaskRunner(max_workers=CRAWL_JOBS))  # type: ignore[arg-type]
def crawl_flow(
    source_ids: list[str] | None = None,
    replay_dir: str | None = None,
    run_key: str | None = None,
    crawler: str = CRAWLER,
) -> list[dict[str, Any]]:
    """Crawl every source (or ``source_ids``) into the raw store; one failing source fails alone."""
    settings = Settings()
    load_callable(crawler)  # a missing crawl stage is one clear error, not nine failed sources
    ids = source_ids or _default_sources(crawler, replay_dir)
    _sync_sources(settings)  # once, before the crawls run side by side
    # Replayed responses come from loopback: retrying them would only repeat the same answer.
    crawl = crawl_source_task.with_options(retries=0) if replay_dir else crawl_source_task
    futures = {sid: crawl.submit(settings, sid, replay_dir, run_key, crawler) for sid in ids}
    return [_crawl_outcome(sid, future) for sid, future in futures.items()]


def _sync_sources(settings: Settings) -> None:
    """The ``sources`` table up to date before concurrent crawls each open their crawl run."""
    context = context_for(settings)
    if "sources" in inspect(context.engine).get_table_names():
        with transaction(context.sessions) as session:
            sync_sources(session)


def _missing(path: str) -> str | None:
    try:
        load_callable(path)
    except StageMissing as exc:
        return str(exc)
    return None


def _default_sources(crawler: str, replay_dir: str | None) -> list[str]:
    """Every source with a spider (and, when replaying, a recording), as the crawl glue decides."""
    try:
        resolve = load_callable(crawler.partition(":")[0] + ":resolve_sources")
    except StageMissing:
        return list(SOURCES)
    return list(resolve(None, replay_dir=Path(replay_dir) if replay_dir else None))


def _crawl_outcome(source_id: str, future: PrefectFuture[dict[str, Any]]) -> dict[str, Any]:
    future.wait()
    if future.state.is_completed():
        return future.result()
    try:
        future.result()
        message = "crawl task did not complete"
    except Exception as exc:
        message = str(exc)
    return {
        "source": source_id,
        "crawl_run_id": None,
        "path": None,
        "items": 0,
        "new": 0,
        "changed": 0,
        "status": "failed",
        "complete": False,
        "problems": [message],
    }


# --------------------------------------------------------------------- normalise


@task(name="normalise-source", cache_policy=NO_CACHE)
def normalise_source_task(
    settings: Settings,
    source_id: str,
    again: bool,
    now: datetime,
    normaliser: str = DEFAULT_NORMALISER,
) -> dict[str, Any]:
    result = normalise_source(
        context_for(settings).sessions,
        source_id,
        now=now,
        again=again,
        normaliser=normaliser,
    )
    return result.as_dict()


@task(name="link-duplicates-and-missing", cache_policy=NO_CACHE)
def finish_normalisation_task(settings: Settings, source_ids: list[str]) -> dict[str, Any]:
    return finish_normalisation(context_for(settings).sessions, source_ids)


@flow(name="normalise")
def normalise_flow(
    crawled: list[dict[str, Any]] | None = None,
    again: bool = False,
    now: datetime | None = None,
    normaliser: str = DEFAULT_NORMALISER,
) -> dict[str, Any]:
    """Normalise the new raw records of every source (``again``: every newest raw record)."""
    settings = Settings()
    now = now or utcnow()
    load_callable(normaliser)
    # The crawl runs' listings are in the database: every source with raw records is read.
    crawled_sources = {crawl["source"] for crawl in crawled or []}
    source_ids = sorted(crawled_sources | set(sources_with_raw_records(context_for(settings).sessions)))
    futures = [normalise_source_task.submit(settings, sid, again, now, normaliser) for sid in source_ids]
    results = [future.result() for future in futures]
    finish = finish_normalisation_task(settings, source_ids)
    return {"sources": results, "finish": finish}


# ------------------------------------------------------------------------- match


@task(name="match-projects", cache_policy=NO_CACHE)
def match_task(settings: Settings, now: datetime, k: int, matcher: str) -> dict[str, Any]:
    return match_all(context_for(settings).sessions, now=now, k=k, matcher=matcher).as_dict()


@flow(name="match")
def match_flow(now: datetime | None = None, k: int = DEFAULT_K, matcher: str = DEFAULT_MATCHER) -> dict[str, Any]:
    """Rank the open calls for every project of the catalogue and store the matches."""
    return match_task(Settings(), now or utcnow(), k, matcher)


# ------------------------------------------------------------------------ digest


def digest_all(settings: Settings, *, now: datetime, dry_run: bool, digester: str = DIGESTER) -> dict[str, Any]:
    from cercabandi.digest.service import check_link_signing

    check_link_signing(settings, dry_run=dry_run)
    run_digests = load_callable(digester)
    context = context_for(settings)
    result = run_digests(sessions=context.sessions, settings=settings, now=now, dry_run=dry_run)
    if isinstance(result, dict):
        return result
    counts = result.counts() if hasattr(result, "counts") else {}
    summary = result.summary() if hasattr(result, "summary") else str(result)
    outbox = getattr(result, "outbox_dir", None)
    return {"summary": summary, **counts, "outbox": str(outbox) if outbox else None}


@task(name="send-digests", cache_policy=NO_CACHE)
def digest_task(settings: Settings, now: datetime, dry_run: bool, digester: str = DIGESTER) -> dict[str, Any]:
    return digest_all(settings, now=now, dry_run=dry_run, digester=digester)


@flow(name="digest")
def digest_flow(now: datetime | None = None, dry_run: bool | None = None, digester: str = DIGESTER) -> dict[str, Any]:
    """Send (or, without SMTP, write to the outbox) the digests due now; never twice per period."""
    settings = Settings()
    if dry_run is None:
        dry_run = not settings.smtp_host
    return digest_task(settings, now or utcnow(), dry_run, digester)


# ----------------------------------------------------------------------- nightly


def crawl_outcome(crawled: list[dict[str, Any]]) -> str:
    """One line for the progress display: what the crawl of every source gave."""
    bad = [c["source"] for c in crawled if c["status"] in ("failing", "failed")]
    line = (
        f"{len(crawled)} sources, {sum(c['items'] for c in crawled)} items, "
        f"{sum(c['new'] for c in crawled)} new, {sum(c['changed'] for c in crawled)} changed"
    )
    return line + (f"; failing: {', '.join(bad)}" if bad else "")


def normalise_outcome(sources: list[dict[str, Any]]) -> str:
    """One line for the progress display: what normalising every source gave."""
    total = {key: sum(int(s.get(key, 0)) for s in sources) for key in ("new", "changed", "unchanged", "quarantined")}
    return ", ".join(f"{value} {key}" for key, value in total.items())


@flow(name="nightly")
def nightly_flow(
    replay_dir: str | None = None,
    source_ids: list[str] | None = None,
    now: datetime | None = None,
    run_key: str | None = None,
    crawl: bool = True,
    digest: bool = True,
    digest_dry_run: bool | None = None,
    crawler: str = CRAWLER,
    normaliser: str = DEFAULT_NORMALISER,
    matcher: str = DEFAULT_MATCHER,
    digester: str = DIGESTER,
) -> RunReport:
    """Crawl -> normalise -> match -> digest, then the run report.

    Every step is idempotent: running the same night twice, or again after a crash
    half-way, adds no duplicate calls, versions or matches.
    """
    settings = Settings()
    now = now or utcnow()
    run_key = run_key or f"nightly-{now:%Y%m%dT%H%M%SZ}"
    # A stage whose code is not installed is skipped with a note instead of failing the night.
    missing = {
        name: _missing(path)
        for name, path in (("crawl", crawler), ("normalise", normaliser), ("match", matcher), ("digest", digester))
    }
    notes = [f"{name} skipped: {why}" for name, why in missing.items() if why]
    crawled: list[dict[str, Any]] | None = None
    if crawl and not missing["crawl"]:
        report("crawl", "start", note=f"{settings.crawl_jobs} sources at a time")
        runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.crawl_jobs)
        pooled = crawl_flow.with_options(task_runner=runner)  # type: ignore[arg-type]
        crawled = pooled(source_ids=source_ids, replay_dir=replay_dir, run_key=run_key, crawler=crawler)
        report("crawl", "done", note=crawl_outcome(crawled))
    normalised: dict[str, Any] = {"sources": [], "finish": None}
    if not missing["normalise"]:
        report("normalise", "start")
        normalised = normalise_flow(crawled=crawled, now=now, normaliser=normaliser)
        report("normalise", "done", note=normalise_outcome(normalised["sources"]))
    match = match_flow(now=now, matcher=matcher) if not missing["match"] else None
    digest_result: dict[str, Any] | None = None
    if digest and not missing["digest"]:
        report("digest", "start")
        digest_result = digest_flow(now=now, dry_run=digest_dry_run, digester=digester)
        report("digest", "done", note=str(digest_result.get("summary") or ""))
    return build_report(
        context_for(settings).sessions,
        now=now,
        crawled=crawled,
        normalised=normalised["sources"],
        finish=normalised["finish"],
        match=match,
        digest=digest_result,
        stage_notes=notes,
    )
