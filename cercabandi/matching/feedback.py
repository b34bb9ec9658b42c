"""Learning from volunteers' reviews, on the vectors themselves.

Three effects of a judgement "call c is (not) relevant for project p":
- the pair itself: a rejected call leaves p's ranking; an accepted one is kept (and rises);
- Rocchio on p's vector: q' = alpha q + beta mean(relevant calls) - gamma mean(rejected calls),
  negative weights cut at zero, so p's next calls look like the ones accepted;
- call-side expansion: c's vector takes in the words of the projects judged relevant to it
  (and moves away from those judged not relevant), so OTHER projects phrased like them meet
  the call. Call texts are short and written in the publisher's words; projects describe the
  same thing in theirs, which is what this learns.

The gain is measured, not assumed: ``cercabandi eval --feedback`` (see ``simulation.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class Judgement:
    query: int  # row of the project in the query matrix
    doc: int  # row of the call in the call matrix
    relevant: bool


@dataclass(frozen=True)
class FeedbackParams:
    alpha: float = 1.0
    beta: float = 0.5
    gamma: float = 0.0  # measured: pushing away from rejected calls did not help (README)
    doc_beta: float = 0.6
    doc_gamma: float = 0.0  # measured: it hurt held-out calls (their siblings get rejected)
    doc_background: float = 1.0  # share of the judged projects' mean taken off what calls learn


def _mean_rows(matrix: sp.csr_matrix, rows: Sequence[int]) -> sp.csr_matrix:
    return sp.csr_matrix(matrix[list(rows)].mean(axis=0))


def _blend(
    base: sp.csr_matrix, plus: sp.csr_matrix | None, minus: sp.csr_matrix | None, a: float, b: float, g: float
) -> sp.csr_matrix:
    out = a * base
    if plus is not None:
        out = out + b * plus
    if minus is not None:
        out = out - g * minus
    out = sp.csr_matrix(out)
    out.data[out.data < 0] = 0
    out.eliminate_zeros()
    return out


def _replace_rows(matrix: sp.csr_matrix, new_rows: dict[int, sp.csr_matrix]) -> sp.csr_matrix:
    if not new_rows:
        return matrix
    keep = np.ones(matrix.shape[0], dtype=bool)
    keep[list(new_rows)] = False
    base = sp.diags(keep.astype(np.float32)) @ matrix  # zero the replaced rows
    order = sorted(new_rows)
    patch = sp.vstack([new_rows[i] for i in order], format="csr")
    placer = sp.csr_matrix(
        (np.ones(len(order), dtype=np.float32), (order, np.arange(len(order)))), shape=(matrix.shape[0], len(order))
    )
    return sp.csr_matrix(base + placer @ patch, dtype=np.float32)


def rocchio(
    queries: sp.csr_matrix, docs: sp.csr_matrix, judgements: Sequence[Judgement], params: FeedbackParams
) -> sp.csr_matrix:
    """Project vectors moved towards the calls accepted for them and away from those rejected."""
    pos: dict[int, list[int]] = defaultdict(list)
    neg: dict[int, list[int]] = defaultdict(list)
    for j in judgements:
        (pos if j.relevant else neg)[j.query].append(j.doc)
    new_rows = {
        q: normalize(
            _blend(
                queries[q],
                _mean_rows(docs, pos[q]) if pos.get(q) else None,
                _mean_rows(docs, neg[q]) if neg.get(q) else None,
                params.alpha,
                params.beta,
                params.gamma,
            )
        )
        for q in set(pos) | set(neg)
    }
    return _replace_rows(sp.csr_matrix(queries), new_rows)


def expand_docs(
    docs: sp.csr_matrix, queries: sp.csr_matrix, judgements: Sequence[Judgement], params: FeedbackParams
) -> sp.csr_matrix:
    """Call vectors that took in the words of the projects judged relevant to them."""
    pos: dict[int, list[int]] = defaultdict(list)
    neg: dict[int, list[int]] = defaultdict(list)
    for j in judgements:
        (pos if j.relevant else neg)[j.doc].append(j.query)
    background: sp.csr_matrix | None = None
    if params.doc_background > 0 and judgements:
        # Words every project uses ("comune", "servizi", "realizzazione") say nothing about one
        # call: learn only what the call's projects use MORE than the projects at hand in general.
        background = params.doc_background * sp.csr_matrix(queries.mean(axis=0))

    def learned(rows: list[int]) -> sp.csr_matrix:
        centroid = _mean_rows(queries, rows)
        if background is None:
            return centroid
        diff = sp.csr_matrix(centroid - background)
        diff.data[diff.data < 0] = 0
        diff.eliminate_zeros()
        return normalize(diff)

    new_rows = {
        d: normalize(
            _blend(
                docs[d],
                learned(pos[d]) if pos.get(d) else None,
                _mean_rows(queries, neg[d]) if neg.get(d) else None,
                1.0,
                params.doc_beta,
                params.doc_gamma,
            )
        )
        for d in set(pos) | set(neg)
    }
    return _replace_rows(sp.csr_matrix(docs), new_rows)


def rejected_pairs(judgements: Sequence[Judgement]) -> dict[int, list[int]]:
    """query row -> call rows rejected for it (they leave that project's ranking)."""
    out: dict[int, list[int]] = defaultdict(list)
    for j in judgements:
        if not j.relevant:
            out[j.query].append(j.doc)
    return dict(out)


def latest(judgements: Sequence[Judgement]) -> list[Judgement]:
    """One judgement per (project, call): the last one given wins (a volunteer changed their mind)."""
    last: dict[tuple[int, int], Judgement] = {}
    for j in judgements:
        last[(j.query, j.doc)] = j
    return list(last.values())
