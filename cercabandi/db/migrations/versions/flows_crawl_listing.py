"""crawl_runs.listing and crawl_runs.normalised_at: what a crawl listed, kept for normalisation

Revision ID: flows_crawl_listing
Revises: flows_canonical_reason
Create Date: 2026-12-01 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cercabandi.db.models

revision: str = "flows_crawl_listing"
down_revision: str | None = "flows_canonical_reason"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Runs crawled before this revision keep no listing: they were normalised by the run that made them.
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("listing", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
        )
        batch_op.add_column(
            sa.Column("normalised_at", cercabandi.db.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("normalised_at")
        batch_op.drop_column("listing")
