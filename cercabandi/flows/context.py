"""What every command needs: settings, the database, the console. Composition-root helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.settings import Settings
from cercabandi.db.session import make_engine, session_factory

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class AppContext:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        self.settings.ensure_dirs()
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)


def load_context() -> AppContext:
    settings = Settings()
    # Prefect reads its own environment at import time: point it at our data directory first.
    for key, value in settings.prefect_environment().items():
        os.environ.setdefault(key, value)
    return AppContext(settings=settings)
