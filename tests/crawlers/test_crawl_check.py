"""``cercabandi crawl --check`` offline, through replay: one listing page and one call page per source.

The command runs as a deployer runs it (the CLI in a subprocess, one ``scrapy crawl`` per source)
against the shipped demo recordings, then against a copy whose DAIT call pages lost their layout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.crawlers.test_crawl2_replay import DEMO, cli, raw_records, summary_rows
from tests.crawlers.test_layout_drift import broken


def check_rows(stdout: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        cells = [c for c in cells if c]
        if len(cells) == 5 and cells[1] in ("yes", "no"):
            rows[cells[0]] = cells
    return rows


def test_check_reports_reachable_listed_fields_and_no_fallback(tmp_path: Path) -> None:
    done = cli(tmp_path / "data", "crawl", "--check", "--replay", str(DEMO), "it_dait", "eu_urban_initiative")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = check_rows(done.stdout)
    assert set(rows) == {"it_dait", "eu_urban_initiative"}, done.stdout
    for source, (_, reachable, listed, fields, fallback) in rows.items():
        assert reachable == "yes" and int(listed) == 2 and fallback == "no", source
        assert {"title", "body", "deadline"} <= set(fields.split(", ")), (source, fields)
    assert not (tmp_path / "data" / "raw").exists()  # a check stores nothing


def test_check_shows_the_fallback_when_the_layout_drifted(tmp_path: Path) -> None:
    replay = tmp_path / "replay"
    shutil.copytree(DEMO / "it_dait", replay / "it_dait")
    for page in (replay / "it_dait").glob("comunicato-*.html"):
        page.write_text(broken(page.read_text(encoding="utf-8")), encoding="utf-8")
    done = cli(tmp_path / "data", "crawl", "--check", "--replay", str(replay), "it_dait")
    assert done.returncode == 1, done.stdout + done.stderr  # a source on the fallback needs its spider fixed
    (_, reachable, listed, fields, fallback) = check_rows(done.stdout)["it_dait"]
    assert (reachable, listed, fallback) == ("yes", "2", "yes")
    assert {"title", "body", "deadline"} <= set(fields.split(", "))


def test_a_crawl_living_on_the_fallback_leaves_the_source_degraded(tmp_path: Path) -> None:
    replay = tmp_path / "replay"
    shutil.copytree(DEMO / "it_dait", replay / "it_dait")
    for page in (replay / "it_dait").glob("comunicato-*.html"):
        page.write_text(broken(page.read_text(encoding="utf-8")), encoding="utf-8")
    data = tmp_path / "data"
    assert cli(data, "db", "upgrade").returncode == 0
    done = cli(data, "crawl", "--replay", str(replay), "it_dait")
    assert done.returncode == 0, done.stdout + done.stderr  # degraded, not failed: the calls came
    row = summary_rows(done.stdout)["it_dait"]
    assert row[1] == "degraded" and int(row[2]) >= 1 and row[6] == row[2], row  # status, items, fallbacks
    assert f"{row[2]} of {row[2]} items read by the generic fallback" in done.stdout
    records = raw_records(data, "it_dait")
    assert {r["extra"]["extraction"] for r in records} == {"fallback"}
    assert all(r["title"] and r["body"] for r in records)
