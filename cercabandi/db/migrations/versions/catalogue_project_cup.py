"""projects.cup: an index instead of a unique constraint

Revision ID: catalogue_project_cup
Revises: catalogue_comuni
Create Date: 2026-11-21 22:40:00

One CUP can fund several projects: the PNRR open data lists yearly tranches of one CUP
as distinct projects with their own ids (4 such CUPs among the 1,942 Milan projects).
The project id stays the unique key; the CUP is still indexed for upserts by CUP.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "catalogue_project_cup"
down_revision: str | None = "catalogue_comuni"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_projects_cup"), type_="unique")
        batch_op.create_index(batch_op.f("ix_projects_cup"), ["cup"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_cup"))
        batch_op.create_unique_constraint(batch_op.f("uq_projects_cup"), ["cup"])
