"""Compiled kernels (numba) for the sparse products and the elementwise steps; the HALS
sweeps are in ``_sweeps``.

Each row kernel works on a range of rows r0..r1 and releases the GIL (``nogil``): the fast
engine hands the ranges to a pool of threads that take them as they come free (dynamic
scheduling), so a thread preempted by another process delays only its current range
instead of holding the others at a barrier. Compiled on first use and cached on disk.
"""

import numpy as np
from numba import njit

from ..compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)


@njit(cache=True, fastmath=True, inline="always")
def _add_row_product(out, indptr, indices, data, i, B):
    """out += X[i] @ B for row i of a CSR X (:func:`_add_range_product` of its nonzeros)."""
    _add_range_product(out, indices, data, indptr[i], indptr[i + 1], B)


@njit(cache=True, fastmath=True, inline="always")
def _add_range_product(out, indices, data, p, end, B):
    """out += sum over the nonzeros p..end of data[q] B[indices[q]], four at a time (one
    read-modify-write of ``out`` per four gathered rows of B: measured 20% faster than one
    at a time)."""
    k = out.shape[0]
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
