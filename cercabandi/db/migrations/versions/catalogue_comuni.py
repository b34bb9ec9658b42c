"""load the comuni of the Città metropolitana di Milano

Revision ID: catalogue_comuni
Revises: 0001
Create Date: 2026-11-21 22:00:00

Reference data, not schema: the 133 comuni from ``cercabandi/core/data/comuni_cm_milano.csv``.
Idempotent: rows already present are updated in place (a referent e-mail typed by staff
is kept), missing ones inserted, so running it on a database loaded by hand is safe.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cercabandi.core.comuni import all_comuni

revision: str = "catalogue_comuni"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

comuni = sa.table(
    "comuni",
    sa.column("istat", sa.String),
    sa.column("name", sa.String),
    sa.column("province", sa.String),
)


def upgrade() -> None:
    bind = op.get_bind()
    existing: dict[str, str] = {row[0]: row[1] for row in bind.execute(sa.select(comuni.c.istat, comuni.c.name))}
    missing = []
    for comune in all_comuni():
        if comune.istat not in existing:
            missing.append({"istat": comune.istat, "name": comune.name, "province": "MI"})
        elif existing[comune.istat] != comune.name:
            bind.execute(sa.update(comuni).where(comuni.c.istat == comune.istat).values(name=comune.name))
    if missing:
        op.bulk_insert(comuni, missing)


def downgrade() -> None:
    # Leave rows that projects or assignments still point at: removing them would fail anyway.
    codes = [c.istat for c in all_comuni()]
    bind = op.get_bind()
    referenced = {
        row[0]
        for row in bind.execute(
            sa.text("SELECT DISTINCT istat FROM project_comuni UNION SELECT istat FROM assignments")
        )
        if row[0] is not None
    }
    removable = [code for code in codes if code not in referenced]
    if removable:
        bind.execute(sa.delete(comuni).where(comuni.c.istat.in_(removable)))
