"""Does learning from reviews help? A simulated volunteer on the labelled pairs.

The volunteer opens a project, reads its top 10 calls and tags each: relevant if it is the call
that really funded the project, not relevant otherwise (the dev pairs know). Nobody tags a
call outside the top 10. Three measurements, all on pairs whose labels the feedback never saw:

- ``other_projects``: a random share of projects is tagged; the call-side expansion is scored
  on the UNTAGGED projects (same calls, other projects);
- ``other_calls``: folds grouped by call (GroupKFold): projects of the training folds' calls are
  tagged, projects of the held-out calls are scored, so no label of a scored call is used;
- ``same_project``: for tagged projects whose call was not in the top 10, the next top 10
  after dropping the 10 rejected calls, with and without Rocchio on the project's vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.model_selection import GroupKFold

from cercabandi.matching.evaluation import CallsTable, PairRanks, PairsTable, pair_ranks, summarise
from cercabandi.matching.feedback import FeedbackParams, Judgement, expand_docs, rejected_pairs, rocchio
from cercabandi.matching.ranker import TextRanker
from cercabandi.matching.topk import iter_score_chunks, top_k

REPORTED = (
    "call/all/pairs/recall@10",
    "call/all/pairs/mrr",
    "call/honest/pairs/recall@10",
    "call/honest/pairs/mrr",
    "measure/all/pairs/recall@10",
    "measure/honest/pairs/recall@10",
)


def _tag_top10(
    queries: sp.csr_matrix, docs: sp.csr_matrix, rows: NDArray[np.int64], target: NDArray[np.int64]
) -> list[Judgement]:
    idx, _ = top_k(queries[rows], docs, 10)
    return [Judgement(int(r), int(d), bool(d == target[r])) for r, top in zip(rows, idx, strict=True) for d in top]


def _ranks(queries: sp.csr_matrix, docs: sp.csr_matrix, calls: CallsTable, pairs: PairsTable) -> PairRanks:
    return pair_ranks(iter_score_chunks(queries, docs), calls, pairs)


@dataclass
class FeedbackReport:
    other_projects: dict[str, tuple[float, float]]  # key -> (before, after)
    other_calls: dict[str, tuple[float, float]]
    same_project: dict[str, float]
    n_tagged: int
    n_judgements: int


def simulate(
    ranker: TextRanker,
    calls: CallsTable,
    pairs: PairsTable,
    *,
    params: FeedbackParams | None = None,
    tag_fraction: float = 0.2,
    n_folds: int = 5,
    seed: int = 0,
) -> FeedbackReport:
    params = params or FeedbackParams()
    ranker.fit(calls.titles, calls.bodies)
    queries, docs = ranker.transform(pairs.texts), ranker.docs_
    index = {c: i for i, c in enumerate(calls.ids)}
    target = np.array([index[c] for c in pairs.call_ids], dtype=np.int64)
    rng = np.random.default_rng(seed)
    n = len(pairs.texts)

    # other projects, same calls
    tagged = np.sort(rng.choice(n, size=max(1, int(tag_fraction * n)), replace=False))
    scored = np.setdiff1d(np.arange(n), tagged)
    judgements = _tag_top10(queries, docs, tagged, target)
    sub = pairs.subset(scored)
    before = summarise(_ranks(queries[scored], docs, calls, sub), sub)
    after = summarise(_ranks(queries[scored], expand_docs(docs, queries, judgements, params), calls, sub), sub)
    other_projects = {k: (before[k], after[k]) for k in REPORTED if k in before}
    other_calls = _other_calls(queries, docs, calls, pairs, target, rng, params, tag_fraction, n_folds)
    same_project = _same_project(queries, docs, calls, pairs, target, tagged, params)
    return FeedbackReport(
        other_projects=other_projects,
        other_calls=other_calls,
        same_project=same_project,
        n_tagged=len(tagged),
        n_judgements=len(judgements),
    )


def _other_calls(
    queries: NDArray[np.float32],
    docs: NDArray[np.float32],
    calls: CallsTable,
    pairs: PairsTable,
    target: NDArray[np.int64],
    rng: np.random.Generator,
    params: FeedbackParams,
    tag_fraction: float,
    n_folds: int,
) -> dict[str, tuple[float, float]]:
    """Tags on some calls, measured on other calls: folds grouped by call."""
    n = len(pairs.texts)
    before_ranks = PairRanks(call=np.zeros(n, dtype=np.int64), measure=np.zeros(n, dtype=np.int64))
    after_ranks = PairRanks(call=np.zeros(n, dtype=np.int64), measure=np.zeros(n, dtype=np.int64))
    folds = GroupKFold(n_splits=min(n_folds, len(set(pairs.call_ids))))
    for train, test in folds.split(np.zeros(n), groups=np.array(pairs.call_ids)):
        chosen = np.sort(rng.choice(train, size=max(1, int(tag_fraction * len(train))), replace=False))
        fold_docs = expand_docs(docs, queries, _tag_top10(queries, docs, chosen, target), params)
        sub = pairs.subset(test)
        for out, matrix in ((before_ranks, docs), (after_ranks, fold_docs)):
            r = _ranks(queries[test], matrix, calls, sub)
            out.call[test], out.measure[test] = r.call, r.measure
    b, a = summarise(before_ranks, pairs), summarise(after_ranks, pairs)
    return {k: (b[k], a[k]) for k in REPORTED if k in b}


def _same_project(
    queries: NDArray[np.float32],
    docs: NDArray[np.float32],
    calls: CallsTable,
    pairs: PairsTable,
    target: NDArray[np.int64],
    tagged: NDArray[np.int64],
    params: FeedbackParams,
) -> dict[str, float]:
    """Same project: the next page after rejecting the first."""
    rank_now = _ranks(queries[tagged], docs, calls, pairs.subset(tagged)).call
    missed = tagged[rank_now > 10]
    same_project = {"projects_with_call_outside_top10": float(len(missed))}
    if not len(missed):
        return same_project
    miss_judgements = _tag_top10(queries, docs, missed, target)
    rejected = rejected_pairs(miss_judgements)
    row_of = {int(q): i for i, q in enumerate(missed)}
    for name, q_matrix in (
        ("exclusion_only", queries[missed]),
        ("rocchio", rocchio(queries, docs, miss_judgements, params)[missed]),
    ):

        def drop(start: int, block: NDArray[np.float32]) -> None:
            for q, ds in rejected.items():
                i = row_of[q] - start
                if 0 <= i < block.shape[0]:
                    block[i, ds] = -np.inf

        idx, _ = top_k(q_matrix, docs, 10, hook=drop)
        hits = (idx == target[missed][:, None]).any(axis=1)
        same_project[f"{name}/recall@10_next_page"] = float(hits.mean())
    return same_project
