"""Offline evaluation on labelled pairs (project -> the call that funded it).

Every project is ranked against ALL calls of the calls CSV (no gates: the calls are historical).
For each pair we take the rank of its call (call level) and the rank of the best-placed call of
the same measure (measure level: is a sibling call of the right measure in the top k?). Metrics:
recall@1/5/10, MRR (1/rank, uncut), nDCG@10 (one relevant item: 1/log2(rank+1) within the top
10), averaged over pairs and over calls (mean of each call's pair mean), for all pairs and for the
honest subset (``is_pa_digitale_template = 0 and project_text_echoes_call = 0``).

Keys are ``LEVEL/SUBSET/AVERAGE/METRIC``, e.g. ``call/honest/pairs/recall@10``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from cercabandi.matching.topk import positions

METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
LEVELS = ("call", "measure")
SUBSETS = ("all", "honest")
AVERAGES = ("pairs", "calls")
HONEST_FLAGS = ("is_pa_digitale_template", "project_text_echoes_call")


class EvalDataError(ValueError):
    """A pairs or calls file that cannot be evaluated, with what to fix."""


@dataclass
class CallsTable:
    ids: list[str]
    titles: list[str]
    bodies: list[str]
    measures: list[str]  # "" when unknown


@dataclass
class PairsTable:
    project_ids: list[str]
    texts: list[str]  # title + description
    call_ids: list[str]
    measures: list[str]  # the pair's measure ("" when unknown)
    honest: NDArray[np.bool_] | None  # None when the flag columns are absent
    comuni: list[str] = field(default_factory=list)  # the "comune" column ("A; B" for several), when present

    def subset(self, rows: NDArray[np.int64]) -> PairsTable:
        pick = rows.tolist()
        return PairsTable(
            project_ids=[self.project_ids[i] for i in pick],
            texts=[self.texts[i] for i in pick],
            call_ids=[self.call_ids[i] for i in pick],
            measures=[self.measures[i] for i in pick],
            honest=None if self.honest is None else self.honest[rows],
            comuni=[self.comuni[i] for i in pick] if self.comuni else [],
        )


def _read_csv(path: Path, required: Sequence[str], what: str) -> list[dict[str, str]]:
    if not path.is_file():
        raise EvalDataError(f"{what} file {path} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in required if c not in columns]
        if missing:
            raise EvalDataError(
                f"{what} file {path} lacks column(s) {', '.join(missing)}; it has: {', '.join(columns) or 'none'}"
            )
        rows = list(reader)
    if not rows:
        raise EvalDataError(f"{what} file {path} has no rows")
    return rows


def load_calls(path: Path) -> CallsTable:
    rows = _read_csv(path, ("call_id", "call_title", "call_description"), "calls")
    ids = [r["call_id"].strip() for r in rows]
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise EvalDataError(f"calls file {path} repeats call_id {', '.join(dupes[:5])}: ids must be unique")
    return CallsTable(
        ids=ids,
        titles=[r["call_title"] or "" for r in rows],
        bodies=[r["call_description"] or "" for r in rows],
        measures=[(r.get("codice_submisura") or "").strip() for r in rows],
    )


def project_text(title: str, description: str) -> str:
    """A project's text: title and description, the title skipped when the description repeats it."""
    title, description = title.strip(), description.strip()
    if title and description.lower().startswith(title.lower()):
        return description
    return f"{title}\n{description}".strip()


def load_pairs(path: Path, calls: CallsTable) -> PairsTable:
    rows = _read_csv(path, ("project_id", "project_title", "project_description", "call_id"), "pairs")
    known = set(calls.ids)
    unknown = sorted({r["call_id"].strip() for r in rows} - known)
    if unknown:
        raise EvalDataError(
            f"{len(unknown)} call_id(s) of the pairs are not in the calls file (e.g. {', '.join(unknown[:5])}): "
            "rank against the calls file the pairs were made from"
        )
    measure_of = dict(zip(calls.ids, calls.measures, strict=True))
    honest: NDArray[np.bool_] | None = None
    if all(flag in rows[0] for flag in HONEST_FLAGS):
        honest = np.array([all((r[f] or "0").strip() in ("0", "", "False") for f in HONEST_FLAGS) for r in rows])
    return PairsTable(
        project_ids=[r["project_id"] for r in rows],
        texts=[project_text(r["project_title"] or "", r["project_description"] or "") for r in rows],
        call_ids=[r["call_id"].strip() for r in rows],
        measures=[(r.get("call_submisura") or "").strip() or measure_of[r["call_id"].strip()] for r in rows],
        honest=honest,
        comuni=[(r.get("comune") or "").strip() for r in rows] if "comune" in rows[0] else [],
    )


class ScoringRanker(Protocol):
    """What the evaluation needs from a ranker: fit on calls, dense score chunks for query texts."""

    def fit(self, titles: Sequence[str], bodies: Sequence[str]) -> object: ...

    def score_chunks(self, texts: Sequence[str]) -> Iterator[tuple[int, NDArray[np.float32]]]: ...


@dataclass
class PairRanks:
    call: NDArray[np.int64]  # 1-based rank of the pair's call
    measure: NDArray[np.int64]  # 1-based rank of the best call of the pair's measure


def pair_ranks(chunks: Iterator[tuple[int, NDArray[np.float32]]], calls: CallsTable, pairs: PairsTable) -> PairRanks:
    """Ranks of every pair's call and measure, from score chunks aligned with ``pairs.texts``."""
    index = {cid: i for i, cid in enumerate(calls.ids)}
    target = np.array([index[c] for c in pairs.call_ids], dtype=np.int64)
    measures = np.array(calls.measures, dtype=object)
    pair_measure = np.array(pairs.measures, dtype=object)
    call_rank = np.zeros(len(target), dtype=np.int64)
    measure_rank = np.zeros(len(target), dtype=np.int64)
    for start, block in chunks:
        pos = positions(block)
        rows = np.arange(block.shape[0])
        stop = start + block.shape[0]
        call_rank[start:stop] = pos[rows, target[start:stop]]
        same = measures[None, :] == pair_measure[start:stop, None]
        same &= pair_measure[start:stop, None] != ""
        same[rows, target[start:stop]] = True  # unknown measure: the call itself
        measure_rank[start:stop] = np.where(same, pos, np.iinfo(np.int32).max).min(axis=1)
    return PairRanks(call=call_rank, measure=measure_rank)


def metrics_of(ranks: NDArray[np.int64]) -> dict[str, float]:
    r = ranks.astype(np.float64)
    return {
        "recall@1": float(np.mean(r <= 1)),
        "recall@5": float(np.mean(r <= 5)),
        "recall@10": float(np.mean(r <= 10)),
        "mrr": float(np.mean(1.0 / r)),
        "ndcg@10": float(np.mean(np.where(r <= 10, 1.0 / np.log2(r + 1.0), 0.0))),
    }


def _macro(ranks: NDArray[np.int64], groups: NDArray[np.object_]) -> dict[str, float]:
    per_group = [metrics_of(ranks[groups == g]) for g in np.unique(groups)]
    return {m: float(np.mean([p[m] for p in per_group])) for m in METRICS}


def summarise(ranks: PairRanks, pairs: PairsTable) -> dict[str, float]:
    """All ``LEVEL/SUBSET/AVERAGE/METRIC`` keys (honest ones only when the flags exist)."""
    groups = np.array(pairs.call_ids, dtype=object)
    subsets: dict[str, NDArray[np.bool_]] = {"all": np.ones(len(groups), dtype=bool)}
    if pairs.honest is not None:
        subsets["honest"] = pairs.honest
    out: dict[str, float] = {}
    for level, level_ranks in (("call", ranks.call), ("measure", ranks.measure)):
        for subset, mask in subsets.items():
            if not mask.any():
                continue
            for average, values in (
                ("pairs", metrics_of(level_ranks[mask])),
                ("calls", _macro(level_ranks[mask], groups[mask])),
            ):
                for metric, value in values.items():
                    out[f"{level}/{subset}/{average}/{metric}"] = value
    return out


def evaluate(ranker: ScoringRanker, calls: CallsTable, pairs: PairsTable) -> tuple[dict[str, float], PairRanks]:
    ranker.fit(calls.titles, calls.bodies)
    ranks = pair_ranks(ranker.score_chunks(pairs.texts), calls, pairs)
    return summarise(ranks, pairs), ranks


# One step of the analyser or ranker taken away (or changed) at a time: ``eval --ablation``.
ABLATIONS: dict[str, dict[str, object]] = {
    "without char n-grams": {"char_weight": 0.0},
    "without bigrams": {"bigram_weight": 0.0},
    "bigrams at full weight": {"bigram_weight": 1.0},
    "without synonyms": {"synonyms": False},
    "without acronyms": {"acronyms": False},
    "without code tokens": {"codes": False},
    "without stop words": {"stop_words": False},
    "without place words": {"places": False},
    "without stemming": {"stem": False},
    "English stemming for English texts": {"english": True},
    "without the bilingual lexicon": {"concepts": False},
    "lexicon concepts at full weight": {"concept_weight": 1.0},
    "without sublinear tf": {"sublinear_tf": False},
    "title weight 2": {"title_weight": 2.0},
    "title weight 0.5": {"title_weight": 0.5},
}

# The variants among which leave-one-province-out cross-validation chooses (``eval``, beside the default).
CV_CANDIDATES: dict[str, dict[str, object]] = {
    name: ABLATIONS[name] for name in ("without char n-grams", "bigrams at full weight", "title weight 2")
}

KEY_METRICS = (
    "call/all/pairs/recall@10",
    "call/honest/pairs/recall@10",
    "call/all/pairs/mrr",
    "call/honest/pairs/mrr",
    "call/all/calls/recall@10",
    "measure/all/pairs/recall@10",
    "measure/honest/pairs/recall@10",
)
