"""Top-k cosine neighbours of sparse rows in bounded memory.

The score matrix queries x documents is never built whole: queries are taken in chunks sized
so that one dense chunk of scores stays under ``max_chunk_bytes``, and ``argpartition`` keeps
the best ``k`` of each row before the next chunk is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

# A chunk hook may change the dense scores of a chunk in place (feedback, exclusions, gates):
# it receives the row offset of the chunk and its (rows x documents) score block.
ChunkHook = Callable[[int, NDArray[np.float32]], None]


def chunk_rows(n_docs: int, max_chunk_bytes: int) -> int:
    """How many query rows fit in one dense float32 block of scores."""
    return max(1, max_chunk_bytes // max(1, 4 * n_docs))


def _prepare(queries: sp.csr_matrix, docs: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    return sp.csr_matrix(queries, dtype=np.float32), sp.csr_matrix(docs, dtype=np.float32).T.tocsr()


def _block(queries: sp.csr_matrix, docs_t: sp.csr_matrix, start: int, step: int) -> NDArray[np.float32]:
    return np.asarray((queries[start : start + step] @ docs_t).toarray(), dtype=np.float32)


def iter_score_chunks(
    queries: sp.csr_matrix,
    docs: sp.csr_matrix,
    *,
    max_chunk_bytes: int = 64 * 2**20,
) -> Iterator[tuple[int, NDArray[np.float32]]]:
    """Yield (row offset, dense scores of that chunk of queries against every document)."""
    queries, docs_t = _prepare(queries, docs)
    step = chunk_rows(docs_t.shape[1], max_chunk_bytes)
    for start in range(0, queries.shape[0], step):
        yield start, _block(queries, docs_t, start, step)


def top_k_rows(scores: NDArray[np.float32], k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Indices and values of the ``k`` largest entries of each row, best first.

    Ties are broken by the lower column index, also at the k-th place (sibling calls often
    score exactly the same), so results are deterministic and equal to a full stable sort.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0:
        return np.zeros((n_rows, 0), dtype=np.int64), np.zeros((n_rows, 0), dtype=np.float32)
    kth = np.partition(scores, n_cols - k, axis=1)[:, n_cols - k]  # the k-th largest value
    above = scores > kth[:, None]
    at = scores == kth[:, None]
    needed = k - above.sum(axis=1)
    selected = above | at
    # Only rows with more ties at the k-th value than places left need the running count (int32:
    # an int64 count of a whole chunk was the largest array of the top-k).
    crowded = np.flatnonzero(at.sum(axis=1) > needed)
    if crowded.size:
        ties = at[crowded]
        first = ties & (np.cumsum(ties, axis=1, dtype=np.int32) <= needed[crowded, None])
        selected[crowded] = above[crowded] | first
    part = np.nonzero(selected)[1].reshape(n_rows, k)  # row-major: columns ascending per row
    values = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1).astype(np.int64), np.take_along_axis(values, order, axis=1)


def top_k(
    queries: sp.csr_matrix,
    docs: sp.csr_matrix,
    k: int,
    *,
    max_chunk_bytes: int = 64 * 2**20,
    hook: ChunkHook | None = None,
    n_jobs: int = 1,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Best ``k`` documents for every query row by dot product (cosine on L2-normalised rows).

    Order: by score, then by document index. With ``n_jobs`` > 1, chunks run in threads (scipy's
    sparse products release the GIL); at most ``n_jobs`` chunks are in memory at once, and the
    ``hook`` must then be safe to call from several threads on different chunks.
    """
    n_queries = queries.shape[0]
    k_eff = min(k, docs.shape[0])
    out_idx = np.zeros((n_queries, k_eff), dtype=np.int64)
    out_val = np.zeros((n_queries, k_eff), dtype=np.float32)
    queries, docs_t = _prepare(queries, docs)
    step = chunk_rows(docs_t.shape[1], max_chunk_bytes)

    def work(start: int) -> None:
        block = _block(queries, docs_t, start, step)
        if hook is not None:
            hook(start, block)
        idx, val = top_k_rows(block, k_eff)
        out_idx[start : start + block.shape[0]] = idx
        out_val[start : start + block.shape[0]] = val

    starts = range(0, n_queries, step)
    if n_jobs > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            list(pool.map(work, starts))
    else:
        for start in starts:
            work(start)
    return out_idx, out_val


def positions(scores: NDArray[np.float32]) -> NDArray[np.int32]:
    """1-based rank of every document in every row, ordered like ``top_k`` (score, then index)."""
    n_rows, n_cols = scores.shape
    cols = np.broadcast_to(np.arange(n_cols), scores.shape)
    order = np.lexsort((cols, -scores), axis=1)
    pos = np.empty((n_rows, n_cols), dtype=np.int32)
    np.put_along_axis(pos, order, np.arange(1, n_cols + 1, dtype=np.int32)[None, :].repeat(n_rows, 0), axis=1)
    return pos
