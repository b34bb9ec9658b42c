"""The text-level core of the matcher: TF-IDF over calls, queries are project texts.

``TextRanker`` knows nothing of FundingCall or Project: it is fitted on (title, body) pairs
and scores free texts, so the evaluation on CSVs and the benchmark use exactly the code the
``Matcher`` uses. scikit-learn's estimator contract: ``__init__`` stores parameters, ``fit``
returns ``self``, learned attributes end in ``_``.

Call vectors: one vocabulary and IDF fitted on the whole call text; the title and the body are
vectorised apart, each L2-normalised, and mixed with ``title_weight`` (field weights). An
optional character n-gram block (``char_weight`` > 0) is stacked beside the word block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from cercabandi.matching.analysis import CONCEPT_PREFIX, CharGrams, ItalianAnalyser, words_only
from cercabandi.matching.topk import ChunkHook, iter_score_chunks, top_k


def _unigrams(terms: list[str]) -> list[str]:
    return terms


def _bigrams(terms: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in pairwise(words_only(terms))]


class TextRanker(BaseEstimator):  # type: ignore[misc]
    """TF-IDF ranker of documents (calls) for free-text queries (projects)."""

    def __init__(
        self,
        *,
        stop_words: bool = True,
        stem: bool = True,
        acronyms: bool = True,
        synonyms: bool = True,
        codes: bool = True,
        places: bool = True,
        english: bool = False,
        concepts: bool = True,
        concept_weight: float = 0.2,
        bigram_weight: float = 0.5,
        sublinear_tf: bool = True,
        title_weight: float = 1.0,
        char_weight: float = 0.3,
        char_ngram_range: tuple[int, int] = (3, 5),
        char_max_df: float = 0.2,
        min_df: int = 1,
        max_df: float = 1.0,
        max_chunk_bytes: int = 64 * 2**20,
        n_jobs: int = 1,
    ) -> None:
        self.stop_words = stop_words
        self.stem = stem
        self.acronyms = acronyms
        self.synonyms = synonyms
        self.codes = codes
        self.places = places
        self.english = english
        self.concepts = concepts
        self.concept_weight = concept_weight
        self.bigram_weight = bigram_weight
        self.sublinear_tf = sublinear_tf
        self.title_weight = title_weight
        self.char_weight = char_weight
        self.char_ngram_range = char_ngram_range
        self.char_max_df = char_max_df
        self.min_df = min_df
        self.max_df = max_df
        self.max_chunk_bytes = max_chunk_bytes
        self.n_jobs = n_jobs

    def make_analyser(self, ngram_range: tuple[int, int] = (1, 1)) -> ItalianAnalyser:
        return ItalianAnalyser(
            stop_words=self.stop_words,
            stem=self.stem,
            acronyms=self.acronyms,
            synonyms=self.synonyms,
            codes=self.codes,
            places=self.places,
            english=self.english,
            concepts=self.concepts,
            ngram_range=ngram_range,
        )

    def _tfidf(self, analyser: Callable[[list[str]], list[str]]) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyser, sublinear_tf=self.sublinear_tf, min_df=self.min_df, max_df=self.max_df, dtype=np.float32
        )

    def fit(self, titles: Sequence[str], bodies: Sequence[str]) -> TextRanker:
        if len(titles) != len(bodies):
            raise ValueError(f"{len(titles)} titles but {len(bodies)} bodies: give one of each per call")
        if not titles:
            raise ValueError("cannot fit on zero calls")
        self.analyser_ = self.make_analyser()
        whole = [f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)]
        terms = self._terms(whole)
        self.word_vectorizer_ = self._tfidf(_unigrams)
        unigrams = self.word_vectorizer_.fit_transform(terms)
        self.unigram_scale_ = self._unigram_scale()
        self.bigram_vectorizer_: TfidfVectorizer | None = None
        bigrams = None
        if self.bigram_weight > 0:
            self.bigram_vectorizer_ = self._tfidf(_bigrams)
            bigrams = self.bigram_vectorizer_.fit_transform(terms)
        self.char_grams_: CharGrams | None = None
        chars = None
        if self.char_weight > 0:
            self.char_grams_ = CharGrams(self.char_ngram_range)
            self.char_tfidf_ = TfidfTransformer(sublinear_tf=self.sublinear_tf)
            counts = self.char_grams_.fit_transform(whole)
            if self.char_max_df < 1.0:
                # n-grams in most calls weigh little but cost most in the products (long postings)
                df = np.bincount(counts.indices, minlength=counts.shape[1])
                self.char_keep_ = np.flatnonzero(df <= max(1.0, self.char_max_df * counts.shape[0]))
                if not len(self.char_keep_):  # e.g. a handful of identical calls
                    self.char_keep_ = np.arange(counts.shape[1])
                counts = counts[:, self.char_keep_]
            chars = normalize(self.char_tfidf_.fit_transform(counts))
        if self.title_weight == 1.0:
            words = self._combine(unigrams, bigrams)
        else:
            words = normalize(self.title_weight * self._word_block(titles) + self._word_block(bodies))
        self.docs_ = self._stack(words, chars)
        return self

    def _terms(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text analysed once; the unigram and bigram vectorisers share the result."""
        return [self.analyser_.terms(t) for t in texts]

    def _unigram_scale(self) -> NDArray[np.float32] | None:
        """Per unigram column, 1 for a word and ``concept_weight`` for a concept term; None when all are 1."""
        names = self.word_vectorizer_.get_feature_names_out()
        is_concept = np.char.startswith(names.astype(str), CONCEPT_PREFIX)
        if self.concept_weight == 1.0 or not is_concept.any():
            return None
        return np.where(is_concept, self.concept_weight, 1.0).astype(np.float32)

    def _combine(self, unigrams: sp.csr_matrix, bigrams: sp.csr_matrix | None) -> sp.csr_matrix:
        """Unigrams (concept terms at ``concept_weight``), and bigrams beside them with ``bigram_weight``: one
        L2-normalised block."""
        if self.unigram_scale_ is not None:
            unigrams = sp.csr_matrix(unigrams.multiply(self.unigram_scale_))
        if bigrams is None:
            return normalize(unigrams)
        return normalize(sp.hstack([normalize(unigrams), self.bigram_weight * normalize(bigrams)], format="csr"))

    def _word_block(self, texts: Sequence[str]) -> sp.csr_matrix:
        terms = self._terms(texts)
        bigrams = None if self.bigram_vectorizer_ is None else self.bigram_vectorizer_.transform(terms)
        return self._combine(self.word_vectorizer_.transform(terms), bigrams)

    def _char_block(self, texts: Sequence[str]) -> sp.csr_matrix | None:
        if self.char_grams_ is None:
            return None
        counts = self.char_grams_.transform(texts)
        if self.char_max_df < 1.0:
            counts = counts[:, self.char_keep_]
        return normalize(self.char_tfidf_.transform(counts))

    def _stack(self, words: sp.csr_matrix, chars: sp.csr_matrix | None) -> sp.csr_matrix:
        if chars is None:
            return sp.csr_matrix(words, dtype=np.float32)
        both = sp.hstack([words, self.char_weight * chars], format="csr", dtype=np.float32)
        return normalize(both)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """L2-normalised query vectors in the calls' space (unknown words are ignored)."""
        return self._stack(self._word_block(texts), self._char_block(texts))

    def transform_docs(self, titles: Sequence[str], bodies: Sequence[str]) -> sp.csr_matrix:
        whole = [f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)]
        if self.title_weight == 1.0:
            words = self._word_block(whole)
        else:
            words = normalize(self.title_weight * self._word_block(titles) + self._word_block(bodies))
        return self._stack(words, self._char_block(whole))

    def top_k(
        self,
        queries: sp.csr_matrix,
        k: int,
        *,
        docs: sp.csr_matrix | None = None,
        hook: ChunkHook | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        return top_k(
            queries,
            self.docs_ if docs is None else docs,
            k,
            max_chunk_bytes=self.max_chunk_bytes,
            hook=hook,
            n_jobs=self.n_jobs,
        )

    def score_chunks(self, texts: Sequence[str]) -> Iterator[tuple[int, NDArray[np.float32]]]:
        """(offset, dense scores) per chunk of queries: the evaluation's view of any ranker."""
        return self.score_chunks_for(self.transform(texts), self.docs_)

    def score_chunks_for(
        self, queries: sp.csr_matrix, docs: sp.csr_matrix
    ) -> Iterator[tuple[int, NDArray[np.float32]]]:
        return iter_score_chunks(queries, docs, max_chunk_bytes=self.max_chunk_bytes)

    def feature_names(self) -> list[str]:
        """Names of the word features, in column order (unigrams, then bigrams)."""
        names = list(self.word_vectorizer_.get_feature_names_out())
        if self.bigram_vectorizer_ is not None:
            names += list(self.bigram_vectorizer_.get_feature_names_out())
        return names
