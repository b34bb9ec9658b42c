"""The shortlist on real data: build a database from the real recordings and catalogue, and judge it.

``build_real_world`` imports ``../shared/data/pnrr/catalogo_progetti_MI.csv``, adds the
subscriptions of ``REAL_SUBSCRIPTIONS`` and runs the nightly flow on the recordings in
``../shared/data`` (digests written to the outbox). ``cercabandi eval shortlist`` and
``tests/flows/test_shortlist_real.py`` use it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cercabandi.db import models
from cercabandi.db.repo.subscriptions import create_subscription
from cercabandi.db.session import upgrade
from cercabandi.flows.catalogue import import_catalogue
from cercabandi.flows.context import AppContext

CATALOGUE = Path("pnrr") / "catalogo_progetti_MI.csv"
# The office (everything) and two comuni's referents, as a new user would subscribe them.
REAL_SUBSCRIPTIONS: tuple[dict[str, Any], ...] = (
    {"email": "ufficio@shortlist.invalid", "name": "Ufficio Welfare metropolitano", "frequency": "daily"},
    {"email": "rho@shortlist.invalid", "name": "Referente Rho", "comuni": ["Rho"], "frequency": "daily"},
    {"email": "sesto@shortlist.invalid", "comuni": ["Sesto San Giovanni"], "frequency": "daily"},
)
MIN_SCORE = 0.1  # the CLI's default minimum score


def build_real_world(ctx: AppContext, data_dir: Path, *, now: datetime) -> Any:
    """Schema, real catalogue, subscriptions, then the nightly flow replaying ``data_dir``; the run report."""
    from cercabandi.flows.nightly import nightly_flow

    upgrade(ctx.engine)
    import_catalogue(ctx.sessions, data_dir / CATALOGUE, now=now)
    with ctx.sessions() as session, session.begin():
        known = set(session.scalars(select(models.Subscription.email)))
        for spec in REAL_SUBSCRIPTIONS:
            if spec["email"] not in known:
                create_subscription(session, now=now, min_score=MIN_SCORE, **spec)
    return nightly_flow(replay_dir=str(data_dir), now=now, digest_dry_run=True)
