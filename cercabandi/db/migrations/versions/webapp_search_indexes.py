"""Full-text search over calls (calls.search_text, FTS5 / tsvector) and indexes of the review pages

Revision ID: webapp_search_indexes
Revises: security_sessions_throttle
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "webapp_search_indexes"
down_revision: str | None = "security_sessions_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE calls_fts USING fts5(call_id UNINDEXED, search_text, tokenize = 'unicode61')",
    "CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN "
    "INSERT INTO calls_fts (call_id, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER calls_fts_update AFTER UPDATE OF search_text ON calls BEGIN "
    "DELETE FROM calls_fts WHERE call_id = old.id; "
    "INSERT INTO calls_fts (call_id, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN DELETE FROM calls_fts WHERE call_id = old.id; END",
)
POSTGRES_INDEX = "CREATE INDEX ix_calls_search_text_fts ON calls USING gin (to_tsvector('simple', search_text))"


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    op.create_index("ix_matches_call_active_score", "matches", ["call_id", "active", "score"])
    op.create_index("ix_reviews_call_reviewer", "reviews", ["call_id", "reviewer"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRES_INDEX)
    _fill_existing()


def _fill_existing() -> None:
    """Index the calls and projects already stored (the store keeps it in step from now on)."""
    from cercabandi.core.models import FundingCall
    from cercabandi.core.search_text import document
    from cercabandi.db.repo.search import search_document

    bind = op.get_bind()
    calls = sa.table("calls", sa.column("id", sa.String), sa.column("data", sa.JSON), sa.column("search_text"))
    for call_id, data in bind.execute(sa.select(calls.c.id, calls.c.data)).all():
        try:
            stems = search_document(FundingCall.model_validate(data))
        except ValueError:
            continue  # a row that no longer validates is re-indexed when its source is crawled again
        bind.execute(sa.update(calls).where(calls.c.id == call_id).values(search_text=stems))
    projects = sa.table(
        "projects",
        *(sa.column(name, sa.String) for name in ("id", "title", "description", "proponent", "cup", "search_text")),
    )
    for row in bind.execute(sa.select(projects)).all():
        text = document((row.title, row.description, row.proponent, row.cup, row.id))
        bind.execute(sa.update(projects).where(projects.c.id == row.id).values(search_text=text))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("calls_fts_insert", "calls_fts_update", "calls_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS calls_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_calls_search_text_fts")
    op.drop_index("ix_reviews_call_reviewer", table_name="reviews")
    op.drop_index("ix_matches_call_active_score", table_name="matches")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("search_text")
