"""applications in network, partners, status history, documents, milestones, reporting deadlines, progress

Revision ID: after_applications_monitoring
Revises: webapp_search_indexes
Create Date: 2026-12-01 04:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "after_applications_monitoring"
down_revision: str | None = "webapp_search_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_WHEN = sa.DateTime(timezone=True)


def _child(name: str, *columns: sa.Column[Any], extra: Sequence[Any] = ()) -> None:
    """A table owned by an application (deleted with it)."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f(f"fk_{name}_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        *extra,
    )
    op.create_index(op.f(f"ix_{name}_application_id"), name, ["application_id"], unique=False)


def _applications() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contact_email", sa.String(length=300), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("call_id", sa.String(length=400), nullable=True),
        sa.Column("funding_source", sa.String(length=300), nullable=True),
        sa.Column("lead_istat", sa.String(length=6), nullable=True),
        sa.Column("lead_name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_requested", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("cofinancing", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("amount_granted", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("deadline_on", sa.Date(), nullable=True),
        sa.Column("themes", _JSON, nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("story", sa.Text(), nullable=True),
        sa.Column("good_practice", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("external_ref", sa.String(length=300), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_applications_call_id_calls")),
        sa.ForeignKeyConstraint(["lead_istat"], ["comuni.istat"], name=op.f("fk_applications_lead_istat_comuni")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_applications_external_ref")),
    )
    for column in ("call_id", "funding_source", "lead_istat", "status"):
        op.create_index(op.f(f"ix_applications_{column}"), "applications", [column], unique=False)
    op.create_table(
        "application_projects",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_projects_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_application_projects_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "project_id", name=op.f("pk_application_projects")),
    )


def _history_and_monitoring() -> None:
    _child(
        "application_partners",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("istat", sa.String(length=6), nullable=True),
        sa.Column("organisation_id", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=False),
        extra=(
            sa.ForeignKeyConstraint(["istat"], ["comuni.istat"], name=op.f("fk_application_partners_istat_comuni")),
            sa.ForeignKeyConstraint(
                ["organisation_id"],
                ["organisations.id"],
                name=op.f("fk_application_partners_organisation_id_organisations"),
            ),
        ),
    )
    _child(
        "application_events",
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    _child(
        "application_documents",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    _child(
        "milestones",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
    )
    _child(
        "reporting_deadlines",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
    )
    op.create_index(op.f("ix_reporting_deadlines_due_on"), "reporting_deadlines", ["due_on"], unique=False)
    _child(
        "progress_updates",
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("spending_pct", sa.Float(), nullable=True),
        sa.Column("works_pct", sa.Float(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        extra=(
            sa.UniqueConstraint(
                "application_id", "as_of", "source", name=op.f("uq_progress_updates_application_id")
            ),
        ),
    )


def upgrade() -> None:
    _applications()
    _history_and_monitoring()


def downgrade() -> None:
    for name in (
        "progress_updates",
        "reporting_deadlines",
        "milestones",
        "application_documents",
        "application_events",
        "application_partners",
        "application_projects",
        "applications",
        "organisations",
    ):
        op.drop_table(name)
