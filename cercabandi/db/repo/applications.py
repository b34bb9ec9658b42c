"""Applications in network and the monitoring of funded projects: write with checks, read as models.

Every writer validates everything first (``core.applications`` rules, known call, projects,
comuni and organisations) and raises ``MonitoringError`` before touching a row, so bad input
changes nothing. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from cercabandi.core import applications as rules
from cercabandi.core.applications import (
    Application,
    Document,
    MilestoneItem,
    MonitoringError,
    Partner,
    Progress,
    ProjectRef,
    ReportingItem,
    StatusChange,
)
from cercabandi.core.vocab import ApplicationStatus, PartnerKind, ProgressStage
from cercabandi.db import models


@dataclass
class NewApplication:
    """What staff give to open an application."""

    title: str
    lead_istat: str | None = None  # the capofila when it is a comune
    lead_name: str | None = None  # the capofila's name otherwise (e.g. "Città metropolitana di Milano")
    call_id: str | None = None
    funding_source: str | None = None
    project_ids: list[str] = field(default_factory=list)
    comuni: list[tuple[str, str]] = field(default_factory=list)  # (istat, role)
    organisations: list[tuple[str, str]] = field(default_factory=list)  # (organisation id, role)
    amount_requested: Decimal | None = None
    cofinancing: Decimal | None = None
    deadline_on: date | None = None
    themes: list[str] = field(default_factory=list)
    note: str | None = None
    status: ApplicationStatus = ApplicationStatus.IDEA
    on: date | None = None  # the date of the first status; today when left out
    external_ref: str | None = None  # a stable key for scripted creation (the demo)


# ------------------------------------------------------------------ organisations


def add_organisation(
    session: Session, org_id: str, name: str, kind: PartnerKind, *, now: datetime, contact_email: str | None = None
) -> None:
    if not org_id.strip() or not name.strip():
        raise MonitoringError("an organisation needs an id and a name")
    if kind == PartnerKind.COMUNE:
        raise MonitoringError("comuni are partners by their ISTAT code, not organisations")
    if session.get(models.Organisation, org_id) is not None:
        raise MonitoringError(f"organisation {org_id!r} already exists")
    session.add(
        models.Organisation(id=org_id, name=name.strip(), kind=kind.value, contact_email=contact_email, created_at=now)
    )
    session.flush()


def list_organisations(session: Session) -> list[models.Organisation]:
    return list(session.scalars(select(models.Organisation).order_by(models.Organisation.name)))


# ------------------------------------------------------------------- validation


def _known_projects(session: Session, ids: Sequence[str]) -> list[models.Project]:
    rows = {p.id: p for p in session.scalars(select(models.Project).where(models.Project.id.in_(list(ids))))}
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise MonitoringError(
            f"unknown project(s): {', '.join(unknown)} (see `cercabandi projects list`)",
            f"progetto sconosciuto: {', '.join(unknown)}",
        )
    return [rows[i] for i in dict.fromkeys(ids)]


def _known_comuni(session: Session, codes: Sequence[str]) -> dict[str, models.Comune]:
    rows = {c.istat: c for c in session.scalars(select(models.Comune).where(models.Comune.istat.in_(list(codes))))}
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise MonitoringError(
            f"unknown comune ISTAT code(s): {', '.join(unknown)}", f"comune sconosciuto: {', '.join(unknown)}"
        )
    return rows


def _known_organisations(session: Session, ids: Sequence[str]) -> dict[str, models.Organisation]:
    rows = {o.id: o for o in session.scalars(select(models.Organisation).where(models.Organisation.id.in_(list(ids))))}
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise MonitoringError(
            f"unknown partner(s): {', '.join(unknown)} (add them with `cercabandi applications org-add`)",
            f"partner sconosciuto: {', '.join(unknown)}",
        )
    return rows


def _lead_name(draft: NewApplication, comuni: dict[str, models.Comune]) -> str:
    if draft.lead_istat:
        return comuni[draft.lead_istat].name
    if draft.lead_name and draft.lead_name.strip():
        return draft.lead_name.strip()
    raise MonitoringError(
        "an application needs a lead body (capofila): a comune's ISTAT code or a name",
        "indica il capofila: un comune o il nome dell'ente",
    )


def _check_new(session: Session, draft: NewApplication, today: date) -> tuple[str, list[models.Project]]:
    if not draft.title.strip():
        raise MonitoringError("an application needs a title", "indica il titolo della candidatura")
    if draft.call_id is not None and session.get(models.Call, draft.call_id) is None:
        raise MonitoringError(f"unknown call {draft.call_id!r}", "bando sconosciuto")
    if draft.status not in (ApplicationStatus.IDEA, ApplicationStatus.IN_PREPARATION):
        raise MonitoringError("a new application starts as an idea or in preparation")
    rules.check_amounts(draft.amount_requested, draft.cofinancing)
    on = draft.on or today
    if on > today:
        raise MonitoringError(
            f"the application is dated {on}, in the future (today is {today})", f"la data {on:%d/%m/%Y} è nel futuro"
        )
    codes = [c for c, _ in draft.comuni] + ([draft.lead_istat] if draft.lead_istat else [])
    comuni = _known_comuni(session, codes)
    _known_organisations(session, [o for o, _ in draft.organisations])
    projects = _known_projects(session, draft.project_ids)
    return _lead_name(draft, comuni), projects


# ---------------------------------------------------------------------- writers


def create_application(session: Session, draft: NewApplication, *, now: datetime, today: date, by: str = "") -> int:
    """Open an application with its partners and projects; its history starts with its first status."""
    lead_name, projects = _check_new(session, draft, today)
    row = models.Application(
        title=draft.title.strip(),
        call_id=draft.call_id,
        funding_source=draft.funding_source or _call_programme(session, draft.call_id),
        lead_istat=draft.lead_istat,
        lead_name=lead_name,
        status=draft.status.value,
        amount_requested=draft.amount_requested,
        cofinancing=draft.cofinancing,
        deadline_on=draft.deadline_on or _call_deadline(session, draft.call_id),
        themes=sorted(set(draft.themes) | {t for p in projects for t in (p.themes or [])}),
        public=False,
        note=draft.note,
        origin="staff",
        external_ref=draft.external_ref,
        created_at=now,
        updated_at=now,
    )
    row.projects = projects
    seen: set[str] = {draft.lead_istat} if draft.lead_istat else set()
    for istat, role in draft.comuni:
        if istat not in seen:
            seen.add(istat)
            row.partners.append(models.ApplicationPartner(kind=PartnerKind.COMUNE.value, istat=istat, role=role))
    for org_id, role in draft.organisations:
        org = session.get(models.Organisation, org_id)
        kind = org.kind if org is not None else PartnerKind.OTHER.value
        row.partners.append(models.ApplicationPartner(kind=kind, organisation_id=org_id, role=role))
    row.events.append(
        models.ApplicationEvent(
            from_status=None,
            to_status=draft.status.value,
            changed_on=draft.on or today,
            note=draft.note,
            by=by,
            created_at=now,
        )
    )
    session.add(row)
    session.flush()
    return row.id


def _call_programme(session: Session, call_id: str | None) -> str | None:
    call = session.get(models.Call, call_id) if call_id else None
    return (call.programme or call.issuer) if call is not None else None


def _call_deadline(session: Session, call_id: str | None) -> date | None:
    call = session.get(models.Call, call_id) if call_id else None
    if call is None or call.deadline_at is None:
        return None
    from zoneinfo import ZoneInfo

    return call.deadline_at.astimezone(ZoneInfo("Europe/Rome")).date()


def _row(session: Session, app_id: int) -> models.Application:
    row = session.get(models.Application, app_id)
    if row is None:
        raise MonitoringError(f"unknown application {app_id}", f"candidatura {app_id} inesistente")
    return row


def change_status(
    session: Session,
    app_id: int,
    new: ApplicationStatus,
    *,
    on: date,
    today: date,
    now: datetime,
    note: str | None = None,
    by: str = "",
    amount_granted: Decimal | None = None,
) -> None:
    """Move an application to ``new`` (an allowed move, in date order), recording the change."""
    row = _row(session, app_id)
    last = row.events[-1].changed_on if row.events else None
    rules.check_transition(ApplicationStatus(row.status), new, on=on, last_change=last, today=today)
    rules.check_amounts(None, None, amount_granted)
    if amount_granted is not None and new != ApplicationStatus.FUNDED:
        raise MonitoringError(
            "an amount granted goes with the change to 'funded'",
            "l'importo concesso va indicato con lo stato «Finanziata»",
        )
    row.events.append(
        models.ApplicationEvent(
            from_status=row.status, to_status=new.value, changed_on=on, note=note, by=by, created_at=now
        )
    )
    row.status = new.value
    if amount_granted is not None:
        row.amount_granted = amount_granted
    row.updated_at = now
    session.flush()


def update_application(
    session: Session,
    app_id: int,
    *,
    now: datetime,
    title: str | None = None,
    amount_requested: Decimal | None = None,
    cofinancing: Decimal | None = None,
    deadline_on: date | None = None,
    note: str | None = None,
) -> None:
    """Edit the plain fields of an application (only those given)."""
    row = _row(session, app_id)
    rules.check_amounts(amount_requested, cofinancing)
    if title is not None and not title.strip():
        raise MonitoringError("an application needs a title", "indica il titolo della candidatura")
    for name, value in (
        ("title", title.strip() if title else None),
        ("amount_requested", amount_requested),
        ("cofinancing", cofinancing),
        ("deadline_on", deadline_on),
        ("note", note),
    ):
        if value is not None:
            setattr(row, name, value)
    row.updated_at = now
    session.flush()


def add_partner(session: Session, app_id: int, ref: str, role: str, *, now: datetime) -> None:
    """Add a partner comune (six-digit ISTAT code) or organisation (its id), with its role."""
    row = _row(session, app_id)
    ref, role = ref.strip(), role.strip() or "partner"
    if ref.isdigit():
        _known_comuni(session, [ref])
        if ref == row.lead_istat or any(p.istat == ref for p in row.partners):
            raise MonitoringError(f"comune {ref} already takes part", "il comune partecipa già")
        row.partners.append(models.ApplicationPartner(kind=PartnerKind.COMUNE.value, istat=ref, role=role))
    else:
        org = _known_organisations(session, [ref])[ref]
        if any(p.organisation_id == ref for p in row.partners):
            raise MonitoringError(f"partner {ref} already takes part", "il partner partecipa già")
        row.partners.append(models.ApplicationPartner(kind=org.kind, organisation_id=ref, role=role))
    row.updated_at = now
    session.flush()


def add_project(session: Session, app_id: int, project_id: str, *, now: datetime) -> None:
    """Bundle one more project of the catalogue in the application."""
    row = _row(session, app_id)
    project = _known_projects(session, [project_id])[0]
    if project in row.projects:
        raise MonitoringError(f"project {project_id} is already in it", "il progetto è già incluso")
    row.projects.append(project)
    row.themes = sorted(set(row.themes or []) | set(project.themes or []))
    row.updated_at = now
    session.flush()


def add_document(session: Session, app_id: int, title: str, url: str, *, now: datetime) -> None:
    row = _row(session, app_id)
    if not url.startswith(("https://", "http://")):
        raise MonitoringError(
            f"document link {url!r} must start with https:// or http://",
            "il collegamento deve iniziare con https:// o http://",
        )
    row.documents.append(models.ApplicationDocument(title=title.strip() or url, url=url, created_at=now))
    row.updated_at = now
    session.flush()


def add_milestone(
    session: Session, app_id: int, title: str, due_on: date, *, today: date, now: datetime, done_on: date | None = None
) -> int:
    row = _row(session, app_id)
    rules.check_funded(ApplicationStatus(row.status), "milestones")
    rules.check_due_after_funding(due_on, _funded_on(row), "milestone")
    rules.check_done(done_on, today, "milestone")
    item = models.Milestone(title=title, due_on=due_on, done_on=done_on)
    row.milestones.append(item)
    row.updated_at = now
    session.flush()
    return item.id


def add_reporting_deadline(
    session: Session, app_id: int, title: str, due_on: date, *, now: datetime, submitted_on: date | None = None
) -> int:
    row = _row(session, app_id)
    rules.check_funded(ApplicationStatus(row.status), "reporting deadlines")
    rules.check_due_after_funding(due_on, _funded_on(row), "reporting deadline")
    item = models.ReportingDeadline(title=title, due_on=due_on, submitted_on=submitted_on)
    row.reporting.append(item)
    row.updated_at = now
    session.flush()
    return item.id


def mark_done(session: Session, kind: str, item_id: int, on: date, *, today: date) -> None:
    """Mark a milestone done or a reporting deadline submitted (``kind``: milestone | reporting)."""
    if kind not in ("milestone", "reporting"):
        raise MonitoringError(f"unknown item kind {kind!r}: milestone or reporting")
    item: models.Milestone | models.ReportingDeadline | None = (
        session.get(models.Milestone, item_id)
        if kind == "milestone"
        else session.get(models.ReportingDeadline, item_id)
    )
    if item is None:
        raise MonitoringError(f"unknown {kind} {item_id}")
    rules.check_done(on, today, kind)
    if isinstance(item, models.Milestone):
        item.done_on = on
    else:
        item.submitted_on = on
    session.flush()


def add_progress(session: Session, app_id: int, progress: Progress, *, today: date, now: datetime) -> bool:
    """Record a progress update; ``False`` when the same date and source is already recorded (idempotent)."""
    row = _row(session, app_id)
    rules.check_funded(ApplicationStatus(row.status), "progress updates")
    rules.check_progress(progress.spending_pct, progress.works_pct, progress.as_of, today)
    if any(p.as_of == progress.as_of and p.source == progress.source for p in row.progress):
        return False
    row.progress.append(_progress_row(progress, now))
    row.updated_at = now
    session.flush()
    return True


def set_publication(
    session: Session,
    app_id: int,
    *,
    public: bool,
    now: datetime,
    story: str | None = None,
    good_practice: str | None = None,
) -> None:
    """Mark an application public on the site (with its short story), or flag it as a good practice."""
    row = _row(session, app_id)
    if good_practice and not public:
        raise MonitoringError(
            "a good practice is shown on the public site: publish the project too",
            "una buona pratica va sul sito pubblico: pubblica anche il progetto",
        )
    row.public = public
    if story is not None:
        row.story = story.strip() or None
    if good_practice is not None:
        row.good_practice = good_practice.strip() or None
    row.updated_at = now
    session.flush()


def _funded_on(row: models.Application) -> date | None:
    return next((e.changed_on for e in reversed(row.events) if e.to_status == ApplicationStatus.FUNDED.value), None)


# ------------------------------------------------------------------- readers


def _loaded() -> Select[tuple[models.Application]]:
    A = models.Application
    return select(A).options(
        selectinload(A.call),
        selectinload(A.lead),
        selectinload(A.projects).selectinload(models.Project.comuni),
        selectinload(A.partners).selectinload(models.ApplicationPartner.comune),
        selectinload(A.partners).selectinload(models.ApplicationPartner.organisation),
        selectinload(A.events),
        selectinload(A.documents),
        selectinload(A.milestones),
        selectinload(A.reporting),
        selectinload(A.progress),
    )


def _partner(p: models.ApplicationPartner) -> Partner:
    if p.comune is not None:
        return Partner(kind=PartnerKind.COMUNE, ref=p.comune.istat, name=p.comune.name, role=p.role)
    org = p.organisation
    assert org is not None
    return Partner(kind=PartnerKind(p.kind), ref=org.id, name=org.name, role=p.role)


def to_application(row: models.Application) -> Application:
    """The canonical ``Application`` of a stored row (loaded with ``_loaded``)."""
    partners = [_partner(p) for p in row.partners]
    comuni = ([(row.lead.istat, row.lead.name)] if row.lead else []) + [
        (p.ref, p.name) for p in partners if p.kind == PartnerKind.COMUNE
    ]
    for project in row.projects:
        comuni += [(c.istat, c.name) for c in project.comuni]
    unique = dict(comuni)
    return Application(
        id=row.id,
        title=row.title,
        call_id=row.call_id,
        call_title=row.call.title if row.call else None,
        funding_source=row.funding_source,
        lead_istat=row.lead_istat,
        lead_name=row.lead_name,
        status=ApplicationStatus(row.status),
        amount_requested=row.amount_requested,
        cofinancing=row.cofinancing,
        amount_granted=row.amount_granted,
        deadline_on=row.deadline_on,
        themes=list(row.themes or []),
        istat=list(unique),
        comuni=list(unique.values()),
        projects=[ProjectRef(id=p.id, title=p.title, cup=p.cup) for p in row.projects],
        partners=partners,
        history=[
            StatusChange(
                from_status=ApplicationStatus(e.from_status) if e.from_status else None,
                to_status=ApplicationStatus(e.to_status),
                on=e.changed_on,
                note=e.note,
                by=e.by,
            )
            for e in row.events
        ],
        documents=[Document(title=d.title, url=d.url) for d in row.documents],
        milestones=[MilestoneItem(id=m.id, title=m.title, due_on=m.due_on, done_on=m.done_on) for m in row.milestones],
        reporting=[
            ReportingItem(id=r.id, title=r.title, due_on=r.due_on, submitted_on=r.submitted_on) for r in row.reporting
        ],
        progress=[
            Progress(
                stage=ProgressStage(p.stage),
                spending_pct=p.spending_pct,
                works_pct=p.works_pct,
                as_of=p.as_of,
                source=p.source,
                note=p.note,
            )
            for p in row.progress
        ],
        public=row.public,
        story=row.story,
        good_practice=row.good_practice,
        note=row.note,
        origin=row.origin,
        external_ref=row.external_ref,
    )


def get_application(session: Session, app_id: int) -> Application | None:
    row = session.scalar(_loaded().where(models.Application.id == app_id))
    return to_application(row) if row is not None else None


def list_applications(
    session: Session,
    *,
    status: ApplicationStatus | None = None,
    call_id: str | None = None,
    public_only: bool = False,
) -> list[Application]:
    """Applications ordered by id, optionally with one status, for one call, or public only."""
    query = _loaded().order_by(models.Application.id)
    if status is not None:
        query = query.where(models.Application.status == status.value)
    if call_id is not None:
        query = query.where(models.Application.call_id == call_id)
    if public_only:
        query = query.where(models.Application.public.is_(True))
    return [to_application(row) for row in session.scalars(query)]


def open_deadlines(session: Session, start: date, end: date) -> list[Application]:
    """Open applications (idea, in preparation) due between ``start`` and ``end``, soonest first."""
    query = (
        _loaded()
        .where(
            models.Application.status.in_([s.value for s in rules.OPEN_STATUSES - {ApplicationStatus.SUBMITTED}]),
            models.Application.deadline_on >= start,
            models.Application.deadline_on <= end,
        )
        .order_by(models.Application.deadline_on, models.Application.id)
    )
    return [to_application(row) for row in session.scalars(query)]


def reporting_due(session: Session, start: date, end: date) -> list[tuple[Application, ReportingItem]]:
    """Reporting deadlines not yet submitted, due between ``start`` and ``end``, soonest first."""
    ids = list(
        session.scalars(
            select(models.ReportingDeadline.application_id).where(
                models.ReportingDeadline.due_on >= start,
                models.ReportingDeadline.due_on <= end,
                models.ReportingDeadline.submitted_on.is_(None),
            )
        )
    )
    found = [to_application(row) for row in session.scalars(_loaded().where(models.Application.id.in_(ids)))]
    pairs = [
        (app, item)
        for app in found
        for item in app.reporting
        if item.submitted_on is None and start <= item.due_on <= end and app.status == ApplicationStatus.FUNDED
    ]
    return sorted(pairs, key=lambda pair: (pair[1].due_on, pair[1].id))


def find_by_ref(session: Session, external_ref: str) -> int | None:
    return session.scalar(select(models.Application.id).where(models.Application.external_ref == external_ref))


# ------------------------------------------------------------------- imports


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    progress_added: int = 0
    unchanged: int = 0


def upsert_funded(
    session: Session, records: Sequence[rules.FundedRecord], *, now: datetime, today: date
) -> ImportReport:
    """Create or refresh funded projects by ``external_ref``; progress updates are added once.

    Everything is checked before anything is written: an unknown comune or project, or a
    progress update dated in the future, stops the whole import.
    """
    codes = {c for r in records for c in [*r.istat, *([r.lead_istat] if r.lead_istat else [])]}
    comuni = _known_comuni(session, sorted(codes))
    projects = {p.id: p for p in _known_projects(session, sorted({i for r in records for i in r.project_ids}))}
    for record in records:
        if record.progress is not None:
            rules.check_progress(record.progress.spending_pct, record.progress.works_pct, record.progress.as_of, today)
    existing = {
        row.external_ref: row
        for row in session.scalars(
            _loaded().where(models.Application.external_ref.in_([r.external_ref for r in records]))
        )
    }
    report = ImportReport()
    for record in records:
        row = existing.get(record.external_ref)
        if row is None:
            row = _new_funded(record, comuni, projects, now)
            session.add(row)
            report.created += 1
        elif _refresh_funded(row, record, now):
            report.updated += 1
        else:
            report.unchanged += 1
        if record.progress is not None and not any(
            p.as_of == record.progress.as_of and p.source == record.progress.source for p in row.progress
        ):
            row.progress.append(_progress_row(record.progress, now))
            report.progress_added += 1
    session.flush()
    return report


def _progress_row(progress: Progress, now: datetime) -> models.ProgressUpdate:
    return models.ProgressUpdate(
        stage=progress.stage.value,
        spending_pct=progress.spending_pct,
        works_pct=progress.works_pct,
        as_of=progress.as_of,
        source=progress.source,
        note=progress.note,
        created_at=now,
    )


def _new_funded(
    record: rules.FundedRecord,
    comuni: dict[str, models.Comune],
    projects: dict[str, models.Project],
    now: datetime,
) -> models.Application:
    row = models.Application(
        title=record.title,
        funding_source=record.funding_source,
        lead_istat=record.lead_istat,
        lead_name=record.lead_name,
        status=ApplicationStatus.FUNDED.value,
        amount_granted=record.amount_granted,
        themes=list(record.themes),
        public=record.public,
        story=record.story,
        origin=record.origin,
        external_ref=record.external_ref,
        created_at=now,
        updated_at=now,
    )
    row.projects = [projects[i] for i in record.project_ids]
    row.partners = [
        models.ApplicationPartner(kind=PartnerKind.COMUNE.value, istat=code, role="partner")
        for code in record.istat
        if code != record.lead_istat and code in comuni
    ]
    row.events = [
        models.ApplicationEvent(
            from_status=None,
            to_status=ApplicationStatus.FUNDED.value,
            changed_on=record.funded_on,
            note=f"imported ({record.origin})",
            by="import",
            created_at=now,
        )
    ]
    return row


def _refresh_funded(row: models.Application, record: rules.FundedRecord, now: datetime) -> bool:
    """Refresh what open data owns (title, funding, amount); staff's publication choices stay."""
    changed = False
    for name, value in (
        ("title", record.title),
        ("funding_source", record.funding_source),
        ("amount_granted", record.amount_granted),
        ("lead_name", record.lead_name),
    ):
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = now
    return changed


def resolve_ref(session: Session, ref: str) -> int:
    """An application from its number or its open-data reference (``pnrr:...``)."""
    ref = ref.strip()
    if ref.isdigit() and session.get(models.Application, int(ref)) is not None:
        return int(ref)
    found = find_by_ref(session, ref)
    if found is None:
        raise MonitoringError(f"unknown application {ref!r}")
    return found
