"""Reference rankers the evaluation reports beside ours, untuned on purpose.

``tfidf_default``: scikit-learn's ``TfidfVectorizer()`` with its defaults, cosine scores.
``bm25``: ``bm25s`` with its default tokeniser and parameters (k1=1.5, b=0.75, Lucene).
Both see the same call text (title + description) and the same project text as ours.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from cercabandi.matching.topk import iter_score_chunks


class TfidfDefaultRanker:
    def fit(self, titles: Sequence[str], bodies: Sequence[str]) -> TfidfDefaultRanker:
        self.vectorizer_ = TfidfVectorizer()
        self.docs_ = self.vectorizer_.fit_transform([f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)])
        return self

    def score_chunks(self, texts: Sequence[str]) -> Iterator[tuple[int, NDArray[np.float32]]]:
        return iter_score_chunks(self.vectorizer_.transform(texts), self.docs_)


class BM25Ranker:
    def __init__(self, chunk: int = 512) -> None:
        self.chunk = chunk

    def fit(self, titles: Sequence[str], bodies: Sequence[str]) -> BM25Ranker:
        import bm25s

        corpus = [f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)]
        tokens = bm25s.tokenize(corpus, show_progress=False)
        self.vocab_ = tokens.vocab
        self.model_ = bm25s.BM25()
        self.model_.index(tokens, show_progress=False)
        self.n_docs_ = len(corpus)
        return self

    def score_chunks(self, texts: Sequence[str]) -> Iterator[tuple[int, NDArray[np.float32]]]:
        import bm25s

        for start in range(0, len(texts), self.chunk):
            part = texts[start : start + self.chunk]
            tokenised = bm25s.tokenize(list(part), return_ids=False, show_progress=False)
            block = np.zeros((len(part), self.n_docs_), dtype=np.float32)
            for i, query in enumerate(tokenised):
                known = [t for t in query if t in self.vocab_]
                if known:
                    block[i] = self.model_.get_scores(known)
            yield start, block
