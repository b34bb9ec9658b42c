"""Fixtures for the flows: Prefect's test harness, settings in a temporary data directory, fixtures."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

# Prefect reads PREFECT_HOME when it is imported: keep it out of the user's home.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="cercabandi-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from cercabandi.core.models import Labelled, RawCall
from cercabandi.core.settings import Settings
from cercabandi.db.session import make_engine, upgrade
from cercabandi.flows.context import AppContext
from tests.flows import fake_stages

# The stand-ins the flow tests pass for the crawl, normalise and match stages.
STAGES = {
    "crawler": fake_stages.crawl_sources,
    "normaliser": fake_stages.normalise_record,
    "matcher": fake_stages.Matcher,
}


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the session, flow heartbeats off (each run ~0.2 s instead of ~1 s)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=180),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture
def app_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a data directory in tmp_path, also seen by flows that read the environment."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CERCABANDI_DATABASE_URL", raising=False)
    monkeypatch.delenv("CERCABANDI_SMTP_HOST", raising=False)
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    engine.dispose()
    return settings


@pytest.fixture
def app(app_settings: Settings) -> Iterator[AppContext]:
    ctx = AppContext(settings=app_settings)
    yield ctx
    ctx.engine.dispose()


def write_listing(directory: Path, source: str, calls: list[dict], fetched_at: datetime) -> None:
    """A fake crawl's listing for ``source``: one RawCall per dict (native_id, title, deadline, budget)."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = []
    for call in calls:
        raw = RawCall(
            source=source,
            url=f"https://example.org/{source}/{call['native_id']}",
            fetched_at=fetched_at,
            native_id=call["native_id"],
            title=call.get("title"),
            dates=[Labelled(label="deadline", value=call["deadline"])] if call.get("deadline") else [],
            amounts=[Labelled(label="budget", value=call["budget"])] if call.get("budget") else [],
            payload=call,
        )
        lines.append(json.dumps(raw.model_dump(mode="json"), ensure_ascii=False))
    (directory / f"{source}.jsonl").write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


def night_listing(directory: Path, now: datetime) -> Path:
    """Two sources, a shared call announced by both, and a record without a title."""
    deadline = (now + timedelta(days=90)).isoformat()
    write_listing(
        directory,
        "lombardia_bandi",
        [
            {
                "native_id": "R1",
                "title": "Bando rigenerazione urbana dei quartieri popolari",
                "deadline": deadline,
                "budget": "2000000",
            },
            {"native_id": "R2", "title": "Contributi per centri estivi e inclusione sociale", "deadline": deadline},
            {"native_id": "R3", "title": None},
        ],
        now,
    )
    write_listing(
        directory,
        "it_incentivi",
        [{"native_id": "N1", "title": "Bando rigenerazione urbana dei quartieri popolari", "deadline": deadline}],
        now,
    )
    return directory
