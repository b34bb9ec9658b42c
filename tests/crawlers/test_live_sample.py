"""A real sample of every source, recorded on a machine with internet, replayed offline when present.

Record it with (README, "First run on a machine with internet")::

    cercabandi crawl --check --record ../shared/data/live_sample

(one listing page and one call page per source, in the replay layout) or point
``CERCABANDI_LIVE_SAMPLE`` at such a folder. These tests skip when there is none.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cercabandi.flows.replaying import recorded_sources
from tests.conftest import SHARED_DATA
from tests.crawlers.test_crawl2_replay import cli
from tests.crawlers.test_crawl_check import check_rows


def live_sample() -> Path:
    chosen = os.environ.get("CERCABANDI_LIVE_SAMPLE")
    folder = Path(chosen) if chosen else SHARED_DATA / "live_sample"
    if not (folder.is_dir() and recorded_sources(folder)):
        pytest.skip(f"no real sample recorded at {folder} (record one: cercabandi crawl --check --record {folder})")
    return folder


def test_every_recorded_source_still_reads_its_real_pages(tmp_path: Path) -> None:
    sample = live_sample()
    done = cli(tmp_path / "data", "crawl", "--check", "--replay", str(sample))
    rows = check_rows(done.stdout)
    assert set(recorded_sources(sample)) <= set(rows), done.stdout + done.stderr
    for source, (_, reachable, listed, fields, fallback) in rows.items():
        assert reachable == "yes" and int(listed) > 0, (source, done.stdout)
        assert "title" in fields.split(", ") and fallback == "no", (source, fields)


def test_a_recorded_sample_is_picked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recording command writes what ``live_sample`` finds (recorded here from the demo replay)."""
    from tests.crawlers.test_crawl2_replay import DEMO

    sample = tmp_path / "live_sample"
    done = cli(tmp_path / "data", "crawl", "--check", "--replay", str(DEMO), "--record", str(sample), "it_dait")
    assert done.returncode == 0, done.stdout + done.stderr
    monkeypatch.setenv("CERCABANDI_LIVE_SAMPLE", str(sample))
    assert live_sample() == sample and recorded_sources(sample) == ["it_dait"]
