"""End to end through replay: ``cercabandi crawl --replay`` on the shipped demo recordings, and on real captures.

The crawl runs as the user runs it (the CLI in a subprocess, one ``scrapy crawl`` per source), into a
temporary data directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cercabandi.crawlers.spiders.it_incentivi import KEEP_APPLICANTS

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "cercabandi" / "crawlers" / "recordings" / "demo"
OURS = (
    "it_incentivi",
    "it_padigitale",
    "it_italiadomani",
    "it_coesione",
    "it_dait",
    "fnd_cariplo",
    "eu_urban_initiative",
)


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CERCABANDI_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "250",
        "NO_COLOR": "1",
    }
    env.pop("CERCABANDI_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cercabandi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )


def summary_rows(stdout: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.replace("┃", "│").split("│")]
        cells = [c for c in cells if c]
        if (
            len(cells) >= 7
            and cells[0] in (*OURS, "eu_sedia", "lombardia_bandi")
            and cells[1] in ("ok", "degraded", "failing", "failed")
        ):
            rows[cells[0]] = cells
    return rows


def raw_records(data_dir: Path, source: str) -> list[dict]:
    files = sorted((data_dir / "raw" / source).glob("*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.slow
def test_demo_replay_runs_every_source_and_survives_a_broken_one(tmp_path: Path) -> None:
    replay = tmp_path / "demo"
    shutil.copytree(DEMO, replay)
    (replay / "it_padigitale" / "avvisi.json").write_text("404: Not Found")  # this source breaks
    data = tmp_path / "data"
    assert cli(data, "db", "upgrade").returncode == 0
    done = cli(data, "crawl", "--replay", str(replay))
    rows = summary_rows(done.stdout)
    assert set(OURS) <= set(rows), done.stdout + done.stderr
    assert rows["it_padigitale"][1] in ("failing", "failed")
    healthy = [s for s in OURS if s != "it_padigitale"]
    for source in healthy:
        assert rows[source][1] == "ok", (source, rows[source], done.stdout)
        assert int(rows[source][2]) > 0
    assert "Fill rate" in done.stdout
    counts = {source: len(raw_records(data, source)) for source in OURS}
    assert counts == {
        "it_incentivi": 2,
        "it_padigitale": 0,
        "it_italiadomani": 22,
        "it_coesione": 2,
        "it_dait": 2,
        "fnd_cariplo": 2,
        "eu_urban_initiative": 2,
    }
    kinds = {r["native_id"]: r["extra"]["kind"] for r in raw_records(data, "it_dait")}
    assert sorted(kinds.values()) == ["communication", "decree"]
    pdf_texts = [a.get("text") for r in raw_records(data, "fnd_cariplo") for a in r["attachments"] if a.get("text")]
    assert pdf_texts and "Cofinanziamento" in pdf_texts[0]


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_captures_replayed(shared_data: Path, tmp_path: Path) -> None:
    """The real PA digitale file and the real incentivi Solr capture, through the whole crawl."""
    avvisi = shared_data / "calls" / "padigitale2026" / "avvisi.json"
    docs = json.loads((shared_data / "calls" / "incentivi" / "incentivi_solr_capture.json").read_text())["docs"]
    data = tmp_path / "data"
    assert cli(data, "db", "upgrade").returncode == 0
    # The captures where they lie: the shared-data replay adapter serves them in the endpoints' shapes.
    done = cli(data, "crawl", "--replay", str(shared_data), "it_padigitale", "it_incentivi")
    rows = summary_rows(done.stdout)
    assert rows["it_padigitale"][1] == "ok" and rows["it_incentivi"][1] == "ok", done.stdout + done.stderr

    published = json.loads(avvisi.read_text())
    records = raw_records(data, "it_padigitale")
    assert len(records) == len(published) == 57
    by_title = {r["title"]: r for r in records}
    for call in published:
        record = by_title[call["titolo"]]
        assert record["applicants"] == call["soggetti_destinatari"]
        assert [d["value"] for d in record["dates"]] == [call["data_inizio_bando"], call["data_fine_bando"]]

    kept = [d for d in docs if any(a in KEEP_APPLICANTS for a in d.get("zm_field_subject_type_value", []))]
    records = raw_records(data, "it_incentivi")
    assert sorted(r["native_id"] for r in records) == sorted(d["zs_nid"] for d in kept)
    assert len(records) == 3
    for record in records:
        assert {"cos_e", "a_chi_si_rivolge", "cosa_prevede"} <= set(record["extra"])
