"""Leave-one-province-out cross-validation: groups from comuni, choices made without the held-out group."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from cercabandi.flows.cli import app
from cercabandi.matching.crossval import OTHER, leave_one_group_out, province_of
from cercabandi.matching.evaluation import PairRanks, PairsTable

FIXTURES = Path(__file__).parent / "fixtures"


def test_province_of_a_pair() -> None:
    assert province_of("BERGAMO") == "BG"
    assert province_of("BERGAMO; DALMINE") == "BG"
    assert province_of("MONTU' BECCARIA") == "PV"  # apostrophes and case as the PNRR data writes them
    assert province_of("Castiglione d'Adda") == "LO"
    assert province_of("COMO; VARESE") == OTHER  # several provinces
    assert province_of("TUTTI I COMUNI") == OTHER
    assert province_of("") == OTHER


def _pairs(n: int) -> PairsTable:
    return PairsTable(
        project_ids=[f"p{i}" for i in range(n)],
        texts=["x"] * n,
        call_ids=[f"c{i}" for i in range(n)],
        measures=[""] * n,
        honest=None,
    )


def test_the_variant_is_chosen_on_the_other_groups_only() -> None:
    groups = ["A", "B", "B", "C", "C"]
    # "sharp" is perfect on A and bad elsewhere; "steady" is good on B and C, bad on A
    sharp = np.array([1, 50, 50, 50, 50])
    steady = np.array([50, 1, 1, 1, 1])
    candidates = {"sharp": PairRanks(sharp, sharp), "steady": PairRanks(steady, steady)}
    cv = leave_one_group_out({"ours": candidates}, _pairs(5), groups)
    chosen = {fold.group: fold.chosen["ours"] for fold in cv.folds}
    assert chosen == {"A": "steady", "B": "steady", "C": "steady"}
    held_out = {fold.group: fold.metrics["ours"]["call/all/pairs/recall@10"] for fold in cv.folds}
    assert held_out == {"A": 0.0, "B": 1.0, "C": 1.0}  # choosing on A itself would have said 1.0
    mean, sd, n = cv.spread("ours", "call/all/pairs/recall@10")
    assert (round(mean, 3), round(sd, 3), n) == (0.667, 0.471, 3)


def test_the_other_group_is_reported_but_not_averaged() -> None:
    ranks = np.array([1, 20, 1])
    cv = leave_one_group_out({"base": {"-": PairRanks(ranks, ranks)}}, _pairs(3), ["BG", OTHER, "BS"])
    assert [f.group for f in cv.folds] == ["BG", "BS", OTHER]
    assert cv.spread("base", "call/all/pairs/recall@10") == (1.0, 0.0, 2)


def test_eval_cli_reports_the_cross_validation(tmp_path: Path) -> None:
    with (FIXTURES / "pairs_tiny.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row, comune in zip(rows, ("BERGAMO", "BRESCIA", "COMO; VARESE", "PAVIA"), strict=True):
        row["comune"] = comune
    pairs = tmp_path / "pairs.csv"
    with pairs.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "metrics.json"
    args = ["eval", "--pairs", str(pairs), "--calls", str(FIXTURES / "calls_tiny.csv"), "--json", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Leave-one-province-out (3 provinces" in result.output
    cv = json.loads(out.read_text(encoding="utf-8"))["cross_validation"]
    assert [f["group"] for f in cv["folds"]] == ["BG", "BS", "PV", OTHER]
    summary = cv["summary"]["call/all/pairs/recall@10"]
    assert set(summary) == {"cercabandi", "tfidf_default", "bm25"}
    assert summary["cercabandi"]["folds"] == 3 and 0.0 <= summary["cercabandi"]["sd"] <= 0.5
    assert {f["chosen"]["bm25"] for f in cv["folds"]} == {"-"}

    plain = CliRunner().invoke(app, [*args[:-2], "--no-cv"])
    assert plain.exit_code == 0 and "Leave-one-province-out" not in plain.output
