"""call_follows: a person follows a call, and its changes go into their digest

Revision ID: webapp2_call_follows
Revises: matcher2_match_inputs
Create Date: 2026-12-01 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cercabandi.db.models import UTCDateTime

revision: str = "webapp2_call_follows"
down_revision: str | None = "matcher2_match_inputs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=400), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_call_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_follows_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_follows")),
        sa.UniqueConstraint("user_id", "call_id", name=op.f("uq_call_follows_user_id")),
    )
    op.create_index("ix_call_follows_call_id", "call_follows", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_call_follows_call_id", table_name="call_follows")
    op.drop_table("call_follows")
