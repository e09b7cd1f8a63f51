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
are combined. Where the blocks live is the executor's business: :class:`LocalExecutor`
keeps them in this process (loading a block stored on disk when it is used);
``_dask.DaskExecutor`` keeps them on Dask workers. Operations on the whole arrays (H^T,
the Gram matrices) go to the inner engine unchanged.

The per-block operations are module-level functions returning new arrays (a block is
never written in place), so a Dask worker can run them and retry them.
"""

import functools
import operator

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ..errors import ParameterError
from ..partitions import load_block
from ._engine import make_engine


class Blocks:
    """A tall array held as row blocks.

    Attributes
    ----------
    parts : list
        One piece per block, in row order: an array, a sparse matrix, a path to a ``.npz``
        block (X on disk), or whatever the executor holds (a Dask future).
    shape : tuple (rows, columns)
    dtype : numpy dtype
    executor : LocalExecutor or DaskExecutor
        Runs the per-block operations.

    A factor's Blocks is a buffer the loop reuses: an in-place update replaces its parts.
    """

    def __init__(self, parts, shape, dtype, executor):
        self.parts = list(parts)
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.executor = executor

    @property
    def ndim(self):
        return 2

    def like(self, parts, columns=None):
        """Blocks of these parts, with this one's rows."""
        return Blocks(parts, (self.shape[0], self.shape[1] if columns is None else columns),
                      self.dtype, self.executor)

    def __matmul__(self, M):
        """Each block @ M (a small dense M)."""
        return self.like(self.executor.map(_matmul, self, M), M.shape[1])

    def __getitem__(self, key):
        """Columns of every block: ``A[:, :k]``."""
        rows, cols = key
        if rows != slice(None):
            raise IndexError("Blocks take a column selection only: A[:, cols].")
        width = len(range(self.shape[1])[cols])
        return self.like(self.executor.map(_getitem, self, key), width)

    def to_numpy(self):
        """The whole array, stacked."""
        parts = self.executor.fetch(self.parts)
        if not parts:
            return np.empty(self.shape, dtype=self.dtype)
        return np.ascontiguousarray(np.vstack(parts))


class LocalExecutor:
    """Runs the per-block operations in this process, one block after the other (each one
    on every core through the inner engine)."""

    def __init__(self, engine="fast"):
        self.engine = engine
        self.rows = ()

    def matrix(self, partitions):
        """X as Blocks of the partitions' blocks (in memory) or paths (on disk), each
        checked once (nonnegative, finite, float32/float64, one dtype for all)."""
        self.rows = tuple(partitions.offsets[i + 1] - partitions.offsets[i]
                          for i in range(len(partitions)))
        parts = partitions.blocks if partitions.blocks is not None else partitions.paths
        return checked_matrix(self, list(parts), partitions)

    def put(self, parts):
        """Per-block pieces made here, where the blocks live."""
        return list(parts)

    def map(self, fn, *args, outputs=1):
        """[fn(engine, *block i's args) for each block]; a Blocks argument gives block i's
        piece, any other is passed as it is. With ``outputs`` > 1, fn returns a tuple and
        the result is one list per output."""
        n = _n_blocks(args)
        inner = _inner(self.engine)
        results = [fn(inner, *[a.parts[i] if isinstance(a, Blocks) else a for a in args])
                   for i in range(n)]
        return results if outputs == 1 else [list(r) for r in zip(*results)]

    def total(self, values):
        """The sum of per-block values, added in block order."""
        return functools.reduce(operator.add, values)

    def fetch(self, parts):
        return list(parts)


def checked_matrix(executor, parts, partitions):
    """Blocks of X from its pieces where they live, after checking each one."""
    X = Blocks(parts, partitions.shape, np.float64, executor)
    checks = executor.fetch(executor.map(_check_block, X))
    for i, (_, problem) in enumerate(checks):
        if problem:
            raise ParameterError(problem.format(block=f"block {i} of X"))
    dtypes = sorted({dtype for dtype, _ in checks})
    if len(dtypes) > 1:
        raise ParameterError(f"The blocks of X have different dtypes ({dtypes}); "
                             "write them all as float32 or all as float64.")
    X.dtype = np.dtype(dtypes[0] if dtypes else np.float64)
    return X


def _check_block(eng, part):
    """The block's dtype name and what is wrong with it (None: nothing), checked as
    ``factorize`` checks X."""
    block = _matrix(part)
    if block.dtype not in (np.float32, np.float64):
        return block.dtype.name, f"{{block}} is {block.dtype}; the partitioned fit needs " \
            "float32 or float64 blocks."
    data = block.data if sp.issparse(block) else np.asarray(block)
    if not np.all(np.isfinite(data)):
        return block.dtype.name, "{block} contains NaN or infinity; clean the input first."
    if data.size and data.min() < 0:
        return block.dtype.name, "Negative values in {block}; NMF needs X >= 0."
    return block.dtype.name, None


def _n_blocks(args):
    return next(len(a.parts) for a in args if isinstance(a, Blocks))


@functools.lru_cache(maxsize=None)
def _inner(name, threads=None):
    return make_engine(name) if threads is None else make_engine(name, threads=threads)


def _matrix(part):
    """A block of X: itself, or read from its ``.npz`` file."""
    return load_block(part) if isinstance(part, str) else part


# -- per-block operations: fn(engine, *pieces) -> new pieces (nothing written in place) --

def _matmul(eng, A, M):
    return A @ M


def _getitem(eng, A, key):
    return np.ascontiguousarray(A[key])


def _dot(eng, X, B):
    return eng.dot(_matrix(X), B)


def _tdot(eng, X, A):
    return eng.tdot(_matrix(X), A)


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
    """A copy of A updated by the engine's ``rule``; and what the rule returned (0.0 for
    none)."""
    A = A.copy()
    result = getattr(eng, rule)(A, P, G, l1, l2)
    return A, 0.0 if result is None else result


def _hals_rows(eng, X, B, G, A_in, l1, l2, max_sweeps, delta, beta):
    A_out = np.empty_like(A_in)
    cross = eng.hals_rows(_matrix(X), B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta)
    return A_out, cross


def _qr(eng, Y):
    return scipy.linalg.qr(Y, mode="economic", check_finite=False)


def _first(pair):
    return pair[0]


class PartitionedEngine:
    """:class:`~._engine.ArrayEngine` over :class:`Blocks`: tall arrays by blocks, the
    rest through the inner engine (``inner``, the engine of this process)."""

    def __init__(self, executor, inner="fast"):
        self.executor = executor
        self.inner = _inner(inner)
        self.name = self.inner.name
        self.stack = True  # to_numpy(W): one array (False: a tuple of the blocks)

    def __getattr__(self, name):  # an operation on whole arrays only: the inner engine's
        return getattr(self.inner, name)

    def _map(self, fn, *args, outputs=1):
        return self.executor.map(fn, *args, outputs=outputs)

    def _sum(self, fn, *args):
        return self.executor.total(self._map(fn, *args))

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

    # -- products --
    def dot(self, X, B):
        return Blocks(self._map(_dot, X, B), (X.shape[0], B.shape[1]), B.dtype, self.executor)

    def tdot(self, X, A):
        if not isinstance(X, Blocks):
            return self.inner.tdot(X, A)
        return self._sum(_tdot, X, A)  # X^T A = sum_b X_b^T A_b

    def gram(self, A):
        return self._sum(_gram, A) if isinstance(A, Blocks) else self.inner.gram(A)

    def matmul(self, A, M):
        if not isinstance(A, Blocks):
            return self.inner.matmul(A, M)
        return A.like(self._map(_engine_matmul, A, M), M.shape[1])

    # -- updates, in place on the buffer --
    def _rule(self, rule, A, P, G, l1, l2):
        A.parts, results = self._map(_update, rule, A, P, G, l1, l2, outputs=2)
        return self.executor.total(results)

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
        A_out.parts, crosses = self._map(_hals_rows, X, B, G, A_in, l1, l2, max_sweeps, delta,
                                         beta, outputs=2)
        return self.executor.total(crosses)

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
        return self._sum(_nnz, X) if isinstance(X, Blocks) else self.inner.nnz(X)

    def squared_norm(self, X):
        return self._sum(_squared_norm, X) if isinstance(X, Blocks) else self.inner.squared_norm(X)

    def mean(self, X):
        if not isinstance(X, Blocks):
            return self.inner.mean(X)
        return self._sum(_mean_sum, X) / (X.shape[0] * X.shape[1])

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
        return Y.like([self.executor.map(_matmul, Y.like([q]), Q2[a:b])[0]
                       for q, a, b in zip(Qs, edges[:-1], edges[1:])])
