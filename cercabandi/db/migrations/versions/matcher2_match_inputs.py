"""match_inputs: fingerprint of the last match step's inputs (the incremental night)

Revision ID: matcher2_match_inputs
Revises: after_applications_monitoring
Create Date: 2026-12-01 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cercabandi.db.models

revision: str = "matcher2_match_inputs"
down_revision: str | None = "after_applications_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_inputs",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("matcher_version", sa.String(length=40), nullable=False),
        sa.Column("computed_at", cercabandi.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_match_inputs")),
    )


def downgrade() -> None:
    op.drop_table("match_inputs")
