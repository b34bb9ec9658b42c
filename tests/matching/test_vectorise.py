"""One-pass word counts and pruned character n-grams equal what scikit-learn and the plain computation give."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from cercabandi.matching.analysis import ItalianAnalyser, tokens, words_only
from cercabandi.matching.vectorise import CharGrams, WordCounts

CALLS = [
    "Avviso per la rigenerazione urbana delle periferie: riqualificazione di piazze e spazi pubblici",
    "Urban regeneration and social inclusion in European cities; energy efficiency of public buildings",
    "Bando efficientamento energetico degli edifici pubblici, misura M2C4I2.2 e 1.4.3",
    "Enti del terzo settore (ETS): inclusione sociale e contrasto alla povertà educativa",
    "Asili nido e scuole dell'infanzia: costruzione e messa in sicurezza",
]
PROJECTS = [
    "Riqualificazione della piazza del mercato e rigenerazione urbana del quartiere",
    "Efficientamento energetico della scuola primaria, parola sconosciuta qui",
    "Social housing e inclusione sociale con gli ETS",
    "",
]


def _terms(texts: list[str]) -> list[list[str]]:
    analyser = ItalianAnalyser(ngram_range=(1, 1))
    return [analyser.terms(t) for t in texts]


def _bigrams(doc: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in pairwise(words_only(doc))]


def _sklearn(calls: list[list[str]]) -> tuple[CountVectorizer, CountVectorizer]:
    unigrams = CountVectorizer(analyzer=lambda doc: doc, dtype=np.float32).fit(calls)
    return unigrams, CountVectorizer(analyzer=_bigrams, dtype=np.float32).fit(calls)


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape
    assert (a != b).nnz == 0


def test_word_counts_equal_scikit_learn_on_calls_and_on_unseen_texts() -> None:
    calls, projects = _terms(CALLS), _terms(PROJECTS)
    assert any(t.startswith("≈") for doc in calls for t in doc), "the texts should hold a concept term"
    counts = WordCounts()
    unigrams, bigrams = counts.fit_transform(calls)
    uni, bi = _sklearn(calls)
    _same(unigrams, uni.transform(calls))
    _same(bigrams, bi.transform(calls))
    assert counts.feature_names() == list(uni.get_feature_names_out()) + list(bi.get_feature_names_out())
    # unknown words count nothing and break the pairs they stand in; concept terms never enter a pair
    new_unigrams, new_bigrams = counts.transform(projects)
    _same(new_unigrams, uni.transform(projects))
    _same(new_bigrams, bi.transform(projects))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["a", "b", "c", "≈x", "≈y", "d"]), max_size=8), min_size=1, max_size=6),
    st.lists(st.lists(st.sampled_from(["a", "b", "≈x", "≈z", "e", "f"]), max_size=8), max_size=6),
)
def test_word_counts_property(calls: list[list[str]], queries: list[list[str]]) -> None:
    """Any terms, including texts with no terms and concept terms between words."""
    if not any(calls):
        return  # scikit-learn refuses an empty vocabulary; the ranker never fits on no terms either
    counts = WordCounts()
    unigrams, bigrams = counts.fit_transform(calls)
    uni = CountVectorizer(analyzer=lambda doc: doc, dtype=np.float32).fit(calls)
    _same(unigrams, uni.transform(calls))
    _same(counts.transform(queries)[0], uni.transform(queries))
    if any(_bigrams(doc) for doc in calls):
        bi = CountVectorizer(analyzer=_bigrams, dtype=np.float32).fit(calls)
        _same(bigrams, bi.transform(calls))
        _same(counts.transform(queries)[1], bi.transform(queries))


def test_char_grams_drop_common_grams_before_counting() -> None:
    """Pruned while fitting = counted whole, then the columns of n-grams in more than max_df of the texts cut."""
    texts = [tokens(t) for t in CALLS]
    full = CharGrams((3, 5))
    everything = full.fit_transform(texts)
    df = np.bincount(everything.indices, minlength=everything.shape[1])
    keep = np.flatnonzero(df <= 0.4 * len(texts))
    assert 0 < len(keep) < everything.shape[1]
    pruned = CharGrams((3, 5), max_df=0.4)
    _same(pruned.fit_transform(texts), everything[:, keep])
    queries = [tokens(t) for t in PROJECTS]
    _same(pruned.transform(queries), full.transform(queries)[:, keep])
