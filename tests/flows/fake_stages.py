"""Stand-ins for the stages, passed as arguments to the flows and tasks that call them.

- ``crawl_sources``: the crawl stage (``cercabandi.flows.crawling.crawl_sources``):
  instead of running Scrapy it copies ``<replay_dir>/<source>.jsonl`` into the raw store,
  records the crawl run and the new raw records, and returns ``SourceSummary`` per source; a
  ``<source>.fail`` file makes that source's crawl fail.
- ``normalise_record``: the normalise stage, for the few fields these tests look at.
- ``Matcher``: the match stage, ranking by shared title words.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cercabandi.core.models import Deadline, FundingCall, Match, RawCall, TermContribution
from cercabandi.core.sources import SOURCES
from cercabandi.db.models import CrawlRun, RawRecord, Source
from cercabandi.db.repo.raw import listing_entry
from cercabandi.flows.context import AppContext
from cercabandi.flows.crawling import Progress, SourceSummary

MATCHER_VERSION = "fake-1"


def crawl_sources(
    ctx: AppContext,
    source_ids: Sequence[str] | None = None,
    *,
    replay_dir: Path | None = None,
    run_key: str | None = None,
    progress: Progress | None = None,
) -> list[SourceSummary]:
    summaries = []
    for source_id in source_ids or []:
        started = datetime.now(UTC)
        with ctx.sessions() as session, session.begin():
            if session.get(Source, source_id) is None:
                info = SOURCES[source_id]
                session.add(Source(id=info.id, name=info.name, url=info.url, level=info.level.value))
                session.flush()
            run = CrawlRun(source_id=source_id, run_key=run_key, started_at=started, status="running")
            session.add(run)
            session.flush()
            fixture = replay_dir / f"{source_id}.jsonl" if replay_dir else None
            if replay_dir and (replay_dir / f"{source_id}.fail").exists():
                run.status, run.finished_at = "failed", datetime.now(UTC)
                failed = SourceSummary(source_id, "failed", False, problems=["connection refused"], crawl_run_id=run.id)
                summaries.append(failed)
                continue
            out = ctx.settings.raw_dir / source_id / f"{started:%Y%m%dT%H%M%S%fZ}.jsonl"
            out.parent.mkdir(parents=True, exist_ok=True)
            if fixture and fixture.exists():
                shutil.copyfile(fixture, out)
            else:
                out.touch()
            new = items = 0
            listing: dict[str, list[str]] = {}
            for line in out.read_text(encoding="utf-8").splitlines():
                raw = RawCall.model_validate(json.loads(line))
                items += 1
                listing[raw.native_id] = listing_entry(raw)
                digest = raw.payload_hash()
                exists = session.scalar(
                    select(RawRecord.id).where(
                        RawRecord.source_id == source_id,
                        RawRecord.native_id == raw.native_id,
                        RawRecord.payload_hash == digest,
                    )
                )
                if exists is None:
                    session.add(
                        RawRecord(
                            source_id=source_id,
                            native_id=raw.native_id,
                            payload_hash=digest,
                            crawl_run_id=run.id,
                            url=raw.url,
                            fetched_at=raw.fetched_at,
                            record=raw.model_dump(mode="json"),
                        )
                    )
                    new += 1
            status = "ok" if items else "failing"
            run.status, run.complete, run.items, run.new = status, status == "ok", items, new
            run.listing = listing
            run.finished_at = datetime.now(UTC)
            summaries.append(
                SourceSummary(source_id, status, run.complete, items, new, crawl_run_id=run.id, raw_path=out)
            )
    return summaries


class FakeNormalisationError(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def normalise_record(raw: RawCall, *, now: datetime, first_seen: datetime, last_seen: datetime) -> FundingCall:
    if not raw.title:
        raise FakeNormalisationError([f"{raw.call_id}: no title in the record"])
    deadlines = [Deadline(at=datetime.fromisoformat(d.value)) for d in raw.dates if d.label == "deadline"]
    budget = next((Decimal(a.value) for a in raw.amounts if a.label == "budget"), None)
    return FundingCall(
        id=raw.call_id,
        source=raw.source,
        native_id=raw.native_id,
        title=raw.title,
        body_text=raw.body or "",
        level=SOURCES[raw.source].level,
        deadlines=deadlines,
        budget_total=budget,
        url=raw.url,
        first_seen=first_seen,
        last_seen=last_seen,
    )


class Matcher:
    version = MATCHER_VERSION

    def fit(self, calls: list[FundingCall]) -> Matcher:
        self.calls_ = list(calls)
        return self

    def rank(self, projects: list[Any], *, k: int = 20, now: datetime, feedback: Any = ()) -> list[Match]:
        out = []
        for project in projects:
            words = set(project.title.lower().split())
            scored = []
            for call in self.calls_:
                shared = words & set(call.title.lower().split())
                if shared and call.status(now).value != "closed":
                    scored.append((len(shared) / len(words), call.id, sorted(shared)))
            scored.sort(key=lambda s: (-s[0], s[1]))
            for rank, (score, call_id, shared) in enumerate(scored[:k], start=1):
                terms = [TermContribution(term=w, weight=1.0) for w in shared]
                out.append(Match(call_id=call_id, project_id=project.id, score=score, rank=rank, terms=terms))
        return out
