"""What may be published about a project, and nothing else.

Public rule: an application is on the site when it is **funded** and **marked public**. Funded
projects imported from open data (PNRR catalogue, Bando Periferie 2016) are marked public at
import, since everything they hold is already published under an open licence; applications
made by staff stay private until staff publish them.

Never public: notes, documents, contacts, partner roles, amounts requested, the source of a
staff progress update (it may name a person), reviews and verdicts (not even read here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from pydantic import Field

from cercabandi.core.applications import Application
from cercabandi.core.models import Contract
from cercabandi.core.vocab import ApplicationStatus, PartnerKind


class PublicMilestone(Contract):
    title: str
    due_on: date
    done_on: date | None = None


class PublicProject(Contract):
    slug: str
    title: str
    comuni: list[tuple[str, str]] = Field(default_factory=list)  # (istat, name)
    lead: str
    partners: list[str] = Field(default_factory=list)  # names of partner bodies
    funding_source: str | None = None
    amount_granted: Decimal | None = None
    themes: list[str] = Field(default_factory=list)
    stage: str | None = None  # ProgressStage value
    spending_pct: float | None = None
    works_pct: float | None = None
    updated_on: date | None = None
    update_source: str | None = None  # only for open data
    story: str | None = None
    good_practice: str | None = None
    milestones: list[PublicMilestone] = Field(default_factory=list)


def is_public(app: Application) -> bool:
    return app.public and app.status == ApplicationStatus.FUNDED


def slug_of(app: Application) -> str:
    """A stable file name: the open-data reference when there is one, else the application number."""
    ref = app.external_ref or f"candidatura-{app.id}"
    return re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-")


def to_public(app: Application) -> PublicProject:
    latest = app.latest_progress
    opendata = app.origin.startswith("opendata")
    return PublicProject(
        slug=slug_of(app),
        title=app.title,
        comuni=list(zip(app.istat, app.comuni, strict=True)),
        lead=app.lead_name,
        partners=[p.name for p in app.partners if p.kind != PartnerKind.COMUNE],
        funding_source=app.funding_source,
        amount_granted=app.amount_granted,
        themes=list(app.themes),
        stage=latest.stage.value if latest else None,
        spending_pct=latest.spending_pct if latest else None,
        works_pct=latest.works_pct if latest else None,
        updated_on=latest.as_of if latest else None,
        update_source=latest.source if latest and opendata else None,
        story=app.story,
        good_practice=app.good_practice,
        milestones=[PublicMilestone(title=m.title, due_on=m.due_on, done_on=m.done_on) for m in app.milestones],
    )


def public_projects(apps: Iterable[Application]) -> list[PublicProject]:
    return [to_public(a) for a in apps if is_public(a)]
