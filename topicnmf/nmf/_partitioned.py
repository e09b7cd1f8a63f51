"""The partitioned engine: X and W as row blocks, H in one piece.

The solver loops (``_frobenius``) are written against :class:`~._engine.ArrayEngine`; this
engine implements it for a matrix held as row blocks (``topicnmf.partitions``), so the same
loop, line for line, runs the partitioned fit. The tall arrays, X (n_samples, n_features)
and W (n_samples, k), are :class:`Blocks`: one piece per partition, each updated by the
inner engine ('fast' or 'reference') where it lives. H^T (n_features, k) and the Gram
matrices stay whole. An operation on tall arrays maps over the blocks; one that reduces
them (X^T W, W^T W, <W, P>, ||X||^2) sums the blocks' partial results in block order:

    X^T W = sum_b X_b^T W_b        W^T W = sum_b W_b^T W_b

so the W update is local to each block given H and H H^T, and only k x m and k x k arrays
are combined. Where the blocks live is the executor's business (``_blocks``):
``LocalExecutor`` keeps them in this process (loading a block stored on disk when it is
used); ``_dask.DaskExecutor`` keeps them on Dask workers. Operations on the whole arrays
(H^T, the Gram matrices) go to the inner engine unchanged.
"""

import numpy as np
import scipy.linalg

from ._blocks import Blocks, _inner, _matmul, _matrix, column_sums, compact


def _dot(eng, X, B):
    return eng.dot(_matrix(X), B)


def _tdot(eng, X, A):
    return column_sums(eng, _matrix(X), A)


def _range_products(eng, X, Q):
    X = _matrix(X)
    Y = eng.dot(X, Q)
    return eng.gram(Y), column_sums(eng, X, Y)


def _gram(eng, A):
    return eng.gram(A)


def _vdot(eng, A, B):
    return eng.vdot(A, B)


def _total(eng, A):
    return eng.total(A)


def _colsum(eng, A):
    return eng.colsum(A)


def _squared_norm(eng, X):
    return eng.squared_norm(_matrix(X))


def _nnz(eng, X):
    return eng.nnz(_matrix(X))


def _mean_sum(eng, X):
    return float(_matrix(X).sum())


def _all_finite(eng, A):
    return eng.all_finite(A)


def _engine_matmul(eng, A, M):
    return eng.matmul(A, M)


def _empty(eng, A):
    return np.empty_like(A)


def _clip(eng, A, floor):
    A = A.copy()
    eng.clip(A, floor)
    return A


def _update(eng, rule, A, P, G, l1, l2):
    """A copy of A updated by the engine's ``rule``; and what the rule returned, as a
    tuple (a number: one; none: (0.0,))."""
    A = A.copy()
    result = getattr(eng, rule)(A, P, G, l1, l2)
    return A, (0.0,) if result is None else result if isinstance(result, tuple) else (result,)


def _hals_rows(eng, X, B, G, A_in, l1, l2, max_sweeps, delta, beta):
    """The block's A_out and (<A_out, X B>, its violation, A_out^T A_out, X^T A_out): the
    loop asks for the Gram matrix and X^T W of the new W next, so they are made while X's
    block is at hand (loaded once per iteration, one task per block)."""
    X = _matrix(X)
    cols, held = compact(X)  # (and B's rows for the columns the block holds: in cache)
    A_out = np.empty_like(A_in)
    cross, violation = eng.hals_rows(held, B if cols is None else np.take(B, cols, axis=0), G,
                                     A_in, A_out, l1, l2, max_sweeps, delta, beta)
    return A_out, (cross, violation, eng.gram(A_out), column_sums(eng, X, A_out, (cols, held)))


def _qr(eng, Y):
    return scipy.linalg.qr(Y, mode="economic", check_finite=False)


class PartitionedEngine:
    """:class:`~._engine.ArrayEngine` over :class:`Blocks`: tall arrays by blocks, the
    rest through the inner engine (``inner``, the engine of this process)."""

    def __init__(self, executor, inner="fast"):
        self.executor = executor
        self.inner = _inner(inner)
        self.name = self.inner.name
        self.stack = True  # to_numpy(W): one array (False: a tuple of the blocks)
        self._products = (None, None)  # (W's parts, (W^T W, X^T W)) from its last update

    def __getattr__(self, name):  # an operation on whole arrays only: the inner engine's
        return getattr(self.inner, name)

    def _map(self, fn, *args, outputs=1):
        return self.executor.map(fn, *args, outputs=outputs)

    def _sum(self, fn, *args):
        return self.executor.sum(fn, *args)

    def _known(self, A, which):
        """The Gram matrix (0) or X^T A (1) of A made with A's update, if A is unchanged
        since."""
        parts, products = self._products
        return products[which] if A.parts is parts else None

    # -- layout --
    def threading(self):
        return self.inner.threading()

    def as_matrix(self, X):
        return X

    def asfactor(self, A):
        return A if isinstance(A, Blocks) else self.inner.asfactor(A)

    def copy(self, A):
        return A.like(A.parts) if isinstance(A, Blocks) else self.inner.copy(A)

    def empty_like(self, A):
        return A.like(self._map(_empty, A)) if isinstance(A, Blocks) else self.inner.empty_like(A)

    def copy_into(self, out, A):
        if isinstance(out, Blocks):
            out.parts = list(A.parts)  # the pieces are never written in place: shared
        else:
            self.inner.copy_into(out, A)

    def to_numpy(self, A):
        """A whole (``stack``, the default), or a tuple of its blocks."""
        if not isinstance(A, Blocks):
            return self.inner.to_numpy(A)
        return A.to_numpy() if self.stack else tuple(self.executor.fetch(A.parts))

    def fused_transpose(self, X, A):
        return None  # X^T W is summed over the blocks (tdot)

    def fused_steps(self, X, W, H, penalty):
        """The executor's iterations, one exchange each (the Dask one's), or None."""
        steps = getattr(self.executor, "steps", None)
        return None if steps is None or not isinstance(W, Blocks) else steps(W, H, penalty)

    def fused_svd(self, X, k, omega, n_power_iter):
        """The executor's randomized SVD of X from the sketch ``omega`` (the Dask one's:
        the tall side kept on the workers), or None: ``_init.randomized_svd`` on this
        engine, an operation at a time."""
        svd = getattr(self.executor, "randomized_svd", None)
        return None if svd is None or not isinstance(X, Blocks) else svd(X, k, omega, n_power_iter)

    # -- products --
    def dot(self, X, B):
        return Blocks(self._map(_dot, X, B), (X.shape[0], B.shape[1]), B.dtype, self.executor)

    def tdot(self, X, A):
        if not isinstance(X, Blocks):
            return self.inner.tdot(X, A)
        known = self._known(A, 1)
        if known is None:  # sum_b X_b^T A_b, in float64
            known = self._sum(_tdot, X, A).astype(A.dtype, copy=False)
        return known

    def range_products(self, X, Q, scratch=None):
        """sum_b Y_b^T Y_b and sum_b X_b^T Y_b for Y_b = X_b Q, one block at a time."""
        if not isinstance(X, Blocks):
            return self.inner.range_products(X, Q, scratch)
        G, P = self._sum(_range_products, X, Q)
        return G, P.astype(Q.dtype, copy=False)

    def gram(self, A):
        if not isinstance(A, Blocks):
            return self.inner.gram(A)
        known = self._known(A, 0)
        return known if known is not None else self._sum(_gram, A)  # sum_b A_b^T A_b

    def matmul(self, A, M):
        if not isinstance(A, Blocks):
            return self.inner.matmul(A, M)
        return A.like(self._map(_engine_matmul, A, M), M.shape[1])

    # -- updates, in place on the buffer --
    def _rule(self, rule, A, P, G, l1, l2):
        A.parts, result = self.executor.map_sum(_update, rule, A, P, G, l1, l2)
        return result[0] if len(result) == 1 else result

    def hals(self, A, P, G, l1, l2):
        if not isinstance(A, Blocks):
            return self.inner.hals(A, P, G, l1, l2)
        return self._rule("hals", A, P, G, l1, l2)

    def hals_descent(self, A, P, G, l1, l2):
        if not isinstance(A, Blocks):
            return self.inner.hals_descent(A, P, G, l1, l2)
        return self._rule("hals_descent", A, P, G, l1, l2)

    def multiplicative(self, A, P, G, l1, l2):
        if not isinstance(A, Blocks):
            return self.inner.multiplicative(A, P, G, l1, l2)
        self._rule("multiplicative", A, P, G, l1, l2)

    def alternating_least_squares(self, A, P, G, l1, l2):
        if not isinstance(A, Blocks):
            return self.inner.alternating_least_squares(A, P, G, l1, l2)
        self._rule("alternating_least_squares", A, P, G, l1, l2)

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        if not isinstance(X, Blocks):
            return self.inner.hals_rows(X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta)
        A_out.parts, (cross, violation, gram, XtA) = self.executor.map_sum(
            _hals_rows, X, B, G, A_in, l1, l2, max_sweeps, delta, beta)
        self._products = (A_out.parts, (gram, XtA.astype(A_in.dtype, copy=False)))
        return cross, violation

    def clip(self, A, floor):
        if not isinstance(A, Blocks):
            return self.inner.clip(A, floor)
        A.parts = self._map(_clip, A, floor)

    # -- reductions --
    def vdot(self, A, B):
        return self._sum(_vdot, A, B) if isinstance(A, Blocks) else self.inner.vdot(A, B)

    def total(self, A):
        return self._sum(_total, A) if isinstance(A, Blocks) else self.inner.total(A)

    def colsum(self, A):
        return self._sum(_colsum, A) if isinstance(A, Blocks) else self.inner.colsum(A)

    def nnz(self, X):
        if not isinstance(X, Blocks):
            return self.inner.nnz(X)
        return X.totals["nnz"] if X.totals else self._sum(_nnz, X)

    def squared_norm(self, X):
        if not isinstance(X, Blocks):
            return self.inner.squared_norm(X)
        return X.totals["squared_norm"] if X.totals else self._sum(_squared_norm, X)

    def mean(self, X):
        if not isinstance(X, Blocks):
            return self.inner.mean(X)
        total = X.totals["sum"] if X.totals else self._sum(_mean_sum, X)
        return total / (X.shape[0] * X.shape[1])

    def all_finite(self, A):
        if not isinstance(A, Blocks):
            return self.inner.all_finite(A)
        return all(self.executor.fetch(self._map(_all_finite, A)))

    def qr(self, Y):
        """Tall-skinny QR: each block's Q_b R_b, then one QR of the stacked R_b's,
        [R_1; ...; R_p] = Q' R, and Q_b <- Q_b Q'_b (Q'_b: block b's rows of Q')."""
        if not isinstance(Y, Blocks):
            return self.inner.qr(Y)
        Qs, Rs = self._map(_qr, Y, outputs=2)
        Rs = self.executor.fetch(Rs)
        Q2 = self.inner.qr(np.vstack(Rs))
        edges = np.cumsum([0] + [R.shape[0] for R in Rs])
        slices = [Q2[a:b] for a, b in zip(edges[:-1], edges[1:])]
        return Y.like(self._map(_matmul, Y.like(Qs), Y.like(self.executor.put(slices))))
