"""The shortlist on the real recordings and the real Milan catalogue (skipped without ../shared/data).

One database is built for the module (catalogue import + nightly run replaying ../shared/data,
a few minutes), judged once by ``judge_shortlist``; the tests read the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cercabandi.core.settings import Settings
from cercabandi.db import models
from cercabandi.flows.context import AppContext
from cercabandi.flows.shortlist import HTML_LIMIT, ShortlistFigures, build_real_world, judge_shortlist
from tests.conftest import SHARED_DATA

NOW = datetime(2026, 8, 22, 5, 0, tzinfo=UTC)  # the morning the recordings were made


@pytest.fixture(scope="module")
def real_world(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppContext, ShortlistFigures]]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recorded data not present at {SHARED_DATA} (a fresh clone has no ../shared)")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CERCABANDI_DATA_DIR", str(tmp_path_factory.mktemp("shortlist") / "data"))
        env.delenv("CERCABANDI_DATABASE_URL", raising=False)
        env.delenv("CERCABANDI_SMTP_HOST", raising=False)
        ctx = AppContext(settings=Settings())
        build_real_world(ctx, SHARED_DATA, now=NOW)
        yield ctx, judge_shortlist(ctx, ctx.settings.outbox_dir, now=NOW)
        ctx.engine.dispose()


def test_no_active_match_for_other_places_or_for_what_is_not_funding(
    real_world: tuple[AppContext, ShortlistFigures],
) -> None:
    _, figures = real_world
    assert figures.active_matches > 1000
    assert (figures.other_regions, figures.other_provinces, figures.not_funding) == (0, 0, 0)
    assert figures.by_level["eu"] > 0 and figures.by_level["regional"] > 0  # EU calls reach our projects too


def test_every_digest_puts_calls_closing_soon_first_and_stays_light(
    real_world: tuple[AppContext, ShortlistFigures],
) -> None:
    _, figures = real_world
    assert len(figures.digests) == 3
    assert any(d.urgent_matched for d in figures.digests)  # the check has something to check
    for digest in figures.digests:
        assert (digest.urgent_missing, digest.urgent_late) == (0, 0), digest
        assert digest.html_bytes < HTML_LIMIT, digest


def test_every_call_links_a_page_a_person_can_read(real_world: tuple[AppContext, ShortlistFigures]) -> None:
    ctx, _ = real_world
    with ctx.sessions() as session:
        urls = [data["url"] for data in session.scalars(select(models.Call.data))]
    assert urls and not [u for u in urls if u.endswith(".json") or "/resource/" in u]
