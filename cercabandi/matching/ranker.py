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

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from cercabandi.matching.analysis import ItalianAnalyser, tokens
from cercabandi.matching.topk import ChunkHook, iter_score_chunks, top_k
from cercabandi.matching.vectorise import CharGrams, WordCounts

Terms = list[list[str]]  # per text, its index terms in order


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

    def fit(self, titles: Sequence[str], bodies: Sequence[str]) -> TextRanker:
        if len(titles) != len(bodies):
            raise ValueError(f"{len(titles)} titles but {len(bodies)} bodies: give one of each per call")
        if not titles:
            raise ValueError("cannot fit on zero calls")
        self.analyser_ = self.make_analyser()
        self.char_grams_ = CharGrams(self.char_ngram_range, self.char_max_df) if self.char_weight > 0 else None
        terms, char_counts = self._analyse(_whole(titles, bodies), fit=True)
        self.word_counts_ = WordCounts(bigrams=self.bigram_weight > 0)
        unigram_counts, bigram_counts = self.word_counts_.fit_transform(terms)
        del terms
        self.unigram_tfidf_ = TfidfTransformer(sublinear_tf=self.sublinear_tf).fit(unigram_counts)
        self.bigram_tfidf_ = None if bigram_counts is None else TfidfTransformer(sublinear_tf=self.sublinear_tf)
        bigrams = None if self.bigram_tfidf_ is None else self.bigram_tfidf_.fit_transform(bigram_counts)
        self.unigram_scale_ = self._unigram_scale()
        if self.title_weight == 1.0:
            words = self._combine(self.unigram_tfidf_.transform(unigram_counts), bigrams)
        else:
            words = self._weighted_words(titles, bodies)
        self.char_tfidf_ = TfidfTransformer(sublinear_tf=self.sublinear_tf)
        chars = None if char_counts is None else normalize(self.char_tfidf_.fit_transform(char_counts))
        self.docs_ = self._stack(words, chars)
        return self

    def _analyse(self, texts: Iterable[str], *, fit: bool = False) -> tuple[Terms, sp.csr_matrix | None]:
        """Each text tokenised once, for its index terms and for its character n-gram counts (when used)."""
        terms: Terms = []

        def read() -> Iterator[list[str]]:
            for text in texts:
                folded = tokens(text)
                terms.append(self.analyser_.terms_of(folded))
                yield folded

        if self.char_grams_ is None:
            return self._terms(texts), None
        counts = self.char_grams_.fit_transform(read()) if fit else self.char_grams_.transform(read())
        return terms, counts

    def _terms(self, texts: Iterable[str]) -> Terms:
        return [self.analyser_.terms_of(tokens(text)) for text in texts]

    def _unigram_scale(self) -> NDArray[np.float32] | None:
        """Per unigram column, 1 for a word and ``concept_weight`` for a concept term; None when all are 1."""
        is_concept = self.word_counts_.is_concept_
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

    def _word_block(self, terms: Terms) -> sp.csr_matrix:
        unigram_counts, bigram_counts = self.word_counts_.transform(terms)
        bigrams = None if self.bigram_tfidf_ is None else self.bigram_tfidf_.transform(bigram_counts)
        return self._combine(self.unigram_tfidf_.transform(unigram_counts), bigrams)

    def _weighted_words(self, titles: Sequence[str], bodies: Sequence[str]) -> sp.csr_matrix:
        """Title and body vectorised apart and mixed with ``title_weight``."""
        weighted = self.title_weight * self._word_block(self._terms(titles))
        return normalize(weighted + self._word_block(self._terms(bodies)))

    def _char_block(self, counts: sp.csr_matrix | None) -> sp.csr_matrix | None:
        return None if counts is None else normalize(self.char_tfidf_.transform(counts))

    def _stack(self, words: sp.csr_matrix, chars: sp.csr_matrix | None) -> sp.csr_matrix:
        if chars is None:
            return sp.csr_matrix(words, dtype=np.float32)
        both = sp.hstack([words, self.char_weight * chars], format="csr", dtype=np.float32)
        return normalize(both)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """L2-normalised query vectors in the calls' space (unknown words are ignored)."""
        terms, char_counts = self._analyse(texts)
        return self._stack(self._word_block(terms), self._char_block(char_counts))

    def transform_docs(self, titles: Sequence[str], bodies: Sequence[str]) -> sp.csr_matrix:
        terms, char_counts = self._analyse(_whole(titles, bodies))
        words = self._word_block(terms) if self.title_weight == 1.0 else self._weighted_words(titles, bodies)
        return self._stack(words, self._char_block(char_counts))

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
        return self.word_counts_.feature_names()


def _whole(titles: Sequence[str], bodies: Sequence[str]) -> Iterator[str]:
    """A call's whole text: title, then body."""
    return (f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True))
