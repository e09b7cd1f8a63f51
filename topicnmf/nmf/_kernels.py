"""Compiled kernels (numba) for the hot loops of HALS; ``_updates.hals`` is their reference.

All parallelize over rows with ``prange``: each thread streams its own block of rows, and
the sweep reads a factor once per pass (scikit-learn's component-outer loop reads all of W
once per component). Compiled on first use and cached on disk.
"""

import numpy as np
from numba import njit, prange

ROW_BLOCK = 8  # rows swept together, so each row of G is loaded once per block


@njit(parallel=True, cache=True, fastmath=True)
def csr_dot(indptr, indices, data, B, out):
    """out = X @ B for CSR X given by (indptr, indices, data); B (n_cols, k) C-contiguous."""
    n_rows = out.shape[0]
    k = out.shape[1]
    for i in prange(n_rows):
        row = out[i]
        for j in range(k):
            row[j] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            v = data[p]
            b = B[indices[p]]
            for j in range(k):
                row[j] += v * b[j]


@njit(parallel=True, cache=True, fastmath=True)
def hals_sweep(A, P, G, l1, l2):
    """One HALS sweep over the columns of A, in blocks of rows (the same iterates as column
    by column, since row i's update reads only row i).

    A[i, j] <- max(0, (P[i, j] - sum_{l != j} A[i, l] G[l, j] - l1) / (G[j, j] + l2))

    G is symmetric, so its contiguous row G[j] stands for the column G[:, j].
    Returns sum (A_new - A_old)^2, the squared size of the step.
    """
    n, k = A.shape
    n_blocks = (n + ROW_BLOCK - 1) // ROW_BLOCK
    moved = np.zeros(n_blocks)
    for b in prange(n_blocks):
        i0 = b * ROW_BLOCK
        i1 = min(i0 + ROW_BLOCK, n)
        step = 0.0
        for j in range(k):
            g = G[j]
            denom = g[j] + l2
            if denom <= 0.0:  # row j of the other factor is zero: column j is free
                continue
            for i in range(i0, i1):
                a = A[i]
                s = 0.0
                for m in range(k):
                    s += a[m] * g[m]
                old = a[j]
                new = (P[i, j] - l1 - s + old * g[j]) / denom
                if new < 0.0:
                    new = 0.0
                a[j] = new
                step += (new - old) * (new - old)
        moved[b] = step
    return moved.sum()
