"""``Matcher``: funding calls ranked for municipal projects, gated and explained.

scikit-learn estimator contract: ``__init__`` only stores parameters, ``fit(calls)`` returns
``self``, learned attributes end in ``_``. Never imports ``db``: it takes canonical models and
returns ``core.models.Match`` objects; ``flows`` stores them.

``rank`` = eligibility gates (status at ``now``, applicant type, territory, budget) applied to
the score matrix before the top-k, then reviews (feedback) applied, then explanations for what
is kept: the terms that contributed most, every gate's result, and what is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from cercabandi.core.models import FundingCall, GateResult, Match, Project, Review, TermContribution
from cercabandi.core.vocab import ReviewTag
from cercabandi.matching.analysis import CODE_PREFIX, most_common_surface
from cercabandi.matching.feedback import FeedbackParams, Judgement, expand_docs, latest, rejected_pairs, rocchio
from cercabandi.matching.gates import GateTable, check_gates, passes, unknowns
from cercabandi.matching.ranker import TextRanker
from cercabandi.matching.topk import top_k_rows

MATCHER_VERSION = "tfidf-it-en-3"
# Below this many projects ranked together, "a share of the catalogue" says nothing (see ``generic_words``).
MIN_PROJECTS_FOR_SHARE = 50


def call_text(call: FundingCall) -> tuple[str, str]:
    """(title, body) of a call as the ranker reads them."""
    body = "\n".join(p for p in (call.summary, call.body_text, call.programme, call.applicants_text) if p)
    return call.title, body


def project_text(project: Project) -> str:
    """A project's own words: title and description.

    Its themes are left out: they are our tags (English slugs such as "digital", "education"),
    not the project's wording, and as words they met every English call that says "digital".
    """
    return "\n".join(p for p in (project.title, project.description) if p)


@dataclass
class Dropped:
    """A call the text ranked in the project's top k but a gate excluded, with why."""

    call_id: str
    project_id: str
    score: float
    gates: list[GateResult]

    @property
    def reasons(self) -> list[str]:
        return [g.reason for g in self.gates if g.passed is False]


@dataclass
class ProjectRanking:
    project_id: str
    matches: list[Match] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


@dataclass
class NetworkMember:
    project_id: str
    comuni: list[str]
    score: float


class Matcher(BaseEstimator):  # type: ignore[misc]
    """Rank funding calls for projects; see the module docstring."""

    version = MATCHER_VERSION  # stored with every match, so a new matcher's results can be told apart

    def __init__(
        self,
        *,
        ranker: TextRanker | None = None,
        n_terms: int = 8,
        min_score: float = 0.02,
        min_evidence: int = 2,
        generic_share: float = 0.25,
        feedback: FeedbackParams | None = None,
    ) -> None:
        self.ranker = ranker
        self.n_terms = n_terms
        self.min_score = min_score
        self.min_evidence = min_evidence
        self.generic_share = generic_share
        self.feedback = feedback

    # ------------------------------------------------------------------ fit

    def fit(self, calls: Sequence[FundingCall]) -> Matcher:
        if not calls:
            raise ValueError("cannot fit the matcher on zero calls: crawl and normalise some first")
        ids = [c.id for c in calls]
        if len(set(ids)) != len(ids):
            raise ValueError("calls must have distinct ids (a call appears twice)")
        texts = [call_text(c) for c in calls]
        ranker = self.ranker if self.ranker is not None else TextRanker()
        self.ranker_ = TextRanker(**ranker.get_params()).fit([t for t, _ in texts], [b for _, b in texts])
        self.calls_ = list(calls)
        self.index_ = {cid: i for i, cid in enumerate(ids)}
        self.feature_names_ = np.array(self.ranker_.feature_names(), dtype=object)
        self.n_unigrams_ = len(self.ranker_.word_counts_.vocabulary_)
        self.is_code_ = np.array([str(n).startswith(CODE_PREFIX) for n in self.feature_names_[: self.n_unigrams_]])
        self.concept_words_ = self.ranker_.analyser_.concept_words()
        self.surface_ = most_common_surface(self.ranker_.analyser_, (f"{t}\n{b}" for t, b in texts))
        return self

    # ----------------------------------------------------------------- rank

    def rank(
        self,
        projects: Sequence[Project],
        *,
        k: int = 20,
        now: datetime,
        feedback: Sequence[Review] = (),
    ) -> list[Match]:
        """The best ``k`` eligible calls of every project, explained, best first per project."""
        return [m for ranking in self.explain(projects, k=k, now=now, feedback=feedback) for m in ranking.matches]

    def explain(
        self,
        projects: Sequence[Project],
        *,
        k: int = 20,
        now: datetime,
        feedback: Sequence[Review] = (),
    ) -> list[ProjectRanking]:
        """Like ``rank``, per project, with the calls the gates dropped from its top k and why."""
        if not projects:
            return []
        queries, docs, rejected = self._vectors(projects, feedback)
        generic = self.generic_words(queries)
        gates = GateTable.build(self.calls_, now)
        masks: dict[tuple[object, ...], NDArray[np.bool_]] = {}
        results = [ProjectRanking(project_id=p.id) for p in projects]
        k_eff = min(k, len(self.calls_))
        for start, block in self.ranker_.score_chunks_for(queries, docs):
            raw_idx, raw_val = top_k_rows(block, k_eff)
            for i in range(block.shape[0]):
                row = start + i
                project = projects[row]
                key = _gate_key(project)
                if key not in masks:
                    masks[key] = gates.eligible(project)
                ok = masks[key]
                block[i, ~ok] = -np.inf
                block[i, rejected.get(row, [])] = -np.inf
                for d, score in zip(raw_idx[i], raw_val[i], strict=True):
                    if not ok[d] and score > self.min_score:
                        call = self.calls_[d]
                        results[row].dropped.append(
                            Dropped(call.id, project.id, float(score), check_gates(call, project, now))
                        )
            # one spare place per call: a match without enough shared words (see ``evidence``) is dropped
            idx, val = top_k_rows(block, min(2 * k_eff, len(self.calls_)))
            for i in range(block.shape[0]):
                row = start + i
                for d, score in zip(idx[i], val[i], strict=True):
                    if not np.isfinite(score) or score <= self.min_score or len(results[row].matches) >= k_eff:
                        break
                    shared = self._shared_words(queries[row], docs[int(d)])
                    if self.evidence(shared[0], generic) >= self.min_evidence:
                        rank = len(results[row].matches) + 1
                        results[row].matches.append(self._match(projects[row], int(d), float(score), rank, shared, now))
        return results

    def _vectors(
        self, projects: Sequence[Project], feedback: Sequence[Review]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, dict[int, list[int]]]:
        queries = self.ranker_.transform([project_text(p) for p in projects])
        docs = self.ranker_.docs_
        row_of = {p.id: i for i, p in enumerate(projects)}
        judgements = latest(
            [
                Judgement(row_of[r.project_id], self.index_[r.call_id], r.tag is ReviewTag.RELEVANT)
                for r in sorted(feedback, key=lambda r: r.at)
                if r.project_id in row_of and r.call_id in self.index_
            ]
        )
        rejected = rejected_pairs(judgements)
        # A review without a project says the call is wrong for everybody (e.g. a duplicate).
        everywhere = {
            self.index_[r.call_id]
            for r in feedback
            if r.project_id is None and r.call_id in self.index_ and r.tag is ReviewTag.NOT_RELEVANT
        }
        if everywhere:
            for row in range(len(projects)):
                rejected.setdefault(row, []).extend(everywhere)
        if judgements:
            params = self.feedback or FeedbackParams()
            docs = expand_docs(docs, queries, judgements, params)
            queries = rocchio(queries, self.ranker_.docs_, judgements, params)
        return queries, docs, rejected

    def _match(
        self,
        project: Project,
        d: int,
        score: float,
        rank: int,
        shared: tuple[NDArray[np.int32], NDArray[np.float32]],
        now: datetime,
    ) -> Match:
        call = self.calls_[d]
        gates = check_gates(call, project, now)
        return Match(
            call_id=call.id,
            project_id=project.id,
            score=round(score, 6),
            rank=rank,
            terms=self._top_terms(*shared),
            gates=gates,
            unknowns=unknowns(gates),
        )

    def _shared_words(self, query: sp.csr_matrix, doc: sp.csr_matrix) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        """Columns and products of the word features (not character n-grams) a query and a call share."""
        product = sp.csr_matrix(query.multiply(doc))
        keep = (product.indices < len(self.feature_names_)) & (product.data > 0)
        return product.indices[keep], product.data[keep]

    def generic_words(self, queries: sp.csr_matrix) -> NDArray[np.bool_]:
        """Word columns found in more than ``generic_share`` of the projects ranked together (the catalogue).

        Such a word ("digitale" in half of a PNRR catalogue) still weighs in the score but is no
        evidence: a call must not reach a large share of the catalogue on it. Measure codes are never
        generic, and with fewer than ``MIN_PROJECTS_FOR_SHARE`` projects no share is meaningful.
        """
        generic = np.zeros(self.n_unigrams_, dtype=bool)
        if queries.shape[0] < MIN_PROJECTS_FOR_SHARE:
            return generic
        words = queries[:, : self.n_unigrams_]
        share = np.bincount(words.indices[words.data > 0], minlength=self.n_unigrams_) / queries.shape[0]
        generic[share > self.generic_share] = True
        generic &= ~self.is_code_
        return generic

    def evidence(self, columns: NDArray[np.int32], generic: NDArray[np.bool_] | None = None) -> int:
        """How much a project and a call share: distinct words plus shared two-word phrases, generic ones left out;
        a shared measure code is evidence enough.

        Stop words and place words never reach the index, so one shared word ("servizi") gives 1,
        below ``min_evidence``; "asilo nido" (one synonym group, one phrase) gives 2. A concept of the
        bilingual lexicon is one term: its own words shared beside it add nothing.
        """
        unigrams = columns[columns < self.n_unigrams_]
        if self.is_code_[unigrams].any():
            return self.min_evidence
        is_generic = generic if generic is not None else np.zeros(self.n_unigrams_, dtype=bool)
        names = [str(name) for name in self.feature_names_[unigrams[~is_generic[unigrams]]]]
        inside = set().union(*(self.concept_words_.get(name, ()) for name in names))  # a concept counts once
        words = {self._readable(name) for name in names if name not in inside}
        vocabulary = self.ranker_.word_counts_.vocabulary_
        phrases = 0
        for name in self.feature_names_[columns[columns >= self.n_unigrams_]]:
            parts = [vocabulary.get(part) for part in str(name).split(" ")]
            phrases += all(p is not None and not is_generic[p] for p in parts)
        return len(words) + phrases

    def top_terms(self, query: sp.csr_matrix, doc: sp.csr_matrix) -> list[TermContribution]:
        """The word features with the largest share of the dot product, as readable words."""
        return self._top_terms(*self._shared_words(query, doc))

    def _top_terms(self, columns: NDArray[np.int32], products: NDArray[np.float32]) -> list[TermContribution]:
        """Features that read the same (a stem and its code form, two stems with one surface word) are merged and
        their weights summed; a bigram of one repeated word ("nido nido") explains nothing and is dropped.
        """
        merged: dict[str, float] = {}
        for col, val in zip(columns, products, strict=True):
            term = self._readable(str(self.feature_names_[col]))
            words = term.split(" ")
            if len(words) > 1 and len(set(words)) == 1:
                continue
            merged[term] = merged.get(term, 0.0) + float(val)
        best = sorted(merged.items(), key=lambda kv: -kv[1])[: self.n_terms]
        return [TermContribution(term=term, weight=round(weight, 6)) for term, weight in best]

    def _readable(self, feature: str) -> str:
        words = [self.surface_.get(part, part) for part in feature.split(" ")]
        return " ".join(w[len(CODE_PREFIX) :] if w.startswith(CODE_PREFIX) else w for w in words)

    # -------------------------------------------------------------- network

    def projects_in_network(
        self,
        call_id: str,
        projects: Sequence[Project],
        *,
        now: datetime,
        limit: int = 10,
        min_score: float | None = None,
    ) -> list[NetworkMember]:
        """Eligible projects of DIFFERENT comuni that rank high for one call: partners for a joint application.

        The best project of each comune, best first; empty unless at least two comuni qualify.
        """
        if call_id not in self.index_:
            raise KeyError(f"call {call_id!r} is not among the calls the matcher was fitted on")
        call = self.calls_[self.index_[call_id]]
        candidates = [p for p in projects if p.comuni and passes(check_gates(call, p, now))]
        if not candidates:
            return []
        queries = self.ranker_.transform([project_text(p) for p in candidates])
        scores = np.asarray((queries @ self.ranker_.docs_[self.index_[call_id]].T).toarray()).ravel()
        threshold = self.min_score if min_score is None else min_score
        members: list[NetworkMember] = []
        seen: set[str] = set()
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] <= threshold or len(members) >= limit:
                break
            codes = {c.istat for c in candidates[i].comuni}
            if codes & seen:
                continue  # that comune already has a (better) project in the list
            seen |= codes
            members.append(
                NetworkMember(candidates[i].id, [c.name for c in candidates[i].comuni], round(float(scores[i]), 6))
            )
        return members if len(members) >= 2 else []


def _gate_key(project: Project) -> tuple[object, ...]:
    cost: Decimal | None = project.estimated_cost
    return (
        project.proponent_type,
        tuple(sorted(c.istat for c in project.comuni)),
        cost,
        project.cofinancing_available,
    )
