"""Compiled HALS sweeps (numba), rows side by side; ``_updates.hals`` is their reference.

A sweep updates each row a of a factor column by column:

    a[j] <- max(0, (p[j] - l1 - sum_{m != j} a[m] G[m, j]) / (G[j, j] + l2))

so each coordinate costs a dot product of length k. Computed one row at a time, that dot
product is a vector loop ending in a horizontal reduction and a remainder loop (k = 50 in
float32: one 32-wide pass, four 4-wide ones and two scalar steps), whose cost does not
shrink with the dtype: float32 was barely faster than float64 there. Here a block of ROWS
rows is copied transposed (k x ROWS), so the same sums run across the rows,

    s[0:ROWS] += A_T[m, 0:ROWS] * G[j, m]          for m = 0 .. k-1,

full vectors with no reduction and no remainder (ROWS is a multiple of every vector
width), twice as many lanes in float32 as in float64. Rows are independent, so the
iterates are those of the row-by-row sweep up to the order of the sums (rounding).
Measured on one thread (200k package summaries, k=50, W's sweep alone): float64 74 ->
50 ms, float32 73 -> 34 ms.

Each kernel works on a range of rows r0..r1 and releases the GIL (see ``_fast``).
"""

import numpy as np
from numba import njit

from ..compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)
from ._kernels import PREFETCH_BYTES, _add_range_product, _add_row_product, prefetch_row

ROWS = 64  # rows swept side by side: a multiple of the widest vector (16 float32)
TILE = 8  # the transposes move 8 x 8 tiles (contiguous 8-wide stores: 1.4x the plain loop)
CHUNK = 16  # a float32 row of X B: nonzeros summed in float32 this many at a time


@njit(cache=True, fastmath=True, inline="always")
def _rows_in(A, i0, nr, AT):
    """AT[:, :nr] = A[i0:i0 + nr].T (in AT's dtype), AT[:, nr:] = 0."""
    k = A.shape[1]
    if nr == ROWS:
        for r0 in range(0, ROWS, TILE):
            j0 = 0
            while j0 + TILE <= k:
                for j in range(TILE):
                    at = AT[j0 + j]
                    for r in range(TILE):
                        at[r0 + r] = A[i0 + r0 + r, j0 + j]
                j0 += TILE
            for j in range(j0, k):
                for r in range(TILE):
                    AT[j, r0 + r] = A[i0 + r0 + r, j]
    else:
        for j in range(k):
            for r in range(nr):
                AT[j, r] = A[i0 + r, j]
            for r in range(nr, ROWS):
                AT[j, r] = 0


@njit(cache=True, fastmath=True, inline="always")
def _rows_out(AT, A, i0, nr):
    """A[i0:i0 + nr] = AT[:, :nr].T."""
    k = A.shape[1]
    if nr == ROWS:
        for r0 in range(0, ROWS, TILE):
            j0 = 0
            while j0 + TILE <= k:
                for r in range(TILE):
                    a = A[i0 + r0 + r]
                    for j in range(TILE):
                        a[j0 + j] = AT[j0 + j, r0 + r]
                j0 += TILE
            for r in range(TILE):
                for j in range(j0, k):
                    A[i0 + r0 + r, j] = AT[j, r0 + r]
    else:
        for r in range(nr):
            for j in range(k):
                A[i0 + r, j] = AT[j, r]


@njit(cache=True, fastmath=True, inline="always")
def _row_product64(out, indptr, indices, data, i, B, t):
    """out = X[i] @ B in float64 (out: float64, t: scratch in B's dtype). A float64 B is
    summed straight into out; a float32 B's products are summed in float32 CHUNK nonzeros
    at a time (t) and the chunks in float64: the rounding of a chunk is that of the
    float32 result (a term of 300k documents: as close to the float64 sum as before),
    while a float64 read-modify-write of out per four nonzeros cost float32 much of its
    gain (Debian k=100, one thread: the W update 86 -> 72 ms, the H update 80 -> 58 ms).
    A long row of a large B (X^T's row of a frequent term, gathering W at 794k documents)
    prefetches each next chunk's rows of B (:func:`~._kernels.prefetch_row`); the sums
    are the same either way."""
    out[:] = 0.0
    start, end = indptr[i], indptr[i + 1]
    ahead = B.nbytes >= PREFETCH_BYTES and end - start > CHUNK  # a long row of a large B
    if B.itemsize == 8 and not ahead:
        _add_row_product(out, indptr, indices, data, i, B)
        return
    k = out.shape[0]
    nnz = indices.shape[0]
    for p0 in range(start, end, CHUNK):
        if ahead:  # the next chunk's rows of B, asked for while this chunk is summed
            for q in range(p0 + CHUNK, min(p0 + 2 * CHUNK, end, nnz)):
                prefetch_row(B, indices[q])
        if B.itemsize == 8:
            _add_range_product(out, indices, data, p0, min(p0 + CHUNK, end), B)
            continue
        t[:] = 0
        _add_range_product(t, indices, data, p0, min(p0 + CHUNK, end), B)
        for j in range(k):
            out[j] += t[j]


@njit(nogil=True, cache=True, fastmath=True)
def csr_dot64(indptr, indices, data, B, out, r0, r1):
    """Rows r0..r1 of out = X @ B, each row summed in float64 (:func:`_row_product64`)
    and stored in out's dtype: X^T A gathered from a CSR copy of X^T, as exact as the
    scatter into float64 accumulators (``_kernels.csr_tdot``)."""
    k = B.shape[1]
    S = np.empty(k, dtype=np.float64)
    t = np.empty(k, dtype=B.dtype)
    for i in range(r0, r1):
        _row_product64(S, indptr, indices, data, i, B, t)
        for j in range(k):
            out[i, j] = S[j]


@njit(cache=True, fastmath=True, inline="always")
def _sums(AT, g, s):
    """s[r] = sum_m AT[m, r] g[m] for the ROWS rows of a block: four rows of AT per pass
    over s (one load and store of s per four multiply-adds)."""
    k = AT.shape[0]
    for r in range(ROWS):
        s[r] = 0
    m = 0
    while m + 4 <= k:
        g0, g1, g2, g3 = g[m], g[m + 1], g[m + 2], g[m + 3]
        a0, a1, a2, a3 = AT[m], AT[m + 1], AT[m + 2], AT[m + 3]
        for r in range(ROWS):
            s[r] += a0[r] * g0 + a1[r] * g1 + a2[r] * g2 + a3[r] * g3
        m += 4
    while m < k:
        gm = g[m]
        am = AT[m]
        for r in range(ROWS):
            s[r] += am[r] * gm
        m += 1


@njit(cache=True, fastmath=True, inline="always")
def _sweep_t(AT, PT, G, s, l1, l2):
    """One HALS sweep over the columns of a transposed block: AT (k, ROWS) the rows of A,
    PT (k, ROWS) theirs of X B, s (ROWS,) scratch. The sums run in A's dtype (``zero``
    is typed from l1, which the engine passes in that dtype). Padding rows (A = P = 0)
    stay zero. Returns sum (A_new - A_old)^2 over the block and the violation, both in
    float64: sum |projected gradient| of each coordinate just before its update, as
    scikit-learn's 'cd' measures it (the gradient is denom a - b, the numerator's own
    terms; projected: min(0, gradient) where a = 0)."""
    k = AT.shape[0]
    zero = l1 - l1
    step = 0.0
    violation = 0.0
    for j in range(k):
        g = G[j]
        denom = g[j] + l2
        if denom <= zero:  # row j of the other factor is zero: column j is free
            continue
        _sums(AT, g, s)
        a, p, gj = AT[j], PT[j], g[j]
        for r in range(ROWS):
            old = a[r]
            b = p[r] - l1 - s[r] + old * gj
            grad = denom * old - b
            if old <= zero and grad > zero:
                grad = zero
            violation += abs(np.float64(grad))
            new = b / denom
            if new < zero:
                new = zero
            a[r] = new
            step += np.float64(new - old) * np.float64(new - old)
    return step, violation


@njit(cache=True, fastmath=True, inline="always")
def _sweep_t_descent(AT, PT, G, s, l1, l2):
    """:func:`_sweep_t`, returning the decrease of 0.5 ||X - A B^T||^2 + l1 |A| +
    0.5 l2 ||A||^2 it made: each coordinate step lowers q(a) = 0.5 (G[j, j] + l2) a^2 - b a
    by q(old) - q(new), exactly."""
    k = AT.shape[0]
    zero = l1 - l1
    gain = 0.0
    for j in range(k):
        g = G[j]
        denom = g[j] + l2
        if denom <= zero:
            continue
        _sums(AT, g, s)
        a, p, gj = AT[j], PT[j], g[j]
        for r in range(ROWS):
            old = a[r]
            b = p[r] - l1 - s[r] + old * gj
            new = b / denom
            if new < zero:
                new = zero
            a[r] = new
            gain += np.float64(old - new) * (0.5 * np.float64(denom) * np.float64(old + new)
                                             - np.float64(b))
    return gain


@njit(nogil=True, cache=True, fastmath=True)
def _sweep_rows(A, P, G, l1, l2, r0, r1, descent):
    k = A.shape[1]
    AT = np.empty((k, ROWS), dtype=A.dtype)
    PT = np.empty((k, ROWS), dtype=A.dtype)
    s = np.empty(ROWS, dtype=A.dtype)
    total = 0.0
    violation = 0.0
    for i0 in range(r0, r1, ROWS):
        nr = min(ROWS, r1 - i0)
        _rows_in(A, i0, nr, AT)
        _rows_in(P, i0, nr, PT)
        if descent:
            total += _sweep_t_descent(AT, PT, G, s, l1, l2)
        else:
            step, v = _sweep_t(AT, PT, G, s, l1, l2)
            total += step
            violation += v
        _rows_out(AT, A, i0, nr)
    return total, violation


@njit(nogil=True, cache=True, fastmath=True)
def hals_sweep(A, P, G, l1, l2, r0, r1):
    """One HALS sweep over rows r0..r1 of A given P = X B and G = B^T B (in place).
    Returns sum (A_new - A_old)^2 over those rows and their violation (see
    :func:`_sweep_t`)."""
    return _sweep_rows(A, P, G, l1, l2, r0, r1, False)


@njit(nogil=True, cache=True, fastmath=True)
def hals_descent(A, P, G, l1, l2, r0, r1):
    """:func:`hals_sweep`, returning the decrease of the objective it made."""
    return _sweep_rows(A, P, G, l1, l2, r0, r1, True)[0]


@njit(nogil=True, cache=True, fastmath=True)
def hals_rows_fused(indptr, indices, data, B, G, A_in, A_out, l1, l2, max_sweeps, delta2, beta,
                    r0, r1):
    """Rows r0..r1 of A_out = HALS update of A_in (n, k) for min ||X - A B^T||, X in CSR,
    then extrapolated: A_out <- max(0, A_out + beta (A_out - A_in)).

    X B is computed a block of rows at a time on the fly, so no n x k product array is
    ever stored; its rows are summed in float64 (a float32 B: in float32 chunks added in
    float64, see :func:`_row_product64`) and then taken in A's dtype (a float32 row of
    X^T W sums one term per document that holds it: summed in float32, a term of 100k
    documents was off by ~1e-5, which moved the iterates and the objective more than the
    last iterations' progress). A row of at most CHUNK nonzeros is a single float32 chunk
    of that sum, so it is summed straight into the block's row in A's dtype; only longer
    rows go through the float64 buffer (the same values; 794k summaries, 99% of rows that
    short: W's update 170 -> 145 ms). Each block makes up to ``max_sweeps`` sweeps, stopping
    once a sweep moves it by at most ``delta2`` times the first sweep's squared step
    (Gillis & Glineur 2012). Returns those rows' share of <A_out, X B> (the cross term of
    the loss) and of the first sweep's violation (see :func:`_sweep_t`), in float64.
    """
    k = A_in.shape[1]
    zero = l1 - l1
    S = np.empty((ROWS, k), dtype=np.float64)  # X B's long rows, summed in float64
    T = np.empty((ROWS, k), dtype=A_in.dtype)  # X B in A's dtype
    long = np.zeros(ROWS, dtype=np.bool_)
    t = np.empty(k, dtype=B.dtype)
    AT = np.empty((k, ROWS), dtype=A_in.dtype)
    PT = np.empty((k, ROWS), dtype=A_in.dtype)
    s = np.empty(ROWS, dtype=A_in.dtype)
    cross = 0.0
    violation = 0.0
    for i0 in range(r0, r1, ROWS):
        nr = min(ROWS, r1 - i0)
        for r in range(nr):  # T = X[i0:i0 + nr] @ B
            i = i0 + r
            long[r] = indptr[i + 1] - indptr[i] > CHUNK
            if long[r]:
                _row_product64(S[r], indptr, indices, data, i, B, t)
                for j in range(k):
                    T[r, j] = S[r, j]
            else:  # (as _row_product64 sums it: one chunk in B's dtype)
                T[r] = 0
                _add_range_product(T[r], indices, data, indptr[i], indptr[i + 1], B)
        _rows_in(T, 0, nr, PT)
        _rows_in(A_in, i0, nr, AT)
        first, v = _sweep_t(AT, PT, G, s, l1, l2)
        violation += v
        for _ in range(max_sweeps - 1):
            if _sweep_t(AT, PT, G, s, l1, l2)[0] <= delta2 * first:
                break
        _rows_out(AT, A_out, i0, nr)
        if beta != 0.0:
            for i in range(i0, i0 + nr):
                for j in range(k):
                    y = A_out[i, j] + beta * (A_out[i, j] - A_in[i, j])
                    A_out[i, j] = y if y > 0.0 else zero
        for r in range(nr):
            if long[r]:
                for j in range(k):
                    cross += np.float64(A_out[i0 + r, j]) * S[r, j]
            else:
                for j in range(k):
                    cross += np.float64(A_out[i0 + r, j]) * np.float64(T[r, j])
    return cross, violation
