"""The start's randomized SVD on a Dask cluster: the tall side stays on the workers, and
the n_features-row sums go between them, not through the client.

The randomized SVD with its tall bases formed (``_init._explicit_svd``; the in-memory
start, which applies R^-1 on the small side instead, equals it to rounding, as tested) is,
for X taller than wide (as a corpus is), with orth(Y) the Cholesky QR Y R^-1
(Y^T Y = R^T R)::

    Q = orth(X Omega)
    repeat n_power_iter times:  Q = orth(X orth(X^T Q))
    Q = orth(Q);  B = Q^T X = Ub S Vt;  U = Q Ub[:, :k]

On row blocks, run operation by operation (``_partitioned``), each power iteration brought
every worker's X_s^T Q_s (n_features x (k + 10)) to the client and sent the orthonormalized
sum back, with a call per product, Gram matrix and check: at 794k x 87,890, k=50, 44 calls
and 21 MB each way per worker and iteration, 5.5 s against 2.5 s in process. Here each
shard (``ShardStart``, held by its ``_dask.Shard`` actor) keeps its rows of Y and Q, and
an iteration is two calls per shard:

1. ``power``: Q_s = Y_s R^-1; X^T Q = sum_s X_s^T Q_s all-reduced between the shards
   (``_dask_exchange``; added in shard order, so every shard holds the same Z = X^T Q);
   shard 0 answers Z^T Z;
2. ``basis``: Z <- Z R_Z^-1 (Z orthonormalized, by every shard alike), Y_s = X_s Z;
   every shard answers Y_s^T Y_s.

The client adds the (k + 10)^2 Gram matrices in shard order and makes each Cholesky
factor's inverse (``_init.inverse_factor``), so every shard applies the same R^-1; B's
pieces X_s^T Q_s come to the client once, for the small SVD; U's rows stay on the workers.
Where a Cholesky factor fails, or a product that may overflow has a non-finite entry (the
check is made on the workers when ``_init._bounded`` cannot rule it out), this returns
None and the caller runs ``_init.randomized_svd`` on the blocks from the same sketch
(Householder QR where it needs it), so the start is the in-process one to rounding either
way.
"""

import numpy as np
import scipy.linalg

from ._blocks import Blocks, _inner
from ._dask_exchange import call_all
from ._init import _bounded, inverse_factor


class ShardStart:
    """A shard's side of the randomized SVD: its rows of Y (or Q), and Z = X^T Q whole."""

    def __init__(self, shard, omega):
        self.shard, self.exchange = shard, shard.exchange
        self.X, self.rows = shard.stacked()
        self.omega = omega
        self.Y = self.Q = self.Z = None

    def _engine(self):
        return _inner(self.shard.engine, self.shard.threads)

    def begin(self):
        """Y_s = X_s Omega; its Gram matrix."""
        eng = self._engine()
        with eng.threading():
            self.Y, self.omega = eng.dot(self.X, self.omega), None
            return eng.gram(self.Y)

    def power(self, R_inv, check, tag):
        """Q_s = Y_s R^-1; Z = X^T Q summed over the shards. (Q_s finite, Z^T Z from shard
        0, None from the others.)"""
        eng = self._engine()
        with eng.threading():
            self.Q, self.Y = eng.matmul(self.Y, R_inv), None
            finite = not check or eng.all_finite(self.Q)
            P_s = eng.tdot(self.X, self.Q)
            pieces = self.exchange.gather(tag, P_s, lambda r: P_s)
            Z = pieces[0]  # (added in shard order: the same bits on every shard)
            for piece in pieces[1:]:
                Z = Z + piece
            self.Z = Z
            return finite, eng.gram(Z) if self.exchange.index == 0 else None

    def basis(self, R_inv, check):
        """Z <- Z R_Z^-1, Y_s = X_s Z. (Z finite, Y_s^T Y_s.)"""
        eng = self._engine()
        with eng.threading():
            Z, self.Z, self.Q = eng.matmul(self.Z, R_inv), None, None
            finite = not check or eng.all_finite(Z)
            self.Y = eng.dot(self.X, Z)
            return finite, eng.gram(self.Y)

    def orth(self, R_inv, check):
        """Q_s = Y_s R^-1. (Q_s finite, Q_s^T Q_s.)"""
        eng = self._engine()
        with eng.threading():
            self.Q, self.Y = eng.matmul(self.Y, R_inv), None
            return not check or eng.all_finite(self.Q), eng.gram(self.Q)

    def project(self, R_inv, check):
        """Q_s <- Q_s R^-1 (the second pass of CholeskyQR2). (Q_s finite, X_s^T Q_s.)"""
        eng = self._engine()
        with eng.threading():
            self.Q = eng.matmul(self.Q, R_inv)
            return not check or eng.all_finite(self.Q), eng.tdot(self.X, self.Q)

    def finish(self, Ub, key):
        """U_s = Q_s Ub kept under ``key`` as the shard's blocks (views of its rows)."""
        U, self.Q = self.Q @ Ub, None
        r = self.rows
        self.shard.store[key] = [U[r[i]:r[i + 1]] for i in range(len(r) - 1)]

    def drop(self):
        self.Y = self.Q = self.Z = None


def randomized_svd(executor, X, k, omega, n_power_iter):
    """``_init.randomized_svd(X, k, ...)`` for X taller than wide, on the executor's shards
    (one per worker), from the sketch ``omega`` (m, size): U as Blocks on the workers, S,
    Vt; None where the in-memory one falls back to Householder QR."""
    dtype = X.dtype
    ids = [(actor._address, actor.key) for actor in executor.actors]

    def on_all(method, *args):
        return call_all(executor, "svd", lambda s: (method, *args))

    def factor(answers):  # R^-1 from the shards' Gram parts, and whether to check Q
        if not all(finite for finite, _ in answers):
            return None
        G = _add([gram for _, gram in answers if gram is not None])
        R_inv = inverse_factor(G)
        return None if R_inv is None else (R_inv.astype(dtype, copy=False),
                                           not _bounded(G, R_inv, dtype))

    step = factor([(True, G) for G in call_all(executor, "svd_begin",
                                                lambda s: (s, ids, omega))])
    for i in range(n_power_iter):  # Q <- orth(X orth(X^T Q))
        step = step and factor(on_all("power", *step, ("svd", i)))
        step = step and factor(on_all("basis", *step))
    step = step and factor(on_all("orth", *step))  # (CholeskyQR2: orth(Q) once more)
    if step is not None:
        answers = on_all("project", *step)
        if all(finite for finite, _ in answers):
            B = _add([P_s for _, P_s in answers]).T  # Q^T X, (size, m)
            Ub, S, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False)
            key = next(executor._keys)
            on_all("finish", np.ascontiguousarray(Ub[:, :k]), key)
            return Blocks(executor._parts(key), (X.shape[0], k), dtype, executor), S[:k], Vt[:k]
    on_all("drop")
    return None


def _add(values):
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total
