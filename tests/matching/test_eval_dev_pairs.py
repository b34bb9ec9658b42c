"""On the real dev pairs, cercabandi beats both baselines (the issue's acceptance test)."""

from __future__ import annotations

from pathlib import Path

from cercabandi.matching.baselines import BM25Ranker, TfidfDefaultRanker
from cercabandi.matching.evaluation import evaluate, load_calls, load_pairs
from cercabandi.matching.ranker import TextRanker

KEYS = ("call/all/pairs/recall@10", "call/honest/pairs/recall@10", "call/all/pairs/mrr", "call/honest/pairs/mrr")


def test_cercabandi_beats_the_baselines_on_dev_pairs(shared_data: Path) -> None:
    calls = load_calls(shared_data / "pnrr" / "calls_corpus.csv")
    pairs = load_pairs(shared_data / "pnrr" / "eval_pairs_dev_lombardia.csv", calls)
    ours, _ = evaluate(TextRanker(), calls, pairs)
    for baseline in (TfidfDefaultRanker(), BM25Ranker()):
        theirs, _ = evaluate(baseline, calls, pairs)
        for key in KEYS:
            assert ours[key] > theirs[key] + 0.15, (type(baseline).__name__, key, ours[key], theirs[key])
    # the targets
    assert ours["call/all/pairs/recall@10"] >= 0.90
    assert ours["call/honest/pairs/recall@10"] >= 0.75
    assert ours["call/all/pairs/mrr"] >= 0.5
