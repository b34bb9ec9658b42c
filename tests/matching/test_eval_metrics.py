"""Evaluation metrics on a tiny hand-made pairs/calls CSV with known answers, and the CLI's JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cercabandi.flows.cli import app
from cercabandi.matching.evaluation import (
    AVERAGES,
    LEVELS,
    METRICS,
    SUBSETS,
    EvalDataError,
    load_calls,
    load_pairs,
    pair_ranks,
    summarise,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_metrics_with_known_ranks() -> None:
    calls = load_calls(FIXTURES / "calls_tiny.csv")
    pairs = load_pairs(FIXTURES / "pairs_tiny.csv", calls)
    # columns C1 C2 C3 C4; rows P1..P4 (true calls C1, C4, C3, C2)
    scores = np.array(
        [
            [0.9, 0.1, 0.0, 0.0],  # P1: C1 at 1
            [0.0, 0.1, 0.0, 0.05],  # P2: C4 at 2
            [0.5, 0.4, 0.3, 0.0],  # P3: C3 at 3
            [0.8, 0.7, 0.0, 0.0],  # P4: C2 at 2, but C1 (same measure) at 1
        ],
        dtype=np.float32,
    )
    ranks = pair_ranks(iter([(0, scores)]), calls, pairs)
    assert ranks.call.tolist() == [1, 2, 3, 2]
    assert ranks.measure.tolist() == [1, 2, 3, 1]
    m = summarise(ranks, pairs)
    assert m["call/all/pairs/recall@1"] == pytest.approx(0.25)
    assert m["call/all/pairs/recall@5"] == pytest.approx(1.0)
    assert m["call/all/pairs/mrr"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 2) / 4)
    ndcg = (1 + 1 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(3)) / 4
    assert m["call/all/pairs/ndcg@10"] == pytest.approx(ndcg)
    # honest = P1 and P3 (P2 template, P4 echoes the call)
    assert m["call/honest/pairs/mrr"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["measure/all/pairs/recall@1"] == pytest.approx(0.5)
    # over calls: each call has one pair here, so macro == micro
    assert m["call/all/calls/mrr"] == pytest.approx(m["call/all/pairs/mrr"])


def test_macro_average_weights_calls_equally() -> None:
    calls = load_calls(FIXTURES / "calls_tiny.csv")
    pairs = load_pairs(FIXTURES / "pairs_tiny.csv", calls)
    pairs.call_ids = ["C1", "C1", "C1", "C2"]
    pairs.measures = ["", "", "", ""]
    from cercabandi.matching.evaluation import PairRanks

    ranks = PairRanks(call=np.array([1, 1, 1, 20]), measure=np.array([1, 1, 1, 20]))
    m = summarise(ranks, pairs)
    assert m["call/all/pairs/recall@10"] == pytest.approx(0.75)
    assert m["call/all/calls/recall@10"] == pytest.approx(0.5)


def test_bad_files_get_actionable_errors(tmp_path: Path) -> None:
    calls = load_calls(FIXTURES / "calls_tiny.csv")
    bad = tmp_path / "pairs.csv"
    bad.write_text("project_id,project_title,call_id\nP,x,C1\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match="project_description"):
        load_pairs(bad, calls)
    bad.write_text("project_id,project_title,project_description,call_id\nP,x,y,C9\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match="C9"):
        load_pairs(bad, calls)
    with pytest.raises(EvalDataError, match="does not exist"):
        load_calls(tmp_path / "missing.csv")


def test_eval_cli_writes_every_key_for_every_matcher(tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--pairs",
            str(FIXTURES / "pairs_tiny.csv"),
            "--calls",
            str(FIXTURES / "calls_tiny.csv"),
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["n_pairs"] == 4 and data["n_calls"] == 4
    assert set(data["matchers"]) == {"cercabandi", "tfidf_default", "bm25"}
    expected = {f"{lv}/{s}/{a}/{m}" for lv in LEVELS for s in SUBSETS for a in AVERAGES for m in METRICS}
    for name, metrics in data["matchers"].items():
        assert set(metrics) == expected, name
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
    # on this easy set our matcher finds every call in the top 5
    assert data["matchers"]["cercabandi"]["call/all/pairs/recall@5"] == 1.0


def test_eval_cli_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["eval", "--pairs", str(tmp_path / "nope.csv"), "--calls", str(FIXTURES / "calls_tiny.csv")]
    )
    assert result.exit_code == 2
    assert "does not exist" in " ".join(result.output.split())
