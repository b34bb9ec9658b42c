"""Projects of the catalogue: upsert by id or CUP, list with filters, read back as ``Project``.

The caller owns the transaction: an import calls ``upsert_projects`` inside one
``transaction(...)`` so that any failure leaves the catalogue exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cercabandi.core.models import ComuneRef, Project
from cercabandi.db import models
from cercabandi.db.repo.search import project_search_document

# Columns compared to tell "updated" from "unchanged" (comuni are compared as a set).
_SCALARS = (
    "cup",
    "title",
    "description",
    "proponent",
    "proponent_type",
    "stage",
    "estimated_cost",
    "cofinancing_available",
    "funding_obtained",
    "contact_name",
    "contact_email",
    "partners",
    "themes",
    "extra",
)


@dataclass
class UpsertReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    matched_by_cup: dict[str, str] = field(default_factory=dict)  # incoming id -> existing id
    changes: dict[str, list[str]] = field(default_factory=dict)  # project id -> changed fields


def _columns(project: Project) -> dict[str, Any]:
    return {
        "cup": project.cup,
        "title": project.title,
        "description": project.description,
        "proponent": project.proponent,
        "proponent_type": project.proponent_type.value if project.proponent_type else None,
        "stage": project.stage.value if project.stage else None,
        "estimated_cost": project.estimated_cost,
        "cofinancing_available": project.cofinancing_available,
        "funding_obtained": project.funding_obtained,
        "contact_name": project.contact_name,
        "contact_email": project.contact_email,
        "partners": list(project.partners),
        "themes": list(project.themes),
        "extra": dict(project.extra),
        "search_text": project_search_document(project),
    }


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (None if old is None else Decimal(old)) == (None if new is None else Decimal(new))
    return bool(old == new)


def upsert_projects(session: Session, projects: Sequence[Project], *, now: datetime) -> UpsertReport:
    """Create or update each project; nothing is deleted.

    A project is found by its id, else by its CUP when exactly one stored project has that
    CUP and no incoming project claims that stored id (an updated sheet that gained an id
    column updates rather than duplicates). Unchanged projects are not touched.
    """
    report = UpsertReport()
    incoming_ids = {p.id for p in projects}
    comuni_rows = {c.istat: c for c in session.scalars(select(models.Comune))}
    existing = {
        row.id: row
        for row in session.scalars(
            select(models.Project)
            .where(models.Project.id.in_(incoming_ids))
            .options(selectinload(models.Project.comuni))
        )
    }
    cups = {p.cup for p in projects if p.cup and p.id not in existing}
    by_cup: dict[str, list[models.Project]] = {}
    if cups:
        for stored in session.scalars(
            select(models.Project).where(models.Project.cup.in_(cups)).options(selectinload(models.Project.comuni))
        ):
            by_cup.setdefault(stored.cup or "", []).append(stored)
    for project in projects:
        unknown = [c.istat for c in project.comuni if c.istat not in comuni_rows]
        if unknown:
            raise ValueError(
                f"project {project.id!r}: ISTAT code(s) {unknown} are not in the comuni table "
                "(run `cercabandi db upgrade`)"
            )
        row: models.Project | None = existing.get(project.id)
        if row is None and project.cup:
            matches = [r for r in by_cup.get(project.cup, []) if r.id not in incoming_ids]
            if len(matches) == 1:
                row = matches[0]
                report.matched_by_cup[project.id] = row.id
        values = _columns(project)
        istat = sorted({c.istat for c in project.comuni})
        if row is None:
            row = models.Project(id=project.id, created_at=now, updated_at=now, **values)
            session.add(row)
            row.comuni = sorted((comuni_rows[code] for code in istat), key=lambda c: c.name)
            report.created.append(project.id)
            continue
        changed = [name for name in _SCALARS if not _same(getattr(row, name), values[name])]
        if sorted(c.istat for c in row.comuni) != istat:
            changed.append("comuni")
        if not changed:
            report.unchanged.append(row.id)
            continue
        for name, value in values.items():  # the compared columns and the search stems they make
            setattr(row, name, value)
        row.comuni = sorted((comuni_rows[code] for code in istat), key=lambda c: c.name)
        row.updated_at = now
        report.updated.append(row.id)
        report.changes[row.id] = changed
    session.flush()
    return report


def to_project(row: models.Project) -> Project:
    """The canonical ``Project`` of a stored row."""
    return Project(
        id=row.id,
        cup=row.cup,
        title=row.title,
        description=row.description or "",
        comuni=[ComuneRef(istat=c.istat, name=c.name) for c in sorted(row.comuni, key=lambda c: c.name)],
        proponent=row.proponent,
        proponent_type=row.proponent_type,  # type: ignore[arg-type]
        partners=list(row.partners or []),
        themes=list(row.themes or []),
        estimated_cost=row.estimated_cost,
        cofinancing_available=row.cofinancing_available,
        stage=row.stage,  # type: ignore[arg-type]
        funding_obtained=row.funding_obtained,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        extra={str(k): str(v) for k, v in (row.extra or {}).items()},
    )


def get_project(session: Session, project_id: str) -> Project | None:
    row = session.scalar(
        select(models.Project).where(models.Project.id == project_id).options(selectinload(models.Project.comuni))
    )
    return to_project(row) if row is not None else None


def projects_with_cup(session: Session, cup: str) -> list[Project]:
    """Every project with this CUP (written in any case, with spaces around), ordered by id."""
    rows = session.scalars(
        select(models.Project)
        .where(func.upper(models.Project.cup) == cup.strip().upper())
        .options(selectinload(models.Project.comuni))
        .order_by(models.Project.id)
    )
    return [to_project(row) for row in rows]


def list_projects(
    session: Session,
    *,
    istat: str | None = None,
    stage: str | None = None,
    theme: str | None = None,
) -> list[Project]:
    """Projects ordered by id, optionally in one comune, at one stage, with one theme."""
    query = select(models.Project).options(selectinload(models.Project.comuni)).order_by(models.Project.id)
    if istat is not None:
        query = query.where(
            models.Project.id.in_(select(models.ProjectComune.project_id).where(models.ProjectComune.istat == istat))
        )
    if stage is not None:
        query = query.where(models.Project.stage == stage)
    projects = [to_project(row) for row in session.scalars(query)]
    if theme is not None:  # JSON containment differs between SQLite and PostgreSQL: filter here
        projects = [p for p in projects if theme in p.themes]
    return projects


def count_projects(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(models.Project)) or 0
