"""Where the arithmetic runs: compiled kernels on every core, or the plain numpy reference.

The driver in ``_solve`` asks an engine for: X @ B, X^T A, Gram matrices, one HALS sweep,
and the W update of HALS with X @ B fused in. ``FastEngine`` does them with numba kernels
parallel over rows, with BLAS pinned to one thread (BLAS threads spinning beside the
kernels' threads cost more than they gave here); ``ReferenceEngine`` with scipy and
``_updates``. Both give the same iterates up to rounding.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from . import _updates


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


def single_threaded_blas(engine):
    """A context pinning BLAS to one thread while the fast engine's kernels run (a no-op
    for the reference engine)."""
    if engine.name != "fast":
        return nullcontext()
    return _controller().limit(limits=1, user_api="blas")


def _row_blocks(n, parts):
    bounds = np.linspace(0, n, parts + 1).astype(int)
    return list(zip(bounds[:-1], bounds[1:]))


class ReferenceEngine:
    """numpy/scipy only: slow, obvious, and the yardstick for the fast kernels."""

    name = "reference"

    def dot(self, X, B):
        """X @ B, dense (rows of X, k)."""
        return np.ascontiguousarray(X @ B)

    def tdot(self, X, A):
        """X^T @ A, dense (columns of X, k)."""
        return np.ascontiguousarray(X.T @ A)

    def gram(self, A):
        return A.T @ A

    def matmul(self, A, M):
        """A @ M for a tall A and a small M."""
        return A @ M

    def hals(self, A, P, G, l1, l2):
        """One sweep in place; returns the squared size of the step."""
        old = A.copy()
        _updates.hals(A, P, G, l1, l2)
        return float(((A - old) ** 2).sum())

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        """A_out = up to ``max_sweeps`` HALS sweeps from A_in given B (P = X B), then
        extrapolated: max(0, A_out + beta (A_out - A_in)). Returns <A_out, P>."""
        P = self.dot(X, B)
        A_out[...] = A_in
        first = self.hals(A_out, P, G, l1, l2)
        for _ in range(max_sweeps - 1):
            if self.hals(A_out, P, G, l1, l2) <= delta * delta * first:
                break
        if beta:
            self.extrapolate(A_out, A_out, A_in, beta)
        return float(np.vdot(A_out, P))

    def extrapolate(self, out, new, old, beta):
        """out = max(0, new + beta (new - old))."""
        np.maximum(new + beta * (new - old), 0, out=out)


class FastEngine:
    """numba kernels, parallel over rows."""

    name = "fast"

    def __init__(self):
        from . import _kernels

        self._k = _kernels
        self._threads = n_threads()

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
        if not sp.issparse(X):
            return ReferenceEngine.hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps,
                                             delta, beta)
        t = A_in.dtype.type
        return float(self._k.hals_rows_fused(X.indptr, X.indices, X.data, B, G, A_in, A_out,
                                             t(l1), t(l2), max_sweeps, t(delta * delta), t(beta)))

    def extrapolate(self, out, new, old, beta):
        self._k.extrapolate(out, new, old, out.dtype.type(beta))


def make_engine(name):
    return ReferenceEngine() if name == "reference" else FastEngine()
