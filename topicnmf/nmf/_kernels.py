"""Compiled kernels (numba) for the hot loops; ``_updates.hals`` is their reference.

Each row kernel works on a range of rows r0..r1 and releases the GIL (``nogil``): the fast
engine hands the ranges to a pool of threads that take them as they come free (dynamic
scheduling), so a thread preempted by another process delays only its current range
instead of holding the others at a barrier. A sweep reads a factor once per pass
(scikit-learn's component-outer loop reads all of W once per component). Compiled on first
use and cached on disk.
"""

import numpy as np
from numba import njit

from ..compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)

ROW_BLOCK = 8  # rows swept together, so each row of G is loaded once per block


@njit(cache=True, fastmath=True, inline="always")
def _add_row_product(out, indptr, indices, data, i, B):
    """out += X[i] @ B for row i of a CSR X, four nonzeros at a time (one read-modify-write
    of ``out`` per four gathered rows of B: measured 20% faster than one at a time)."""
    k = out.shape[0]
    p = indptr[i]
    end = indptr[i + 1]
    while p + 4 <= end:
        v0, v1, v2, v3 = data[p], data[p + 1], data[p + 2], data[p + 3]
        b0, b1, b2, b3 = B[indices[p]], B[indices[p + 1]], B[indices[p + 2]], B[indices[p + 3]]
        for j in range(k):
            out[j] += v0 * b0[j] + v1 * b1[j] + v2 * b2[j] + v3 * b3[j]
        p += 4
    while p < end:
        v = data[p]
        b = B[indices[p]]
        for j in range(k):
            out[j] += v * b[j]
        p += 1


@njit(cache=True, fastmath=True, inline="always")
def _sweep_block(A, P, G, i0, i1, l1, l2):
    """One HALS sweep over the columns of rows i0..i1 of A; P holds those rows' X B.

    A[i, j] <- max(0, b / (G[j, j] + l2)),  b = P[i, j] - l1 - sum_{l != j} A[i, l] G[l, j]

    G is symmetric, so its contiguous row G[j] stands for the column G[:, j]. The sums run
    in A's dtype (``zero`` is typed from l1, which the engine passes in that dtype): a
    float64 literal would promote a float32 sweep's inner loop to float64 at half the
    vector width (measured 2.2x slower at k=100).
    Returns sum (A_new - A_old)^2 over the block, in float64.
    """
    k = A.shape[1]
    zero = l1 - l1
    step = 0.0
    for j in range(k):
        g = G[j]
        denom = g[j] + l2
        if denom <= zero:  # row j of the other factor is zero: column j is free
            continue
        for r in range(i1 - i0):
            a = A[i0 + r]
            s = zero
            for m in range(k):
                s += a[m] * g[m]
            old = a[j]
            new = (P[r, j] - l1 - s + old * g[j]) / denom
            if new < zero:
                new = zero
            a[j] = new
            step += np.float64(new - old) * np.float64(new - old)
    return step


@njit(cache=True, fastmath=True, inline="always")
def _sweep_block_descent(A, P, G, i0, i1, l1, l2):
    """:func:`_sweep_block`, returning the decrease of the objective
    0.5 ||X - A B^T||^2 + l1 |A| + 0.5 l2 ||A||^2 it made instead of the step: each
    coordinate step lowers q(a) = 0.5 (G[j, j] + l2) a^2 - b a by q(old) - q(new), exactly.
    (A separate kernel: the few more operations per coordinate cost the fused update 7%.)
    """
    k = A.shape[1]
    zero = l1 - l1
    gain = 0.0
    for j in range(k):
        g = G[j]
        denom = g[j] + l2
        if denom <= zero:
            continue
        for r in range(i1 - i0):
            a = A[i0 + r]
            s = zero
            for m in range(k):
                s += a[m] * g[m]
            old = a[j]
            b = P[r, j] - l1 - s + old * g[j]
            new = b / denom
            if new < zero:
                new = zero
            a[j] = new
            gain += np.float64(old - new) * (0.5 * np.float64(denom) * np.float64(old + new)
                                             - np.float64(b))
    return gain


@njit(nogil=True, cache=True, fastmath=True)
def hals_sweep(A, P, G, l1, l2, r0, r1):
    """One HALS sweep over rows r0..r1 of A given P = X B and G = B^T B (in place).

    Row by row gives the same iterates as column by column, since row i's update reads
    only row i. Returns sum (A_new - A_old)^2 over those rows.
    """
    moved = 0.0
    for i0 in range(r0, r1, ROW_BLOCK):
        i1 = min(i0 + ROW_BLOCK, r1)
        moved += _sweep_block(A, P[i0:i1], G, i0, i1, l1, l2)
    return moved


@njit(nogil=True, cache=True, fastmath=True)
def hals_descent(A, P, G, l1, l2, r0, r1):
    """:func:`hals_sweep`, returning the decrease of the objective it made."""
    gain = 0.0
    for i0 in range(r0, r1, ROW_BLOCK):
        i1 = min(i0 + ROW_BLOCK, r1)
        gain += _sweep_block_descent(A, P[i0:i1], G, i0, i1, l1, l2)
    return gain


@njit(nogil=True, cache=True, fastmath=True)
def hals_rows_fused(indptr, indices, data, B, G, A_in, A_out, l1, l2, max_sweeps, delta2, beta,
                    r0, r1):
    """Rows r0..r1 of A_out = HALS update of A_in (n, k) for min ||X - A B^T||, X in CSR,
    then extrapolated: A_out <- max(0, A_out + beta (A_out - A_in)).

    X B is computed row block by row block on the fly, so no n x k product array is ever
    stored; its rows are summed in float64 and then taken in A's dtype (a float32 row of
    X^T W sums one term per document that holds it: summed in float32, a term of 100k
    documents was off by ~1e-5, which moved the iterates and the objective more than the
    last iterations' progress). Each block makes up to ``max_sweeps`` sweeps, stopping once
    a sweep moves it by at most ``delta2`` times the first sweep's squared step (Gillis &
    Glineur 2012). Returns those rows' share of <A_out, X B> (the cross term of the loss),
    in float64.
    """
    k = A_in.shape[1]
    zero = l1 - l1
    P = np.empty((ROW_BLOCK, k), dtype=A_in.dtype)
    S = np.empty((ROW_BLOCK, k), dtype=np.float64)  # X B, summed in float64
    cross = 0.0
    for i0 in range(r0, r1, ROW_BLOCK):
        i1 = min(i0 + ROW_BLOCK, r1)
        for r in range(i1 - i0):  # P = X[i0:i1] @ B
            S[r, :] = 0.0
            _add_row_product(S[r], indptr, indices, data, i0 + r, B)
            for j in range(k):
                P[r, j] = S[r, j]
            A_out[i0 + r] = A_in[i0 + r]
        first = _sweep_block(A_out, P, G, i0, i1, l1, l2)
        for _ in range(max_sweeps - 1):
            if _sweep_block(A_out, P, G, i0, i1, l1, l2) <= delta2 * first:
                break
        if beta != 0.0:
            for i in range(i0, i1):
                for j in range(k):
                    y = A_out[i, j] + beta * (A_out[i, j] - A_in[i, j])
                    A_out[i, j] = y if y > 0.0 else zero
        for r in range(i1 - i0):
            for j in range(k):
                cross += np.float64(A_out[i0 + r, j]) * S[r, j]
    return cross


@njit(nogil=True, cache=True, fastmath=True)
def extrapolate(out, new, old, beta, r0, r1):
    """Rows r0..r1 of out = max(0, new + beta (new - old)), without temporaries (out may be
    new)."""
    k = new.shape[1]
    zero = beta - beta
    for i in range(r0, r1):
        for j in range(k):
            y = new[i, j] + beta * (new[i, j] - old[i, j])
            out[i, j] = y if y > 0.0 else zero


@njit(nogil=True, cache=True, fastmath=True)
def csr_dot(indptr, indices, data, B, out, r0, r1):
    """Rows r0..r1 of out = X @ B for CSR X given by (indptr, indices, data); B (n_cols, k)
    C-contiguous."""
    k = out.shape[1]
    for i in range(r0, r1):
        row = out[i]
        for j in range(k):
            row[j] = 0.0
        _add_row_product(row, indptr, indices, data, i, B)


@njit(nogil=True, cache=True, fastmath=True)
def csr_tdot(indptr, indices, data, A, acc, r0, r1):
    """acc = X[r0:r1]^T A[r0:r1] for CSR X, scattering the rows of A (read once, in order)
    into acc (n_cols, k), which is zeroed first."""
    k = A.shape[1]
    acc[:] = 0.0
    for i in range(r0, r1):
        a = A[i]
        for p in range(indptr[i], indptr[i + 1]):
            v = data[p]
            o = acc[indices[p]]
            for j in range(k):
                o[j] += v * a[j]


@njit(nogil=True, cache=True)
def add_parts(parts, out, r0, r1):
    """Rows r0..r1 of out = parts[0] + parts[1] + ..., added in that order."""
    k = out.shape[1]
    for i in range(r0, r1):
        for j in range(k):
            s = parts[0, i, j]
            for p in range(1, parts.shape[0]):
                s += parts[p, i, j]
            out[i, j] = s


@njit(nogil=True, cache=True, fastmath=True)
def kl_ratio(indptr, indices, data, W, Ht, eps, ratio, r0, r1):
    """At X's nonzeros of rows r0..r1 only: ratio = X / (W H) and the partial KL sum.

    (W H)_ij is a length-k dot product computed on the fly, so no nnz x k array is formed.
    Returns the sum over those nonzeros of x log(x / wh) - x, in float64.
    """
    k = W.shape[1]
    acc = 0.0
    for i in range(r0, r1):
        w = W[i]
        for p in range(indptr[i], indptr[i + 1]):
            h = Ht[indices[p]]
            wh = 0.0
            for j in range(k):
                wh += w[j] * h[j]
            if wh < eps:
                wh = eps
            x = data[p]
            ratio[p] = x / wh
            acc += np.float64(x) * np.log(np.float64(x) / np.float64(wh)) - np.float64(x)
    return acc
