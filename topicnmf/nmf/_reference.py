"""The numpy engines: what every in-memory engine shares, and the plain reference.

:class:`NumpyEngine` holds the operations that are the same whether the products run in
numpy or in compiled kernels (layout, reductions, the ALS and multiplicative rules, and the
HALS row update built from :meth:`dot`, :meth:`hals` and :meth:`extrapolate`).
:class:`ReferenceEngine` adds the products and sweeps in plain numpy/scipy: slow, obvious,
and the yardstick for the fast kernels. See ``_engine.ArrayEngine`` for the contract.
"""

from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp

from . import _updates


class NumpyEngine:
    """The parts of :class:`~._engine.ArrayEngine` shared by engines on numpy arrays.

    A subclass supplies ``name``, ``dot``, ``tdot``, ``gram``, ``matmul``, ``hals``,
    ``extrapolate`` and ``kl_ratio``.
    """

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

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        P = self.dot(X, B)
        A_out[...] = A_in
        _updates.repeat_sweeps(self.hals, A_out, P, G, l1, l2, max_sweeps, delta)
        if beta:
            self.extrapolate(A_out, A_out, A_in, beta)
        return float(np.vdot(A_out, P))

    def multiplicative(self, A, P, G, l1, l2):
        _updates.multiplicative(A, P, G, l1, l2)

    def alternating_least_squares(self, A, P, G, l1, l2):
        _updates.alternating_least_squares(A, P, G, l1, l2)

    def kl_multiplicative(self, A, N, s, l1, l2):
        _updates.kl_multiplicative(A, N, s, l1, l2)

    def vdot(self, A, B):
        return float(np.vdot(A, B))

    def total(self, A):
        return float(A.sum())

    def colsum(self, A):
        return A.sum(axis=0)

    def nnz(self, X):
        return X.nnz if sp.issparse(X) else int(np.count_nonzero(X))

    def squared_norm(self, X):
        data = X.data if sp.issparse(X) else X
        return float(np.vdot(data, data))

    def all_finite(self, A):
        return bool(np.all(np.isfinite(A)))

    def empty_pattern(self, X):
        return sp.csr_matrix((np.empty_like(X.data), X.indices, X.indptr), shape=X.shape)


class ReferenceEngine(NumpyEngine):
    """numpy/scipy only: slow, obvious, and the yardstick for the fast kernels."""

    name = "reference"

    def dot(self, X, B):
        return np.ascontiguousarray(X @ B)

    def tdot(self, X, A):
        return np.ascontiguousarray(X.T @ A)

    def gram(self, A):
        return A.T @ A

    def matmul(self, A, M):
        return A @ M

    def hals(self, A, P, G, l1, l2):
        old = A.copy()
        _updates.hals(A, P, G, l1, l2)
        return float(((A - old) ** 2).sum())

    def extrapolate(self, out, new, old, beta):
        np.maximum(new + beta * (new - old), 0, out=out)

    def kl_ratio(self, X, W, Ht, eps, R):
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        wh = np.maximum(np.einsum("pk,pk->p", W[rows], Ht[X.indices]), eps)
        R.data[:] = X.data / wh
        return float(np.sum(X.data * np.log(X.data / wh) - X.data))
