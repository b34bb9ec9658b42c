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

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import utcnow
from cercabandi.core.settings import Settings
from cercabandi.db.repo.raw import sync_sources
from cercabandi.db.session import transaction
from cercabandi.digest.service import DigestRunReport, check_link_signing, run_digests
from cercabandi.flows.context import AppContext
from cercabandi.flows.crawling import Progress, SourceSummary, crawl_sources, resolve_sources
from cercabandi.flows.matching_step import DEFAULT_K, MatcherFactory, match_all, tfidf_matcher
from cercabandi.flows.normalising import (
    Normaliser,
    finish_normalisation,
    normalise_source,
    sources_with_raw_records,
)
from cercabandi.flows.progress import report
from cercabandi.flows.report import RunReport, build_report
from cercabandi.normalise import normalise_record

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


# The stages the flows call, as typed parameters: the tasks default to the real functions, the
# flows to None (the real function; a default Prefect can put in the flow's JSON parameter
# schema). A test passes a stand-in. Runtime-checkable because Prefect validates flow parameters.
@runtime_checkable
class Crawler(Protocol):
    """The crawl stage (``crawling.crawl_sources``)."""

    def __call__(
        self,
        ctx: AppContext,
        source_ids: Sequence[str] | None = None,
        *,
        replay_dir: Path | None,
        run_key: str | None,
        progress: Progress | None = None,
    ) -> list[SourceSummary]: ...


@runtime_checkable
class Digester(Protocol):
    """The digest stage (``digest.service.run_digests``)."""

    def __call__(
        self, sessions: sessionmaker[Session], settings: Settings, *, now: datetime, dry_run: bool
    ) -> DigestRunReport: ...


# ------------------------------------------------------------------------- crawl


def summary_dict(summary: SourceSummary) -> dict[str, Any]:
    """One source's crawl summary as the small dictionary the tasks pass on."""
    return {
        "source": summary.source,
        "crawl_run_id": summary.crawl_run_id,
        "path": str(summary.raw_path) if summary.raw_path else None,
        "items": summary.items,
        "new": summary.new,
        "changed": summary.changed,
        "status": summary.status,
        "complete": summary.complete,
        "problems": [str(p) for p in summary.problems],
    }


def crawl_one(
    settings: Settings,
    source_id: str,
    *,
    replay_dir: str | None,
    run_key: str | None,
    crawler: Crawler = crawl_sources,
) -> dict[str, Any]:
    report("crawl", "start", item=source_id)
    summaries = crawler(
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
    settings: Settings,
    source_id: str,
    replay_dir: str | None,
    run_key: str | None,
    crawler: Crawler = crawl_sources,
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
    crawler: Crawler | None = None,
) -> list[dict[str, Any]]:
    """Crawl every source (or ``source_ids``) into the raw store; one failing source fails alone."""
    settings = Settings()
    ids = source_ids or resolve_sources(None, replay_dir=Path(replay_dir) if replay_dir else None)
    _sync_sources(settings)  # once, before the crawls run side by side
    # Replayed responses come from loopback: retrying them would only repeat the same answer.
    crawl = crawl_source_task.with_options(retries=0) if replay_dir else crawl_source_task
    futures = {sid: crawl.submit(settings, sid, replay_dir, run_key, crawler or crawl_sources) for sid in ids}
    return [_crawl_outcome(sid, future) for sid, future in futures.items()]


def _sync_sources(settings: Settings) -> None:
    """The ``sources`` table up to date before concurrent crawls each open their crawl run."""
    context = context_for(settings)
    if "sources" in inspect(context.engine).get_table_names():
        with transaction(context.sessions) as session:
            sync_sources(session)


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
    normaliser: Normaliser = normalise_record,
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
    normaliser: Normaliser | None = None,
) -> dict[str, Any]:
    """Normalise the new raw records of every source (``again``: every newest raw record)."""
    settings = Settings()
    now = now or utcnow()
    # The crawl runs' listings are in the database: every source with raw records is read.
    crawled_sources = {crawl["source"] for crawl in crawled or []}
    source_ids = sorted(crawled_sources | set(sources_with_raw_records(context_for(settings).sessions)))
    futures = [
        normalise_source_task.submit(settings, sid, again, now, normaliser or normalise_record) for sid in source_ids
    ]
    results = [future.result() for future in futures]
    finish = finish_normalisation_task(settings, source_ids)
    return {"sources": results, "finish": finish}


# ------------------------------------------------------------------------- match


@task(name="match-projects", cache_policy=NO_CACHE)
def match_task(settings: Settings, now: datetime, k: int, matcher: MatcherFactory = tfidf_matcher) -> dict[str, Any]:
    return match_all(context_for(settings).sessions, now=now, k=k, matcher=matcher).as_dict()


@flow(name="match")
def match_flow(
    now: datetime | None = None, k: int = DEFAULT_K, matcher: MatcherFactory | None = None
) -> dict[str, Any]:
    """Rank the open calls for every project of the catalogue and store the matches."""
    return match_task(Settings(), now or utcnow(), k, matcher or tfidf_matcher)


# ------------------------------------------------------------------------ digest


def digest_all(settings: Settings, *, now: datetime, dry_run: bool, digester: Digester = run_digests) -> dict[str, Any]:
    check_link_signing(settings, dry_run=dry_run)
    result = digester(sessions=context_for(settings).sessions, settings=settings, now=now, dry_run=dry_run)
    outbox = str(result.outbox_dir) if result.outbox_dir else None
    return {"summary": result.summary(), **result.counts(), "outbox": outbox}


@task(name="send-digests", cache_policy=NO_CACHE)
def digest_task(settings: Settings, now: datetime, dry_run: bool, digester: Digester = run_digests) -> dict[str, Any]:
    return digest_all(settings, now=now, dry_run=dry_run, digester=digester)


@flow(name="digest")
def digest_flow(
    now: datetime | None = None, dry_run: bool | None = None, digester: Digester | None = None
) -> dict[str, Any]:
    """Send (or, without SMTP, write to the outbox) the digests due now; never twice per period."""
    settings = Settings()
    if dry_run is None:
        dry_run = not settings.smtp_host
    return digest_task(settings, now or utcnow(), dry_run, digester or run_digests)


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
    crawler: Crawler | None = None,
    normaliser: Normaliser | None = None,
    matcher: MatcherFactory | None = None,
    digester: Digester | None = None,
) -> RunReport:
    """Crawl -> normalise -> match -> digest, then the run report.

    Every step is idempotent: running the same night twice, or again after a crash
    half-way, adds no duplicate calls, versions or matches.
    """
    settings = Settings()
    now = now or utcnow()
    run_key = run_key or f"nightly-{now:%Y%m%dT%H%M%SZ}"
    crawled: list[dict[str, Any]] | None = None
    if crawl:
        report("crawl", "start", note=f"{settings.crawl_jobs} sources at a time")
        runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.crawl_jobs)
        pooled = crawl_flow.with_options(task_runner=runner)  # type: ignore[arg-type]
        crawled = pooled(source_ids=source_ids, replay_dir=replay_dir, run_key=run_key, crawler=crawler)
        report("crawl", "done", note=crawl_outcome(crawled))
    report("normalise", "start")
    normalised = normalise_flow(crawled=crawled, now=now, normaliser=normaliser)
    report("normalise", "done", note=normalise_outcome(normalised["sources"]))
    match = match_flow(now=now, matcher=matcher)
    digest_result: dict[str, Any] | None = None
    if digest:
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
    )
