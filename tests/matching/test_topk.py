"""Chunked top-k equals a brute-force full sort, whatever the chunk size, ties included."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import normalize

from cercabandi.matching.topk import chunk_rows, iter_score_chunks, positions, top_k, top_k_rows


def _random(rng: np.random.Generator, rows: int, cols: int, density: float) -> sp.csr_matrix:
    m = sp.random(rows, cols, density=density, format="csr", random_state=rng, dtype=np.float32)
    m.data = np.round(m.data * 4) / 4  # coarse values: many exact ties
    return normalize(m)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_chunk_bytes", [1, 4 * 37 * 3, 64 * 2**20])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_top_k_matches_brute_force(seed: int, max_chunk_bytes: int, n_jobs: int) -> None:
    rng = np.random.default_rng(seed)
    queries, docs = _random(rng, 23, 40, 0.3), _random(rng, 37, 40, 0.3)
    k = int(rng.integers(1, 45))
    idx, val = top_k(queries, docs, k, max_chunk_bytes=max_chunk_bytes, n_jobs=n_jobs)
    dense = (queries @ docs.T).toarray().astype(np.float32)
    expected = np.argsort(-dense, axis=1, kind="stable")[:, : min(k, 37)]
    assert idx.shape == expected.shape
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(val, np.take_along_axis(dense, expected, axis=1), atol=1e-6)


def test_ties_at_the_kth_place_keep_the_lower_index() -> None:
    scores = np.array([[0.5, 0.9, 0.5, 0.5, 0.1]], dtype=np.float32)
    idx, _ = top_k_rows(scores, 3)
    assert idx.tolist() == [[1, 0, 2]]
    assert positions(scores).tolist() == [[2, 1, 3, 4, 5]]


def test_hook_can_exclude_documents() -> None:
    docs = normalize(sp.csr_matrix(np.eye(4, dtype=np.float32) + 0.1))
    queries = docs[:2]

    def drop_own(start: int, block: np.ndarray) -> None:
        for i in range(block.shape[0]):
            block[i, start + i] = -np.inf

    idx, _ = top_k(queries, docs, 1, hook=drop_own)
    assert idx[:, 0].tolist() != [0, 1]


def test_chunks_are_bounded() -> None:
    assert chunk_rows(100_000, 64 * 2**20) * 100_000 * 4 <= 64 * 2**20
    assert chunk_rows(10**9, 1) == 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, -np.inf]), min_size=1, max_size=30), min_size=1, max_size=5
    ).filter(lambda rows: len({len(r) for r in rows}) == 1),
    st.integers(min_value=0, max_value=35),
)
def test_top_k_rows_is_a_stable_full_sort(rows: list[list[float]], k: int) -> None:
    """The heap selection equals sorting each row by score, ties and excluded (-inf) columns included."""
    scores = np.array(rows, dtype=np.float32)
    idx, val = top_k_rows(scores, k)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, : min(k, scores.shape[1])]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_array_equal(val, np.take_along_axis(scores, expected, axis=1))


def test_dense_block_equals_scipy_to_the_bit() -> None:
    """The compiled product sums in scipy's order: the same float32 scores, not merely close ones."""
    rng = np.random.default_rng(7)
    queries = sp.random(50, 300, density=0.05, format="csr", random_state=rng, dtype=np.float32)
    docs = sp.random(400, 300, density=0.05, format="csr", random_state=rng, dtype=np.float32)
    chunks = dict(iter_score_chunks(queries, docs, max_chunk_bytes=4 * 400 * 7))
    assert sorted(chunks) == list(range(0, 50, 7))
    ours = np.vstack([chunks[s] for s in sorted(chunks)])
    np.testing.assert_array_equal(ours, (queries @ docs.T.tocsr()).toarray())
