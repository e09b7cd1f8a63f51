"""Each period's rows of X and W: sliced from them in memory, or gathered from their row
blocks on disk (an out-of-core run) a group of periods per pass.

What is re-estimated per period (the terms per period, :mod:`.drift`; the window topics,
:mod:`.dynamic`) needs one period's documents at a time, never the whole corpus. Out of
core, a first pass reads only the blocks' row pointers to size each period; then periods
are taken in order, as many per pass over the blocks as fit a memory budget (a period
larger than the budget alone in its pass). The rows come out in document order, so a
period's X_p and W_p are the same arrays as when sliced from X and W held whole.
"""

import numpy as np
import scipy.sparse as sp

from .docweights import DocWeights
from .partitions import Partitions


def period_rows(X, W, period_index, n_periods, budget=None):
    """Yield ``(p, X_p, W_p)`` for every period ``p`` with documents, in period order.

    Parameters
    ----------
    X : sparse matrix or Partitions (n_documents, n_terms)
    W : ndarray, DocWeights (n_documents, k), or None (then W_p is None)
    period_index : ndarray of int (n_documents,)
        Each document's period, -1 for an undated one.
    n_periods : int
    budget : int, optional
        Bytes of X_p and W_p gathered per pass over blocks on disk (blocks held in memory,
        or on Dask workers, are read in one pass).
    """
    period_index = np.asarray(period_index)
    if X.shape[0] != len(period_index):
        raise ValueError(f"{X.shape[0]} rows of X against {len(period_index)} dated documents")
    if not isinstance(X, Partitions) and not isinstance(W, DocWeights):
        X = sp.csr_matrix(X)
        for p in range(n_periods):
            rows = np.flatnonzero(period_index == p)
            if len(rows):
                yield p, X[rows], None if W is None else W[rows]
        return
    if not isinstance(X, Partitions):
        X = Partitions(n_cols=X.shape[1], offsets=(0, X.shape[0]), blocks=(sp.csr_matrix(X),))
    if X.paths is None or budget is None:  # blocks held in memory (or on Dask workers): one pass
        dated = period_index[period_index >= 0]
        budget, size = None, np.bincount(dated, minlength=n_periods).astype(float)
    else:
        size = _sizes(X, W, period_index, n_periods)
    for group in _groups(size, budget):
        yield from _gathered(X, W, period_index, group)


def _sizes(X, W, period_index, n_periods):
    """Bytes of each period's X_p and W_p, from the blocks' row pointers (a block on disk:
    its ``indptr`` only, not its data)."""
    k = 0 if W is None else W.shape[1]
    size = np.zeros(n_periods)
    for i in range(len(X)):
        index = period_index[X.rows(i)]
        dated = index >= 0
        nnz = np.diff(_indptr(X, i))[dated]
        size += np.bincount(index[dated], weights=nnz * 12.0 + 8.0 * k + 4.0, minlength=n_periods)
    return size


def _indptr(X, i):
    with np.load(X.paths[i]) as npz:  # scipy's save_npz format: one member per array
        return npz["indptr"]


def _groups(size, budget):
    """Consecutive periods with documents, as many per group as fit ``budget`` bytes."""
    group, used = [], 0.0
    for p in np.flatnonzero(size > 0):
        if group and budget is not None and used + size[p] > budget:
            yield group
            group, used = [], 0.0
        group.append(int(p))
        used += size[p]
    if group:
        yield group


def _gathered(X, W, period_index, group):
    """One pass over the blocks: the rows of each period of ``group``, stacked in order."""
    parts = {p: ([], []) for p in group}
    for i in range(len(X)):
        index = period_index[X.rows(i)]
        mine = np.flatnonzero(np.isin(index, group))
        if not len(mine):
            continue
        block = X.block(i)
        weights = None if W is None else W[X.rows(i)][mine]
        for p in np.unique(index[mine]):
            take = index[mine] == p
            parts[int(p)][0].append(block[mine[take]])
            if weights is not None:
                parts[int(p)][1].append(weights[take])
    for p in group:
        xs, ws = parts[p]
        yield p, sp.vstack(xs, format="csr"), np.concatenate(ws) if ws else None
