"""Read from the database what each subscription may be told (the digest's only database reads).

``RunSnapshot`` holds what every subscription of a run shares (catalogue, reviews,
assignments, source health); ``gather_inputs`` adds one subscription's matches,
changes and history. Scope rule: a project is in scope when the subscription lists
it, or when it lies in one of the subscription's comuni (if any are given) and has
one of its themes (if any are given); no comuni, themes or projects = everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import quote, unquote

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cercabandi.core.fmt_it import short_date
from cercabandi.core.folding import fold as core_fold
from cercabandi.core.sources import is_silent
from cercabandi.core.themes import theme_label
from cercabandi.core.vocab import ReviewTag
from cercabandi.db.models import (
    Assignment,
    Call,
    CallVersion,
    Comune,
    CrawlRun,
    DigestSentItem,
    MatchRow,
    Project,
    ProjectComune,
    RawRecord,
    ReviewRow,
    Source,
    Subscription,
)
from cercabandi.db.repo.calls import call_from_row
from cercabandi.digest.model import CallFacts, DigestInputs, MatchFact, SourceAlert, VersionFact


def fold(text: str) -> str:
    return " ".join(core_fold(text.casefold()).split())


@dataclass(frozen=True)
class ProjectInfo:
    id: str
    title: str
    themes: frozenset[str]  # folded
    istat: tuple[str, ...]
    comuni: tuple[str, ...]  # names


@dataclass(frozen=True)
class RunSnapshot:
    projects: dict[str, ProjectInfo]
    comune_names: dict[str, str]
    latest_tags: dict[tuple[str, str | None], str]  # (call, project or None) -> latest review tag
    assignments: tuple[tuple[str, str | None, str | None], ...]  # (call, project, istat)
    source_alerts: tuple[SourceAlert, ...]


def load_snapshot(session: Session, *, now: datetime, tz: tzinfo) -> RunSnapshot:
    comune_names = {c.istat: c.name for c in session.scalars(select(Comune))}
    links: dict[str, list[str]] = defaultdict(list)
    for project_id, istat in session.execute(select(ProjectComune.project_id, ProjectComune.istat)):
        links[project_id].append(istat)
    projects = {}
    for project in session.scalars(select(Project)):
        codes = tuple(sorted(links.get(project.id, [])))
        projects[project.id] = ProjectInfo(
            id=project.id,
            title=project.title,
            themes=frozenset(fold(str(t)) for t in project.themes or []),
            istat=codes,
            comuni=tuple(sorted(comune_names.get(code, code) for code in codes)),
        )
    latest: dict[tuple[str, str | None], str] = {}
    reviews = session.execute(
        select(ReviewRow.call_id, ReviewRow.project_id, ReviewRow.tag).order_by(ReviewRow.created_at, ReviewRow.id)
    )
    for call_id, project_id, tag in reviews:
        latest[(call_id, project_id)] = tag  # later rows overwrite earlier ones
    assignments = tuple(
        (row.call_id, row.project_id, row.istat)
        for row in session.execute(select(Assignment.call_id, Assignment.project_id, Assignment.istat))
    )
    return RunSnapshot(projects, comune_names, latest, assignments, source_alerts(session, now=now, tz=tz))


def source_alerts(session: Session, *, now: datetime, tz: tzinfo) -> tuple[SourceAlert, ...]:
    """Sources whose last crawl failed, or silent: nothing new or changed for longer than they should.

    Silence is read from the raw store (a new raw record appears only when a publisher says something
    new), as in the run report. Sources never crawled are left out: they are not in the nightly run.
    """
    newest = select(RawRecord.source_id, func.max(RawRecord.fetched_at)).group_by(RawRecord.source_id)
    last_news: dict[str, datetime | None] = {source_id: at for source_id, at in session.execute(newest)}
    alerts: list[SourceAlert] = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True)).order_by(Source.id)):
        latest = session.scalar(
            select(CrawlRun)
            .where(CrawlRun.source_id == source.id, CrawlRun.status != "running")
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
            .limit(1)
        )
        if latest is None:
            continue
        if latest.status in ("failed", "failing"):
            when = short_date(latest.finished_at or latest.started_at, tz, with_year=True)
            detail = f" ({latest.problems[0]})" if latest.problems else ""
            alerts.append(SourceAlert(source.id, source.name, f"ultima raccolta non riuscita il {when}{detail}"))
            continue
        if latest.status == "degraded":  # calls arrive, read by the generic fallback: the site changed
            alerts.append(SourceAlert(source.id, source.name, "pagine lette con la lettura generica: sito cambiato"))
        news = last_news.get(source.id)
        if news is not None and news.tzinfo is None:  # max() over a column bypasses the UTC type on SQLite
            news = news.replace(tzinfo=UTC)
        if news is None:
            alerts.append(SourceAlert(source.id, source.name, "nessun bando ricevuto finora"))
        elif is_silent(source.id, news, now):
            days = (now - news).days
            alerts.append(SourceAlert(source.id, source.name, f"nessuna novità da {days} giorni"))
    return tuple(alerts)


# ------------------------------------------------------------------ one subscription


def scope_projects(subscription: Subscription, snapshot: RunSnapshot) -> set[str] | None:
    """Project ids in scope, or None for everything."""
    comuni, themes = set(subscription.comuni or []), {fold(str(t)) for t in subscription.themes or []}
    explicit = set(subscription.projects or [])
    if not (comuni or themes or explicit):
        return None
    chosen = {p for p in explicit if p in snapshot.projects}
    if comuni or themes:
        for project in snapshot.projects.values():
            if comuni and not comuni.intersection(project.istat):
                continue
            if themes and not themes.intersection(project.themes):
                continue
            chosen.add(project.id)
    return chosen


def scope_label(subscription: Subscription, snapshot: RunSnapshot) -> str:
    parts: list[str] = []
    names = [snapshot.comune_names.get(c, c) for c in subscription.comuni or []]
    if len(names) == 1:
        parts.append(f"il Comune di {names[0]}")
    elif names:
        parts.append("i Comuni di " + ", ".join(names[:-1]) + " e " + names[-1])
    themes = [theme_label(str(t)) for t in subscription.themes or []]
    if themes:
        parts.append(("il tema " if len(themes) == 1 else "i temi ") + ", ".join(themes))
    projects = list(subscription.projects or [])
    if len(projects) == 1 and projects[0] in snapshot.projects:
        parts.append(f"il progetto «{snapshot.projects[projects[0]].title}»")
    elif projects:
        parts.append(f"{len(projects)} progetti")
    return " – ".join(parts) if parts else "tutta la Città metropolitana"


def _call_of_key(key: str) -> str | None:
    parts = key.split(":")
    return unquote(parts[1]) if len(parts) >= 2 else None


def _rejected(tags: Mapping[tuple[str, str | None], str], call_id: str, project_id: str) -> bool:
    not_relevant = ReviewTag.NOT_RELEVANT.value
    return tags.get((call_id, project_id)) == not_relevant or tags.get((call_id, None)) == not_relevant


def list_path(subscription: Subscription) -> str:
    """The web application's full list for this scope: a comune's or a project's page, else open calls."""
    comuni, projects = list(subscription.comuni or []), list(subscription.projects or [])
    if len(comuni) == 1 and not projects and not subscription.themes:
        return f"/comuni/{quote(comuni[0], safe='')}"
    if len(projects) == 1 and not comuni and not subscription.themes:
        return f"/projects/{quote(projects[0], safe='')}"
    return "/calls?status=open"


def gather_inputs(
    session: Session, subscription: Subscription, snapshot: RunSnapshot, *, now: datetime
) -> DigestInputs:
    in_scope = scope_projects(subscription, snapshot)
    matches = _matches(session, subscription, snapshot, in_scope, now=now)
    interest = _interest(subscription, snapshot, in_scope, {m.call_id for m in matches})
    told_at, sent_keys = _told(session, subscription.id)
    versions = _versions(session, set(told_at) | interest, told_at, subscription.created_at)
    wanted = {m.call_id for m in matches} | interest | {v.call_id for v in versions}
    calls = {row.id: CallFacts.from_call(call_from_row(row)) for row in _chunked_calls(session, wanted)}
    return DigestInputs(
        subscription_id=subscription.id,
        email=subscription.email,
        name=subscription.name,
        scope_label=scope_label(subscription, snapshot),
        item_cap=subscription.item_cap,
        calls=calls,
        matches=tuple(sorted(matches, key=lambda m: (m.call_id, m.project_id))),
        versions=tuple(versions),
        interest_calls=tuple(sorted(interest)),
        told_calls=frozenset(told_at),
        sent_keys=frozenset(sent_keys),
        source_alerts=snapshot.source_alerts,
        list_path=list_path(subscription),
    )


def _matches(
    session: Session, subscription: Subscription, snapshot: RunSnapshot, in_scope: set[str] | None, *, now: datetime
) -> list[MatchFact]:
    """Active matches above the subscription's threshold, on open canonical calls, not rejected by a reviewer."""
    query = (
        select(MatchRow)
        .join(Call, Call.id == MatchRow.call_id)
        .where(
            MatchRow.active.is_(True),
            MatchRow.score >= subscription.min_score,
            Call.closed_by_publisher.is_(False),
            or_(Call.deadline_at.is_(None), Call.deadline_at >= now),
            or_(Call.canonical_id.is_(None), Call.canonical_id == Call.id),
        )
    )
    if in_scope is not None:
        query = query.where(MatchRow.project_id.in_(sorted(in_scope)))
    matches: list[MatchFact] = []
    for row in session.scalars(query):
        project = snapshot.projects.get(row.project_id)
        if project is None or _rejected(snapshot.latest_tags, row.call_id, row.project_id):
            continue
        matches.append(
            MatchFact(
                call_id=row.call_id,
                project_id=row.project_id,
                project_title=project.title,
                comuni=project.comuni,
                score=float(row.score),
                explanation=dict(row.explanation or {}),
            )
        )
    return matches


def _interest(
    subscription: Subscription, snapshot: RunSnapshot, in_scope: set[str] | None, matched_calls: set[str]
) -> set[str]:
    """Calls of interest (deadline reminders): tagged relevant or assigned, within the scope."""
    everything = in_scope is None
    interest: set[str] = set()
    for (call_id, project_id), tag in snapshot.latest_tags.items():
        if tag != ReviewTag.RELEVANT.value:
            continue
        general = project_id is None and call_id in matched_calls
        for_scope = project_id is not None and in_scope is not None and project_id in in_scope
        if everything or general or for_scope:
            interest.add(call_id)
    comuni = set(subscription.comuni or [])
    for call_id, project_id, istat in snapshot.assignments:
        if (
            everything
            or (project_id is not None and in_scope is not None and project_id in in_scope)
            or (istat is not None and istat in comuni)
        ):
            interest.add(call_id)
    return {c for c in interest if snapshot.latest_tags.get((c, None)) != ReviewTag.NOT_RELEVANT.value}


def _told(session: Session, subscription_id: int) -> tuple[dict[str, datetime], set[str]]:
    """What this recipient has been told (sent item keys), and since when about each call."""
    told_at: dict[str, datetime] = {}
    sent_keys: set[str] = set()
    for key, created_at in session.execute(
        select(DigestSentItem.item_key, DigestSentItem.created_at).where(
            DigestSentItem.subscription_id == subscription_id
        )
    ):
        sent_keys.add(key)
        told_call = _call_of_key(key)
        if told_call is not None and (told_call not in told_at or created_at < told_at[told_call]):
            told_at[told_call] = created_at
    return told_at, sent_keys


def _chunked_calls(session: Session, ids: Iterable[str], size: int = 500) -> list[Call]:
    ordered = sorted(ids)
    rows: list[Call] = []
    for start in range(0, len(ordered), size):
        rows += session.scalars(select(Call).where(Call.id.in_(ordered[start : start + size])))
    return rows


def _versions(
    session: Session, call_ids: set[str], told_at: Mapping[str, datetime], subscribed_at: datetime
) -> list[VersionFact]:
    """New versions of the calls a recipient knows, created after they first heard of each."""
    found: list[VersionFact] = []
    ordered = sorted(call_ids)
    for start in range(0, len(ordered), 500):
        rows = session.scalars(
            select(CallVersion)
            .where(CallVersion.call_id.in_(ordered[start : start + 500]))
            .order_by(CallVersion.call_id, CallVersion.version)
        )
        previous: dict[str, CallVersion] = {}
        for row in rows:
            since = told_at.get(row.call_id, subscribed_at)
            before = previous.get(row.call_id)
            if row.version >= 2 and row.created_at > since:
                found.append(
                    VersionFact(
                        call_id=row.call_id,
                        version=row.version,
                        created_at=row.created_at,
                        before=dict(before.data) if before is not None and before.version == row.version - 1 else None,
                        after=dict(row.data or {}),
                        diff=tuple(d for d in row.diff or [] if isinstance(d, dict)),
                    )
                )
            previous[row.call_id] = row
    return found
