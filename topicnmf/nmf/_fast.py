"""The fast engine: numba kernels (``_kernels``) parallel over rows, on every core.

The rows are cut into ranges, several per core, and a thread pool runs the kernels (which
release the GIL) on them as threads come free: dynamic scheduling, so a core taken by
another process slows a fit by its share of the work instead of stalling every thread at
a barrier until the preempted one catches up. BLAS is pinned to one thread while the
kernels run (BLAS threads spinning beside the kernels' threads cost more than they gave
here), and the small dense products are split over rows by the same pool instead. Dense X
falls back to numpy products.
"""

import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ._reference import NumpyEngine, gram64, like

FUSED_H_MAX_BYTES = 4 * 2**20  # see FastEngine.fused_transpose
TASKS_PER_THREAD = 4  # row ranges per thread: what a preempted thread leaves, others take
MIN_TASK_WORK = 2e5  # multiply-adds: below that, a range is not worth a thread hand-off
ALIGN = 64  # ranges start at multiples of the sweeps' row block (``_sweeps.ROWS``)
GRAM32_ROWS = 1024  # a float32 Gram matrix: products in float32 over this many rows at a time


def n_threads():
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def _pool():
    return ThreadPoolExecutor(n_threads(), thread_name_prefix="topicnmf")


@lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # inspecting the loaded libraries is slow: do it once


def gram32(A):
    """A^T A of a float32 A: float32 products (BLAS sgemm) over GRAM32_ROWS rows at a time,
    added up in float64. Twice as fast as converting A to float64 first (Debian k=100, one
    thread: 17.3 -> 9.3 ms), within 1.2e-7 of it (relative to the largest entry; 300k x 100,
    skewed): about the float32 rounding of X H^T that the objective reads beside it. 1024
    rows rather than 512: 794k x 50 in 28 ms against 35 (8e-8 at 512)."""
    G = np.zeros((A.shape[1], A.shape[1]))
    for i in range(0, A.shape[0], GRAM32_ROWS):
        block = A[i:i + GRAM32_ROWS]
        G += block.T @ block
    return G


def _row_blocks(n, parts):
    bounds = np.linspace(0, n, parts + 1).astype(int)
    return list(zip(bounds[:-1], bounds[1:]))


def row_ranges(n, work, threads):
    """[r0, r1) ranges covering n rows for ``work`` multiply-adds: TASKS_PER_THREAD per
    thread, fewer when each would get less than MIN_TASK_WORK, one when threads == 1."""
    parts = int(min(TASKS_PER_THREAD * threads, max(1, work // MIN_TASK_WORK), -(-n // ALIGN)))
    if threads == 1 or parts <= 1:
        return [(0, n)]
    bounds = np.linspace(0, n // ALIGN, parts + 1).astype(int) * ALIGN
    bounds[-1] = n
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _pairs(results):
    """The row ranges' (a, b) pairs added up, in row order: (sum a, sum b) as floats."""
    return tuple(float(sum(values)) for values in zip(*results))


class FastEngine(NumpyEngine):
    """numba kernels, parallel over rows."""

    name = "fast"

    def __init__(self, threads=None):
        from . import _kernels, _sweeps  # compiling (or loading) kernels is slow: only when used

        self._k = _kernels
        self._s = _sweeps
        self._threads = threads or n_threads()  # (one: when something else runs blocks in parallel)
        self._held = None  # (weak reference to X, X^T in CSR): see fused_transpose

    def _share(self, task, count):
        """[task(0), ..., task(count - 1)], run by the calling thread and up to threads - 1
        of the pool, each taking the next index as it comes free (dynamic scheduling: a
        thread preempted by another process holds up one task, not a share fixed in
        advance). Two futures per call (on two cores), not one per task."""
        results = [None] * count
        todo = iter(range(count))  # next() hands out each index once (atomic under the GIL)

        def work():
            for i in todo:
                results[i] = task(i)

        helpers = [_pool().submit(work) for _ in range(min(self._threads, count) - 1)]
        work()
        for helper in helpers:
            helper.result()
        return results

    def _over_rows(self, kernel, n, work, *args):
        """kernel(*args, r0, r1) over row ranges covering n rows (see ``row_ranges``); the
        list of what each returned, in row order."""
        ranges = row_ranges(n, work, self._threads)
        if len(ranges) == 1:
            return [kernel(*args, 0, n)]
        return self._share(lambda i: kernel(*args, *ranges[i]), len(ranges))

    def threading(self):
        """BLAS pinned to one thread: one threading layer (the kernels') at a time."""
        return _controller().limit(limits=1, user_api="blas")

    def fused_transpose(self, X, A):
        # X^T W gathered from a transposed copy of X, fused into the H sweep: while A (= W)
        # fits in cache (fastest), and whenever the copy takes no more memory than the
        # scatter from X needs (its accumulators and X^T W itself; at large k: Debian k=100,
        # 20 MB against 72 MB, at the same speed). Otherwise scattered from X itself. The
        # copy is made once per X and held while X lives: the start's products (see
        # range_products) and tdot gather from it too.
        if not sp.issparse(X):
            return None
        copy = X.data.nbytes + X.indices.nbytes + (X.shape[1] + 1) * X.indptr.itemsize
        if A.nbytes <= FUSED_H_MAX_BYTES or copy <= self._scatter_bytes(X, A):
            if self._held is None or self._held[0]() is not X:
                self._held = (weakref.ref(X), X.T.tocsr())
            return self._held[1]
        self._held = None  # (not a copy beside the scatter's accumulators)
        return None

    def range_products(self, X, Q, scratch=None):
        """(Y^T Y, X^T Y) for Y = X Q, X^T Y gathered from the copy of :meth:`fused_transpose`
        where it would make one (794k summaries, Y 60 wide: 160 -> 95 ms against the
        scatter; the copy, 0.15 s, made once for the start and the fit); Y written into
        the buffer kept in ``scratch`` (see ``ArrayEngine.range_products``)."""
        if not sp.issparse(X):
            return super().range_products(X, Q)
        Y = self.dot(X, Q, out=None if scratch is None else scratch.get("Y"))
        if scratch is not None:
            scratch["Y"] = Y
        self.fused_transpose(X, Y)
        return self.gram(Y), self.tdot(X, Y)

    def _scatter_parts(self, X, A):
        """How many accumulators :meth:`tdot` scatters X^T A into (one: none but the result)."""
        n, k = A.shape
        return min(len(row_ranges(n, (X.nnz + n) * k, self._threads)), 2 * self._threads)

    def _scatter_bytes(self, X, A):
        """Bytes :meth:`tdot` allocates for X^T A: its float64 accumulators and the result."""
        parts = self._scatter_parts(X, A)
        return (8 * max(parts, 1) + (A.itemsize if parts > 1 else 0)) * X.shape[1] * A.shape[1]

    def dot(self, X, B, out=None):
        """X @ B; for a sparse X, written into ``out`` when it has the result's shape and
        dtype (a buffer kept by the caller: see range_products)."""
        if not sp.issparse(X):
            return np.ascontiguousarray(X @ B)
        B = np.ascontiguousarray(B)
        shape = (X.shape[0], B.shape[1])
        if out is None or out.shape != shape or out.dtype != B.dtype:
            out = np.empty(shape, dtype=B.dtype)
        self._over_rows(self._k.csr_dot, X.shape[0], (X.nnz + X.shape[0]) * B.shape[1],
                        X.indptr, X.indices, X.data, B, out)
        return out

    def tdot(self, X, A, dtype=None):
        """X^T A, summed in float64 and given in ``dtype`` (default: A's)."""
        dtype = A.dtype if dtype is None else np.dtype(dtype)
        if not sp.issparse(X):
            return np.ascontiguousarray(X.T @ A, dtype=dtype)
        A = np.ascontiguousarray(A)
        n, k = A.shape
        m = X.shape[1]
        if self._held is not None and self._held[0]() is X:  # gathered over X^T's rows
            out = np.empty((m, k), dtype=dtype)
            Xt = self._held[1]
            self._over_rows(self._s.csr_dot64, m, (Xt.nnz + m) * k, Xt.indptr, Xt.indices,
                            Xt.data, A, out)
            return out
        parts = self._scatter_parts(X, A)
        # summed in float64 for a float32 A too (a frequent term's column sums the rows of
        # every document holding it: in float32, off by ~1e-5 at 100k documents), then
        # taken in A's dtype
        if parts == 1:
            out = np.empty((m, k), dtype=np.float64)
            self._k.csr_tdot(X.indptr, X.indices, X.data, A, out, 0, n)
            return out.astype(dtype, copy=False)
        # scattered into one accumulator per part, each part a fixed set of rows (so the
        # sums, and the result, do not depend on which thread ran what), two parts per
        # thread, taken as threads free up; then added up in order, in parallel
        bounds = np.linspace(0, n, parts + 1).astype(int)
        accs = np.empty((parts, m, k), dtype=np.float64)
        self._share(lambda p: self._k.csr_tdot(X.indptr, X.indices, X.data, A, accs[p],
                                               bounds[p], bounds[p + 1]), parts)
        out = np.empty((m, k), dtype=dtype)
        self._over_rows(self._k.add_parts, m, m * k * parts, accs, out)
        return out

    def gram(self, A):
        """A^T A in float64 (a float32 A: see ``gram32``), the rows split across threads
        (BLAS itself is pinned to one)."""
        n, k = A.shape
        part = gram64 if A.dtype != np.float32 else gram32
        if self._threads == 1 or n * k * k < 2e7:  # small: a thread hand-off costs more
            return part(A)
        blocks = _row_blocks(A.shape[0], self._threads * 4)
        return sum(self._share(lambda i: part(A[blocks[i][0]:blocks[i][1]]), len(blocks)))

    def matmul(self, A, M):
        if self._threads == 1 or A.shape[0] * A.shape[1] * M.shape[1] < 2e7:
            return A @ M
        out = np.empty((A.shape[0], M.shape[1]), dtype=np.result_type(A, M))

        blocks = _row_blocks(A.shape[0], self._threads * 4)

        def block(i):
            np.matmul(A[blocks[i][0]:blocks[i][1]], M, out=out[blocks[i][0]:blocks[i][1]])

        self._share(block, len(blocks))
        return out

    def hals(self, A, P, G, l1, l2):
        return _pairs(self._sweep(self._s.hals_sweep, A, P, G, l1, l2))

    def hals_descent(self, A, P, G, l1, l2):
        return float(sum(self._sweep(self._s.hals_descent, A, P, G, l1, l2)))

    def _sweep(self, kernel, A, P, G, l1, l2):
        t = A.dtype.type
        n, k = A.shape
        return self._over_rows(kernel, n, n * k * k, A, P, like(G, A), t(l1), t(l2))

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        if not sp.issparse(X):  # the product first, then the kernel sweeps
            return super().hals_rows(X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta)
        t = A_in.dtype.type
        G = like(G, A_in)
        n, k = A_in.shape
        work = (X.nnz + n * k * max_sweeps) * k
        return _pairs(self._over_rows(
            self._s.hals_rows_fused, n, work, X.indptr, X.indices, X.data, B, G, A_in, A_out,
            t(l1), t(l2), max_sweeps, t(delta * delta), t(beta)))

    def extrapolate(self, out, new, old, beta):
        n, k = new.shape
        self._over_rows(self._k.extrapolate, n, n * k // 4, out, new, old, out.dtype.type(beta))

    def kl_ratio(self, X, W, Ht, eps, R):
        return float(sum(self._over_rows(
            self._k.kl_ratio, X.shape[0], (X.nnz + X.shape[0]) * W.shape[1],
            X.indptr, X.indices, X.data, W, Ht, W.dtype.type(eps), R.data)))
