"""Compiled kernels (numba) for the sparse products and the elementwise steps; the HALS
sweeps are in ``_sweeps``.

Each row kernel works on a range of rows r0..r1 and releases the GIL (``nogil``): the fast
engine hands the ranges to a pool of threads that take them as they come free (dynamic
scheduling), so a thread preempted by another process delays only its current range
instead of holding the others at a barrier. Compiled on first use and cached on disk.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from ..compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)

AHEAD = 16  # nonzeros: the rows they gather are asked for this far ahead (see prefetch_row)
LINE = 64  # bytes in a cache line
PREFETCH_BYTES = 32 * 2**20  # ... when the array gathered from is this large (see prefetch_row)


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to bring the cache line holding ``array.flat[index]`` in (LLVM's
    llvm.prefetch: a hint for reading, kept in every cache level); no effect on values."""
    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", [byte_ptr], ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]))
        address = builder.bitcast(builder.gep(data, [args[1]]), byte_ptr)
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@njit(cache=True, inline="always")
def prefetch_row(B, i):
    """Prefetch row i of a C-contiguous 2-D B, every cache line of it.

    The sparse products gather (or scatter into) one row of a dense factor per nonzero, at
    random: at 794k documents each such row is a miss to memory, and the loops waited on
    one or two at a time. Asking for the rows AHEAD nonzeros in advance keeps many in
    flight (794k x 87,890 package summaries, k=50 float32, one thread: X^T W gathered 250
    -> 130 ms). A prefetch is a hint: values are unchanged. Only for arrays of
    PREFETCH_BYTES or more: where B stays in cache the prefetches are pure cost (100k x
    6,324 synthetic, B 1 MB, one thread: X H^T 19 -> 28 ms at k=20) and at 794k summaries
    H^T (18 MB, L3) gained nothing."""
    k = B.shape[1]
    step = max(1, LINE // B.itemsize)
    start = i * k
    for j in range(0, k, step):
        _prefetch(B, start + j)
    _prefetch(B, start + k - 1)


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
    if acc.nbytes >= PREFETCH_BYTES:  # (decided once: the plain loop below stays as it was)
        nnz = indices.shape[0]
        for i in range(r0, r1):
            a = A[i]
            for p in range(indptr[i], indptr[i + 1]):
                if p + AHEAD < nnz:
                    prefetch_row(acc, indices[p + AHEAD])
                v = data[p]
                o = acc[indices[p]]
                for j in range(k):
                    o[j] += v * a[j]
        return
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


@njit(nogil=True, cache=True)
def add_rows(total, rows, sums):
    """total[rows[i]] += sums[i] for each i (distinct rows): numpy's ``total[rows] += sums``
    in one pass instead of a gather, an add and a scatter."""
    k = sums.shape[1]
    for i in range(rows.shape[0]):
        t = total[rows[i]]
        s = sums[i]
        for j in range(k):
            t[j] += s[j]


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
