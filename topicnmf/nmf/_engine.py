"""Where the arithmetic runs: compiled kernels on both cores, or the plain numpy reference.

The driver in ``_solve`` asks an engine for three things: the product of X with a dense
factor, the Gram matrix of a factor, and one HALS sweep. ``FastEngine`` does them with
numba kernels parallel over rows and BLAS pinned to one thread per worker (BLAS threads
spinning beside the kernels' threads cost more than they gave here); ``ReferenceEngine``
with scipy and ``_updates.hals``. Both give the same iterates up to rounding.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from . import _updates


def n_threads():
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class ReferenceEngine:
    """numpy/scipy only: slow, obvious, and the yardstick for the fast kernels."""

    name = "reference"

    def dot(self, X, B):
        return np.ascontiguousarray(X @ B)

    def gram(self, A):
        return A.T @ A

    def hals(self, A, P, G, l1, l2):
        old = A.copy()
        _updates.hals(A, P, G, l1, l2)
        return float(((A - old) ** 2).sum())


class FastEngine:
    """numba kernels parallel over rows; Gram matrices split across threads."""

    name = "fast"

    def __init__(self):
        from . import _kernels

        self._k = _kernels
        self._threads = n_threads()
        self._pool = ThreadPoolExecutor(self._threads) if self._threads > 1 else None

    def dot(self, X, B):
        if not sp.issparse(X):
            return np.ascontiguousarray(X @ B)
        out = np.empty((X.shape[0], B.shape[1]), dtype=np.result_type(X.dtype, B.dtype))
        self._k.csr_dot(X.indptr, X.indices, X.data, B, out)
        return out

    def gram(self, A):
        if self._pool is None or A.shape[0] < 4096:
            return A.T @ A
        bounds = np.linspace(0, A.shape[0], self._threads + 1).astype(int)
        parts = self._pool.map(lambda lo_hi: A[lo_hi[0]:lo_hi[1]].T @ A[lo_hi[0]:lo_hi[1]],
                               zip(bounds[:-1], bounds[1:]))
        return sum(parts)

    def hals(self, A, P, G, l1, l2):
        return float(self._k.hals_sweep(A, P, G, A.dtype.type(l1), A.dtype.type(l2)))

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()


def make_engine(name):
    if name == "reference":
        return ReferenceEngine()
    return FastEngine()
