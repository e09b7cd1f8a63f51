"""The fast engine: numba kernels (``_kernels``) parallel over rows, on every core.

BLAS is pinned to one thread while the kernels run (BLAS threads spinning beside the
kernels' threads cost more than they gave here), and the small dense products are split
over rows by a thread pool instead. Dense X falls back to numpy products.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ._reference import NumpyEngine

FUSED_H_MAX_BYTES = 4 * 2**20  # see FastEngine.fused_transpose


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


def _row_blocks(n, parts):
    bounds = np.linspace(0, n, parts + 1).astype(int)
    return list(zip(bounds[:-1], bounds[1:]))


class FastEngine(NumpyEngine):
    """numba kernels, parallel over rows."""

    name = "fast"

    def __init__(self):
        from . import _kernels  # compiling (or loading) the kernels is slow: only when used

        self._k = _kernels
        self._threads = n_threads()

    def threading(self):
        """BLAS pinned to one thread: one threading layer (the kernels') at a time."""
        return _controller().limit(limits=1, user_api="blas")

    def fused_transpose(self, X, A):
        # While A (= W) fits in cache, X^T W is fastest gathered from a transposed copy of X,
        # fused into the H sweep; beyond that, scattered from X itself (no copy of X needed).
        if sp.issparse(X) and A.nbytes <= FUSED_H_MAX_BYTES:
            return X.T.tocsr()
        return None

    def dot(self, X, B):
        if not sp.issparse(X):
            return np.ascontiguousarray(X @ B)
        B = np.ascontiguousarray(B)
        out = np.empty((X.shape[0], B.shape[1]), dtype=B.dtype)
        self._k.csr_dot(X.indptr, X.indices, X.data, B, out)
        return out

    def tdot(self, X, A):
        if not sp.issparse(X):
            return np.ascontiguousarray(X.T @ A)
        A = np.ascontiguousarray(A)
        out = np.empty((X.shape[1], A.shape[1]), dtype=A.dtype)
        extra = np.empty((self._threads - 1, X.shape[1], A.shape[1]), dtype=A.dtype)
        self._k.csr_tdot(X.indptr, X.indices, X.data, A, out, extra)
        for part in extra:
            out += part
        return out

    def gram(self, A):
        """A^T A, the rows split across threads (BLAS itself is pinned to one)."""
        n, k = A.shape
        if self._threads == 1 or n * k * k < 2e7:  # small: a thread hand-off costs more
            return A.T @ A
        parts = _pool().map(lambda b: A[b[0]:b[1]].T @ A[b[0]:b[1]],
                            _row_blocks(A.shape[0], self._threads))
        return sum(parts)

    def matmul(self, A, M):
        if self._threads == 1 or A.shape[0] * A.shape[1] * M.shape[1] < 2e7:
            return A @ M
        out = np.empty((A.shape[0], M.shape[1]), dtype=np.result_type(A, M))

        def block(b):
            np.matmul(A[b[0]:b[1]], M, out=out[b[0]:b[1]])

        list(_pool().map(block, _row_blocks(A.shape[0], self._threads)))
        return out

    def hals(self, A, P, G, l1, l2):
        t = A.dtype.type
        return float(self._k.hals_sweep(A, P, G, t(l1), t(l2)))

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        if not sp.issparse(X):  # the product first, then the kernel sweeps
            return super().hals_rows(X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta)
        t = A_in.dtype.type
        return float(self._k.hals_rows_fused(X.indptr, X.indices, X.data, B, G, A_in, A_out,
                                             t(l1), t(l2), max_sweeps, t(delta * delta), t(beta)))

    def extrapolate(self, out, new, old, beta):
        self._k.extrapolate(out, new, old, out.dtype.type(beta))

    def kl_ratio(self, X, W, Ht, eps, R):
        return float(self._k.kl_ratio(X.indptr, X.indices, X.data, W, Ht,
                                      W.dtype.type(eps), R.data))
