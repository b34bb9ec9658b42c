"""The demo: the whole chain offline on the embedded default (SQLite in the data directory).

Creates the database, imports the sample catalogue, adds two demo subscriptions, runs the
nightly flow with every source replayed from the recordings shipped with the project, and
writes the digests to the outbox. Running it again changes nothing (0 new, 0 changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

import cercabandi
from cercabandi.db import models
from cercabandi.db.repo.matches import active_matches
from cercabandi.db.repo.subscriptions import create_subscription
from cercabandi.db.session import upgrade
from cercabandi.flows.catalogue import import_catalogue
from cercabandi.flows.context import AppContext

DEMO_RECORDINGS = Path(cercabandi.__file__).resolve().parent / "crawlers" / "recordings" / "demo"
DEMO_CATALOGUE = Path(__file__).resolve().parent / "demo_data" / "catalogo_demo.csv"

# Who gets a digest in the demo: the office (everything) and one comune's referent.
DEMO_SUBSCRIPTIONS: tuple[dict[str, Any], ...] = (
    {"email": "welfare-rigenerazione@demo.invalid", "name": "Ufficio Welfare metropolitano", "frequency": "daily"},
    {
        "email": "referente.sesto@demo.invalid",
        "name": "Referente Sesto San Giovanni",
        "comuni": ["Sesto San Giovanni"],
        "frequency": "daily",
    },
)


@dataclass
class DemoPrepared:
    projects: int
    subscriptions: int
    notes: list[str] = field(default_factory=list)


def prepare(ctx: AppContext, *, now: datetime) -> DemoPrepared:
    """Schema, sample catalogue and demo subscriptions; each step is idempotent."""
    upgrade(ctx.engine)
    notes: list[str] = []
    projects = 0
    outcome = import_catalogue(ctx.sessions, DEMO_CATALOGUE, now=now)
    if not outcome.imported:
        notes.append(f"the demo catalogue has {len(outcome.parsed.rejected)} invalid rows: nothing imported")
    projects = len(outcome.parsed.projects)
    subscriptions = 0
    with ctx.sessions() as session, session.begin():
        known = set(session.scalars(select(models.Subscription.email)))
        for spec in DEMO_SUBSCRIPTIONS:
            if spec["email"] not in known:
                create_subscription(session, now=now, **spec)
            subscriptions += 1
    return DemoPrepared(projects, subscriptions, notes)


def top_matches(ctx: AppContext, limit: int = 10) -> list[dict[str, Any]]:
    """The best match of each project, best first: one line per project reads better than
    ten lots of one call for the same project."""
    with ctx.sessions() as session:
        rows = active_matches(session)
        titles = dict(session.execute(select(models.Call.id, models.Call.title)).tuples().all())
        names = dict(session.execute(select(models.Project.id, models.Project.title)).tuples().all())
    best: dict[str, Any] = {}
    for row in rows:  # best first
        best.setdefault(row.project_id, row)
    return [
        {
            "score": row.score,
            "call_id": row.call_id,
            "call_title": titles.get(row.call_id, ""),
            "project_id": row.project_id,
            "project_title": names.get(row.project_id, ""),
            "terms": [t["term"] for t in (row.explanation or {}).get("terms", [])[:5]],
        }
        for row in list(best.values())[:limit]
    ]
