"""Migrations on an empty database produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from cercabandi.db.models import Base, alembic_include_name
from cercabandi.db.session import current_revision, head_revision, table_names


def test_upgrade_reaches_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": alembic_include_name}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations disagree: write a migration for {diff}"


def test_every_model_table_exists(engine: Engine) -> None:
    assert set(Base.metadata.tables) <= set(table_names(engine))
