"""The numpy engines: what every in-memory engine shares, and the plain reference.

:class:`NumpyEngine` holds the operations that are the same whether the products run in
numpy or in compiled kernels (layout, reductions, the ALS and multiplicative rules, and the
HALS row update built from :meth:`dot`, :meth:`hals` and :meth:`extrapolate`).
:class:`ReferenceEngine` adds the products and sweeps in plain numpy/scipy: slow, obvious,
and the yardstick for the fast kernels. See ``_engine.ArrayEngine`` for the contract.
"""

from contextlib import nullcontext

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from . import _updates

CHUNK = 1 << 16  # elements converted to float64 at a time by the float64 reductions


def dot64(a, b):
    """<a, b> accumulated in float64 (a float32 array is converted a chunk at a time)."""
    a, b = a.reshape(-1), b.reshape(-1)
    if a.dtype == np.float64 and b.dtype == np.float64:
        return float(np.dot(a, b))
    return float(sum(np.dot(a[i:i + CHUNK].astype(np.float64), b[i:i + CHUNK].astype(np.float64))
                     for i in range(0, a.size, CHUNK)))


def gram64(A):
    """A^T A in float64 for a tall A (a float32 A converted a block of rows at a time)."""
    if A.dtype == np.float64:
        return A.T @ A
    rows = max(1, CHUNK // max(A.shape[1], 1))
    G = np.zeros((A.shape[1], A.shape[1]))
    for i in range(0, A.shape[0], rows):
        block = A[i:i + rows].astype(np.float64)
        G += block.T @ block
    return G


def mean_of(X):
    """Mean of all entries of X (zeros included), without densifying a sparse X."""
    n, m = X.shape
    return float(X.sum()) / (n * m)


def like(G, A):
    """The Gram matrix G (float64) in the dtype of the factor A it updates."""
    return G.astype(A.dtype, copy=False)


class NumpyEngine:
    """The parts of :class:`~._engine.ArrayEngine` shared by engines on numpy arrays.

    A subclass supplies ``name``, ``dot``, ``tdot``, ``gram``, ``matmul``, ``hals``,
    ``extrapolate`` and ``kl_ratio``.
    """

    def __init__(self, threads=None):  # (numpy's products: threads are BLAS's business)
        pass

    def threading(self):
        return nullcontext()

    def as_matrix(self, X):
        return X.tocsr() if sp.issparse(X) else X

    def as_sparse(self, X):
        X = sp.csr_matrix(X)
        X.sum_duplicates()
        return X

    def asfactor(self, A):
        return np.ascontiguousarray(A)

    def copy(self, A):
        return np.array(A, order="C", copy=True)

    def empty_like(self, A):
        return np.empty_like(A)

    def copy_into(self, out, A):
        out[...] = A

    def to_numpy(self, A):
        return np.asarray(A)

    def fused_transpose(self, X, A):
        return None

    def fused_steps(self, X, W, H, penalty):
        return None  # the loop's own Steps (the arrays are here)

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        P = self.dot(X, B)
        G = like(G, A_in)
        A_out[...] = A_in
        violation = _updates.repeat_sweeps(self.hals, A_out, P, G, l1, l2, max_sweeps, delta)
        if beta:
            self.extrapolate(A_out, A_out, A_in, beta)
        return dot64(A_out, P), violation

    def hals_descent(self, A, P, G, l1, l2):
        before = _updates.partial_objective(A, P, G, l1, l2)
        self.hals(A, P, G, l1, l2)
        return before - _updates.partial_objective(A, P, G, l1, l2)

    def multiplicative(self, A, P, G, l1, l2):
        _updates.multiplicative(A, P, like(G, A), l1, l2)

    def alternating_least_squares(self, A, P, G, l1, l2):
        _updates.alternating_least_squares(A, P, like(G, A), l1, l2)

    def kl_multiplicative(self, A, N, s, l1, l2):
        _updates.kl_multiplicative(A, N, s, l1, l2)

    def vdot(self, A, B):
        return dot64(A, B)

    def clip(self, A, floor):
        np.maximum(A, floor, out=A)

    def mean(self, X):
        return mean_of(X)

    def qr(self, Y):
        return np.ascontiguousarray(scipy.linalg.qr(Y, mode="economic", check_finite=False)[0])

    def total(self, A):
        return float(A.sum(dtype=np.float64))

    def colsum(self, A):
        return A.sum(axis=0)

    def nnz(self, X):
        return X.nnz if sp.issparse(X) else int(np.count_nonzero(X))

    def squared_norm(self, X):
        data = X.data if sp.issparse(X) else X
        return dot64(data, data)

    def all_finite(self, A):
        return bool(np.all(np.isfinite(A)))

    def empty_pattern(self, X):
        return sp.csr_matrix((np.empty_like(X.data), X.indices, X.indptr), shape=X.shape)

    def range_products(self, X, Q, scratch=None):
        """(Y^T Y, X^T Y) for Y = X Q (see ``ArrayEngine``)."""
        Y = self.dot(X, Q)
        return self.gram(Y), self.tdot(X, Y)


class ReferenceEngine(NumpyEngine):
    """numpy/scipy only: slow, obvious, and the yardstick for the fast kernels."""

    name = "reference"

    def dot(self, X, B):
        return np.ascontiguousarray(X @ B)

    def tdot(self, X, A, dtype=None):
        return np.ascontiguousarray(X.T @ A, dtype=dtype)


    def gram(self, A):
        return gram64(A)

    def matmul(self, A, M):
        return A @ M

    def hals(self, A, P, G, l1, l2):
        old = A.copy()
        violation = _updates.hals(A, P, like(G, A), l1, l2)
        return float(((A - old) ** 2).sum()), violation

    def extrapolate(self, out, new, old, beta):
        np.maximum(new + beta * (new - old), 0, out=out)

    def kl_ratio(self, X, W, Ht, eps, R):
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        wh = np.maximum(np.einsum("pk,pk->p", W[rows], Ht[X.indices]), eps)
        R.data[:] = X.data / wh
        return float(np.sum(X.data * np.log(X.data / wh) - X.data))
