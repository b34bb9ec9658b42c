"""Parametrised checks over every item the spiders produce from their fixtures (city-scrapers style).

Every ``fixtures/<source>/expected/*.json`` is what a spider's parse function produced from an input
(each spider's own tests assert it still does); here every one of those items is held to the
invariants that hold for all sources (``tests.crawlers.kit.check_invariants``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cercabandi.core.models import RawCall
from tests.crawlers.kit import FIXTURES, check_invariants


def expected_items() -> list[tuple[str, Path, int]]:
    found = []
    for path in sorted(FIXTURES.glob("*/expected/*.json")):
        for index, _ in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            found.append((path.parents[1].name, path, index))
    return found


@pytest.mark.parametrize(
    ("source", "path", "index"), expected_items(), ids=lambda v: v.stem if isinstance(v, Path) else str(v)
)
def test_every_expected_item_keeps_the_invariants(source: str, path: Path, index: int) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))[index]
    item = RawCall.model_validate({**record, "fetched_at": datetime(2026, 11, 21, 2, tzinfo=UTC)})
    check_invariants(item, source)


def test_every_source_with_html_or_json_fixtures_has_expected_output() -> None:
    sources = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    with_expected = {source for source, _, _ in expected_items()}
    # eu_sedia and lombardia_bandi compare chosen fields per native id in expected.json instead
    assert sources - with_expected <= {"eu_sedia", "lombardia_bandi"}
