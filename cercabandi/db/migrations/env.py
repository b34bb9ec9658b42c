"""Alembic environment: the engine comes from the caller (``cercabandi db upgrade``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from cercabandi.db.models import Base, alembic_include_name

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///data/cercabandi.sqlite3")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=alembic_include_name,
        )
        context.run_migrations()


run_migrations_online()
