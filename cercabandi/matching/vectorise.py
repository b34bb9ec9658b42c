"""Analysed texts -> sparse count matrices, each text read once.

``WordCounts``: unigram and word-bigram term frequencies over a vocabulary fitted on the calls.
Terms become integer ids in one pass; the rest is numpy (a bigram is a pair of neighbouring word
ids). It replaces two ``TfidfVectorizer`` with callable analysers, which counted every term in
Python twice and built every bigram string of every call. Columns are in the order of the terms'
names, as scikit-learn's are, so the vectors are the same to the bit.

``CharGrams``: character n-grams inside words, counted through the words, with the n-grams found
in too many calls dropped *before* the texts x n-grams matrix is built (it was built whole and
then cut: the largest allocation of the fit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numba
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from cercabandi.matching.analysis import CONCEPT_PREFIX

IntArray = NDArray[np.int64]


def _csr(rows: IntArray, cols: IntArray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Counts of (row, col) occurrences, float32, indices sorted (as scikit-learn's counts)."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    order = np.argsort(rows, kind="stable")
    counts = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), cols[order], indptr), shape=(n_rows, n_cols), dtype=np.float32
    )
    counts.sum_duplicates()
    return counts


def _rows_of(lengths: Sequence[int]) -> IntArray:
    return np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)


def _sorted_ranks(names: list[str]) -> tuple[list[str], IntArray]:
    """The names sorted, and for each name (in its given order) its place in the sorted list."""
    order = sorted(range(len(names)), key=names.__getitem__)
    ranks = np.empty(len(names), dtype=np.int64)
    ranks[order] = np.arange(len(names))
    return [names[i] for i in order], ranks


class WordCounts:
    """Unigram and (optionally) word-bigram counts of analysed texts: ``fit_transform`` on the calls' terms,
    ``transform`` for any other terms (unknown ones are ignored). Concept terms of the bilingual lexicon
    (``≈...``) are unigrams only: a bigram pairs neighbouring *words*, skipping concept terms."""

    def __init__(self, bigrams: bool = True) -> None:
        self.bigrams = bigrams

    def fit_transform(self, terms: Sequence[list[str]]) -> tuple[sp.csr_matrix, sp.csr_matrix | None]:
        index: dict[str, int] = {}
        flat: list[int] = []
        for doc in terms:
            flat.extend([index.setdefault(t, len(index)) for t in doc])
        names, ranks = _sorted_ranks(list(index))
        self.vocabulary_ = {name: col for col, name in enumerate(names)}
        self.unigram_names_ = np.array(names, dtype=object)
        self.is_concept_ = np.array([n.startswith(CONCEPT_PREFIX) for n in names], dtype=bool)
        cols = ranks[np.array(flat, dtype=np.int64)]
        rows = _rows_of([len(doc) for doc in terms])
        unigrams = _csr(rows, cols, len(terms), len(names))
        if not self.bigrams:
            return unigrams, None
        pair_rows, codes = self._pairs(rows, cols, self.is_concept_[cols])
        self.bigram_codes_ = np.unique(codes)
        width = len(names)
        labels = [f"{names[c // width]} {names[c % width]}" for c in self.bigram_codes_.tolist()]
        self.bigram_names_, self.bigram_cols_ = _sorted_ranks(labels)
        return unigrams, self._bigram_counts(pair_rows, codes, len(terms))

    def transform(self, terms: Sequence[list[str]]) -> tuple[sp.csr_matrix, sp.csr_matrix | None]:
        vocabulary = self.vocabulary_
        cols = np.array([vocabulary.get(t, -1) for doc in terms for t in doc], dtype=np.int64)
        concept = np.array([t.startswith(CONCEPT_PREFIX) for doc in terms for t in doc], dtype=bool)
        rows = _rows_of([len(doc) for doc in terms])
        known = cols >= 0
        unigrams = _csr(rows[known], cols[known], len(terms), len(vocabulary))
        if not self.bigrams:
            return unigrams, None
        pair_rows, codes = self._pairs(rows, cols, concept)
        return unigrams, self._bigram_counts(pair_rows, codes, len(terms))

    def _pairs(self, rows: IntArray, cols: IntArray, concept: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
        """(row, bigram code) of every two neighbouring words of a text; an unknown word (-1) makes no pair."""
        words, word_rows = cols[~concept], rows[~concept]
        ok = (word_rows[:-1] == word_rows[1:]) & (words[:-1] >= 0) & (words[1:] >= 0)
        return word_rows[:-1][ok], words[:-1][ok] * len(self.vocabulary_) + words[1:][ok]

    def _bigram_counts(self, rows: IntArray, codes: IntArray, n_rows: int) -> sp.csr_matrix:
        at = np.searchsorted(self.bigram_codes_, codes)
        known = at < len(self.bigram_codes_)
        known[known] = self.bigram_codes_[at[known]] == codes[known]
        return _csr(rows[known], self.bigram_cols_[at[known]], n_rows, len(self.bigram_codes_))

    def feature_names(self) -> list[str]:
        """Unigram names in column order, then bigram names."""
        return list(self.unigram_names_) + (list(self.bigram_names_) if self.bigrams else [])


@numba.njit(nogil=True, cache=True)  # type: ignore[misc]
def _document_frequency(
    text_indptr: IntArray, text_words: IntArray, word_indptr: IntArray, word_grams: IntArray, n_grams: int
) -> IntArray:  # pragma: no cover - compiled; covered through CharGrams
    """In how many texts each n-gram occurs, from texts -> distinct words -> n-grams."""
    df = np.zeros(n_grams, dtype=np.int64)
    last = np.full(n_grams, -1, dtype=np.int64)
    for text in range(len(text_indptr) - 1):
        for j in range(text_indptr[text], text_indptr[text + 1]):
            word = text_words[j]
            for p in range(word_indptr[word], word_indptr[word + 1]):
                gram = word_grams[p]
                if last[gram] != text:
                    last[gram] = text
                    df[gram] += 1
    return df


class CharGrams:
    """Counts of character n-grams inside words (like ``char_wb``), computed through the words.

    A text is counted as words (one dict lookup per word), then multiplied by a sparse
    word -> n-gram matrix built once per distinct word: the same counts as slicing every
    word of every text, at a fraction of the Python work on large corpora. Words never seen
    in the calls still meet them through shared n-grams ("COMUNIT" truncated -> "comunita").
    N-grams found in more than ``max_df`` of the calls weigh little but cost most in the
    products (long postings): they are left out of the vocabulary.

    Input: each text as its folded tokens (``analysis.tokens``); a dotted code token
    ("1.4.3") is read as its parts.
    """

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), max_df: float = 1.0) -> None:
        self.ngram_range = ngram_range
        self.max_df = max_df

    def _grams(self, word: str) -> list[str]:
        padded = f" {word} "
        low, high = self.ngram_range
        return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]

    @staticmethod
    def _count_words(tokens: Iterable[list[str]]) -> tuple[sp.csr_matrix, list[str]]:
        index: dict[str, int] = {}
        ids: list[int] = []
        lengths: list[int] = []
        for text in tokens:
            before = len(ids)
            for token in text:
                if "." in token:
                    ids.extend([index.setdefault(w, len(index)) for w in token.split(".")])
                else:
                    ids.append(index.setdefault(token, len(index)))
            lengths.append(len(ids) - before)
        return _csr(_rows_of(lengths), np.array(ids, dtype=np.int64), len(lengths), len(index)), list(index)

    def _word_grams(self, words: list[str], grow: bool) -> sp.csr_matrix:
        rows: list[int] = []
        cols: list[int] = []
        for i, word in enumerate(words):
            ids = self._ids.get(word)
            if ids is None:
                if grow:
                    ids = [self.vocabulary_.setdefault(g, len(self.vocabulary_)) for g in self._grams(word)]
                else:
                    ids = [self.vocabulary_[g] for g in self._grams(word) if g in self.vocabulary_]
                self._ids[word] = ids
            rows.extend([i] * len(ids))
            cols.extend(ids)
        return sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(words), len(self.vocabulary_))
        )

    def fit_transform(self, tokens: Iterable[list[str]]) -> sp.csr_matrix:
        """Counts (texts x kept n-grams); the vocabulary is the kept n-grams of ``tokens``."""
        self.vocabulary_: dict[str, int] = {}
        self._ids: dict[str, list[int]] = {}
        counts, words = self._count_words(tokens)
        grams = self._word_grams(words, grow=True)
        self._ids = {}  # ids of unseen words must not grow the vocabulary later
        if self.max_df < 1.0:
            grams = self._drop_common(counts, grams)
        return (counts @ grams).tocsr()

    def _drop_common(self, counts: sp.csr_matrix, grams: sp.csr_matrix) -> sp.csr_matrix:
        """``grams`` without the columns of n-grams in more than ``max_df`` of the texts; the vocabulary too."""
        df = _document_frequency(
            counts.indptr.astype(np.int64),
            counts.indices.astype(np.int64),
            grams.indptr.astype(np.int64),
            grams.indices.astype(np.int64),
            grams.shape[1],
        )
        keep = np.flatnonzero(df <= max(1.0, self.max_df * counts.shape[0]))
        if not len(keep):  # e.g. a handful of identical calls
            return grams
        new = np.full(grams.shape[1], -1, dtype=np.int64)
        new[keep] = np.arange(len(keep))
        self.vocabulary_ = {g: int(new[i]) for g, i in self.vocabulary_.items() if new[i] >= 0}
        return grams[:, keep].tocsr()

    def transform(self, tokens: Iterable[list[str]]) -> sp.csr_matrix:
        counts, words = self._count_words(tokens)
        return (counts @ self._word_grams(words, grow=False)).tocsr()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_ids"] = {}
        return state
