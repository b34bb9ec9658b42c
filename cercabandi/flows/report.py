"""The run report: per source items / new / changed / quarantined / failing, and silent sources.

Built from the small dictionaries the flow's tasks return plus a look at the database
(silence is measured on the raw store, which only grows when a publisher says something
new), rendered as rich tables for the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.sources import SOURCES, is_silent
from cercabandi.db.models import Quarantine, RawRecord


@dataclass
class SourceLine:
    source_id: str
    items: int | None = None  # listed by this night's crawl (None: not crawled)
    new: int = 0
    changed: int = 0
    quarantined: int = 0  # quarantined this run
    open_quarantine: int = 0  # still in quarantine after the run
    status: str = "-"  # the crawl's status: ok | failing | failed | not crawled
    problems: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.status in {"failing", "failed"}


@dataclass
class Silent:
    source_id: str
    last_item_at: datetime | None
    silent_after_days: int


@dataclass
class RunReport:
    now: datetime
    sources: list[SourceLine]
    silent: list[Silent]
    duplicates: int = 0
    newly_missing: dict[str, list[str]] = field(default_factory=dict)
    changes: list[dict[str, str]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    match: dict[str, Any] | None = None
    digest: dict[str, Any] | None = None
    stage_notes: list[str] = field(default_factory=list)  # stages skipped or failed, in words

    @property
    def totals(self) -> dict[str, int]:
        return {
            "items": sum(s.items or 0 for s in self.sources),
            "new": sum(s.new for s in self.sources),
            "changed": sum(s.changed for s in self.sources),
            "quarantined": sum(s.quarantined for s in self.sources),
            "failing": sum(1 for s in self.sources if s.failing),
        }


def silent_sources(session: Session, now: datetime, source_ids: list[str] | None = None) -> list[Silent]:
    """Sources with nothing new or changed in the raw store for longer than their ``silent_after_days``."""
    query = select(RawRecord.source_id, func.max(RawRecord.fetched_at)).group_by(RawRecord.source_id)
    last: dict[str, datetime] = {source: at for source, at in session.execute(query)}
    silent = []
    for source_id in source_ids or list(SOURCES):
        info = SOURCES.get(source_id)
        if info is None:
            continue
        seen = last.get(source_id)
        if is_silent(source_id, seen, now):
            silent.append(Silent(source_id, seen, info.silent_after_days))
    return silent


def build_report(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    crawled: list[dict[str, Any]] | None,
    normalised: list[dict[str, Any]],
    finish: dict[str, Any] | None,
    match: dict[str, Any] | None = None,
    digest: dict[str, Any] | None = None,
    stage_notes: list[str] | None = None,
) -> RunReport:
    lines: dict[str, SourceLine] = {}
    for crawl in crawled or []:
        line = lines.setdefault(crawl["source"], SourceLine(crawl["source"]))
        line.items = crawl.get("items", 0)
        line.status = crawl.get("status", "failed")
        line.problems = list(crawl.get("problems", []))
    changes: list[dict[str, str]] = []
    quarantine: list[dict[str, Any]] = []
    for result in normalised:
        line = lines.setdefault(result["source_id"], SourceLine(result["source_id"], status="not crawled"))
        line.new, line.changed, line.quarantined = result["new"], result["changed"], result["quarantined"]
        changes += result.get("changes", [])
        quarantine += [{"source": result["source_id"], **q} for q in result.get("quarantine", [])]
    with sessions() as session:
        open_counts: dict[str, int] = dict(
            session.execute(  # type: ignore[arg-type]
                select(Quarantine.source_id, func.count())
                .where(Quarantine.resolved_at.is_(None))
                .group_by(Quarantine.source_id)
            ).all()
        )
        silent = silent_sources(session, now)
    for source_id, line in lines.items():
        line.open_quarantine = int(open_counts.get(source_id, 0))
    finish = finish or {}
    return RunReport(
        now=now,
        sources=[lines[k] for k in sorted(lines)],
        silent=silent,
        duplicates=int(finish.get("duplicates", 0)),
        newly_missing=dict(finish.get("newly_missing", {})),
        changes=changes,
        quarantine=quarantine,
        match=match,
        digest=digest,
        stage_notes=list(stage_notes or []),
    )


def render_report(report: RunReport, console: Console, *, tz: Any = None) -> None:
    table = Table("source", "items", "new", "changed", "quarantined", "status", title="Run report")
    for line in report.sources:
        status = line.status
        if line.failing:
            status = f"[red]{status}[/]" + (f": {'; '.join(line.problems)[:120]}" if line.problems else "")
        quarantined = str(line.quarantined) + (f" ({line.open_quarantine} open)" if line.open_quarantine else "")
        table.add_row(
            line.source_id,
            "-" if line.items is None else str(line.items),
            str(line.new),
            str(line.changed),
            quarantined,
            status,
        )
    totals = report.totals
    table.add_row(
        "[bold]total[/]",
        str(totals["items"]),
        str(totals["new"]),
        str(totals["changed"]),
        str(totals["quarantined"]),
        f"{totals['failing']} failing",
    )
    console.print(table)
    for change in report.changes[:20]:
        console.print(f"  changed {change['call_id']}: {change['summary']}")
    for item in report.quarantine[:20]:
        console.print(f"  [yellow]quarantined[/] {item['source']}:{item['native_id']}: {'; '.join(item['reasons'])}")
    if report.duplicates:
        console.print(f"Duplicates linked to a canonical call: {report.duplicates}")
    for source, ids in report.newly_missing.items():
        console.print(f"[yellow]Missing from {source} after two complete crawls:[/] {', '.join(ids[:10])}")
    for silent in report.silent:
        if silent.last_item_at is None:
            console.print(f"[yellow]Silent:[/] {silent.source_id} — no item ever stored")
            continue
        when = silent.last_item_at.astimezone(tz).strftime("%d/%m/%Y")
        console.print(
            f"[yellow]Silent:[/] {silent.source_id} — nothing new or changed since {when} "
            f"(threshold {silent.silent_after_days} days)"
        )
    if report.match is not None:
        _render_match(report.match, console)
    if report.digest is not None:
        console.print(f"Digests: {report.digest.get('summary', report.digest)}")
    for note in report.stage_notes:
        console.print(f"[yellow]{note}[/]")


def _render_match(m: dict[str, Any], console: Console) -> None:
    """The match step: what changed, how long it took and whether it was reused, and the EU reach."""
    console.print(
        f"Matches: {m['projects']} projects × {m['calls']} open calls → {m['new']} new, {m['updated']} updated, "
        f"{m['deactivated']} dropped out (matcher {m['matcher_version']})"
    )
    if "seconds" in m:
        how = "reused: nothing new or changed, nothing re-scored" if m.get("reused") else "fitted and scored"
        console.print(f"Matching time: {m['seconds']:.1f} s ({how})")
    _render_reach(m, console)


def _render_reach(m: dict[str, Any], console: Console) -> None:
    """EU calls with a text, and the share of active matches by source and level."""
    if m.get("eu_calls"):
        console.print(f"EU calls with a text (not only a title): {m['eu_calls_with_text']} of {m['eu_calls']}")
    counts: dict[str, int] = m.get("by_source_level") or {}
    total = sum(counts.values())
    if total:
        shares = ", ".join(f"{key} {n} ({n / total:.0%})" for key, n in counts.items())
        console.print(f"Active matches by source/level: {shares}")
