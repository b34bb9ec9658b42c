"""Small builders for calls, sources, raw records and crawl runs used by the flows and store tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from cercabandi.core.models import Deadline, FundingCall, RawCall
from cercabandi.core.sources import SOURCES
from cercabandi.core.vocab import ApplicantType, Level
from cercabandi.db.models import CrawlRun, RawRecord, Source


def add_sources(session: Session) -> None:
    for info in SOURCES.values():
        if session.get(Source, info.id) is None:
            session.add(Source(id=info.id, name=info.name, url=info.url, level=info.level.value))
    session.flush()


def funding_call(
    source: str = "lombardia_bandi",
    native_id: str = "RLA12026000001",
    *,
    now: datetime,
    title: str = "Bando per la rigenerazione urbana dei comuni lombardi 2026",
    deadline: datetime | None = None,
    budget: str | None = "1000000.00",
    applicants: tuple[ApplicantType, ...] = (ApplicantType.COMUNE,),
    **extra: Any,
) -> FundingCall:
    deadline = deadline or now + timedelta(days=60)
    return FundingCall(
        id=f"{source}:{native_id}",
        source=source,
        native_id=native_id,
        title=title,
        body_text="Contributi a fondo perduto per interventi di rigenerazione urbana e inclusione sociale.",
        level=SOURCES[source].level if source in SOURCES else Level.REGIONAL,
        applicant_types=list(applicants),
        deadlines=[Deadline(at=deadline)],
        budget_total=Decimal(budget) if budget else None,
        url=f"https://example.org/{source}/{native_id}",
        first_seen=now,
        last_seen=now,
        **extra,
    )


def raw_call(source: str, native_id: str, *, fetched_at: datetime, title: str = "Bando", **fields: Any) -> RawCall:
    return RawCall(
        source=source,
        url=f"https://example.org/{source}/{native_id}",
        fetched_at=fetched_at,
        native_id=native_id,
        title=title,
        payload={"id": native_id, "title": title, **{k: str(v) for k, v in fields.items()}},
        **fields,
    )


def add_raw(session: Session, raw: RawCall, crawl_run_id: int | None = None) -> RawRecord:
    row = RawRecord(
        source_id=raw.source,
        native_id=raw.native_id,
        payload_hash=raw.payload_hash(),
        crawl_run_id=crawl_run_id,
        url=raw.url,
        fetched_at=raw.fetched_at,
        record=raw.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return row


def add_run(
    session: Session, source: str, started_at: datetime, *, status: str = "ok", complete: bool = True
) -> CrawlRun:
    row = CrawlRun(
        source_id=source,
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=1),
        status=status,
        complete=complete,
    )
    session.add(row)
    session.flush()
    return row
