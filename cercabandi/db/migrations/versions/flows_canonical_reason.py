"""calls.canonical_reason: why a call is linked to another as a duplicate

Revision ID: flows_canonical_reason
Revises: catalogue_project_cup
Create Date: 2026-11-21 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "flows_canonical_reason"
down_revision: str | None = "catalogue_project_cup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canonical_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("canonical_reason")
