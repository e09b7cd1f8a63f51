"""Where the blocks of a partitioned matrix live: :class:`Blocks` (a tall array as row
blocks) and :class:`LocalExecutor` (the blocks in this process, run one after the other).

An executor runs a per-block operation ``fn(engine, *pieces)`` over the blocks; the Dask
one (``_dask.DaskExecutor``) has the same interface with the blocks on workers. The
operations are module-level functions returning new pieces (nothing written in place), so
a Dask worker can run them and run them again.
"""

import functools
import itertools
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from ..errors import ParameterError
from ..partitions import load_block
from . import _kernels
from ._engine import make_engine
from ._fast import n_threads


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
    totals : dict or None
        X's sum, squared norm and nonzeros (``checked_matrix``), asked by the fit once each.

    A factor's Blocks is a buffer the loop reuses: an in-place update replaces its parts.
    """

    def __init__(self, parts, shape, dtype, executor):
        self.parts = list(parts)
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.executor = executor
        self.totals = None  # X's: {'sum', 'squared_norm', 'nnz'}, made with its checks

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
    on every core through the inner engine). Its parts are the blocks' pieces themselves,
    or, with a ``scratch`` folder, the tall ones (W's blocks) kept there as ``.npy`` files
    between steps (:class:`Spilled`): then only one block of X and of W is in memory at a
    time.

    The executor interface (``_dask.DaskExecutor`` has the same): ``matrix(partitions)``
    X as checked Blocks; ``put(pieces)`` per-block pieces made here, as parts; ``map(fn,
    *args)`` fn per block, as parts; ``map_sum(fn, *args)`` for an fn returning (piece,
    values): the pieces as parts and the values summed over blocks; ``sum(fn, *args)``
    fn's values summed over blocks; ``collect(fn, *args)`` fn's per-block values here;
    ``fetch(parts)`` the per-block pieces here.
    """

    def __init__(self, engine="fast", scratch=None):
        self.engine = engine
        self.rows = ()
        self.scratch = scratch
        self._made = False  # (the scratch folder)
        self._names = itertools.count()

    def matrix(self, partitions):
        """X as Blocks of the partitions' blocks (in memory) or paths (on disk), each
        checked once (nonnegative, finite, float32/float64, one dtype for all)."""
        self.rows = _rows(partitions)
        parts = partitions.blocks if partitions.blocks is not None else partitions.paths
        return checked_matrix(self, list(parts), partitions)

    def put(self, pieces):
        return [self._keep(p) for p in pieces]

    def _keep(self, piece):
        if self.scratch is None or not (isinstance(piece, np.ndarray) and piece.ndim == 2):
            return piece
        if not self._made:
            os.makedirs(self.scratch, exist_ok=True)
            self._made = True
        path = os.path.join(self.scratch, f"piece-{os.getpid()}-{next(self._names):09d}.npy")
        np.save(path, piece)
        return Spilled(path)

    def _each(self, fn, args, keep=None):
        """fn's results per block, in block order. With several cores, the blocks run in
        parallel, one per core on a one-thread engine (the cores share the blocks rather
        than each block's rows: a block's X^T W then needs one accumulator, not one per
        core), at most one block per core at a time."""
        n = _n_blocks(args)
        threads = min(n_threads(), n)

        def run(i, inner):
            result = fn(inner, *[_here(a.parts[i]) if isinstance(a, Blocks) else a for a in args])
            return result if keep is None else keep(result)  # (written by the block's thread)

        if threads == 1:
            for i in range(n):
                yield run(i, _inner(self.engine))
            return
        inner, pending = _inner(self.engine, 1), deque()
        for i in range(n):
            pending.append(_pool().submit(run, i, inner))
            if len(pending) >= threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def map(self, fn, *args, outputs=1):
        """[fn(engine, *block i's args) for each block]; a Blocks argument gives block i's
        piece, any other is passed as it is. With ``outputs`` > 1, fn returns a tuple and
        the result is one list per output."""
        if outputs == 1:
            return list(self._each(fn, args, self._keep))
        return [list(r) for r in zip(*self._each(fn, args, self._keep_each))]

    def map_sum(self, fn, *args):
        parts, total = [], None
        for piece, values in self._each(fn, args, self._keep_first):  # (summed as they come)
            parts.append(piece)
            total = added(total, values)
        return parts, total

    def _keep_each(self, pieces):
        return tuple(self._keep(p) for p in pieces)

    def _keep_first(self, result):
        return (self._keep(result[0]),) + tuple(result[1:])

    def sum(self, fn, *args):
        """The sum of fn's per-block values, added in block order."""
        return functools.reduce(added, self._each(fn, args), None)

    def collect(self, fn, *args):
        """fn's per-block values, in block order."""
        return list(self._each(fn, args))

    def fetch(self, parts):
        """The pieces (those kept on disk as read-only memory maps)."""
        return [p.map() if isinstance(p, Spilled) else p for p in parts]


class ColumnSums:
    """X_b^T A_b of one block, given on the columns X_b holds (``cols``; None: all of them)
    and summed in float64: a block of documents uses a fraction of the vocabulary, and a
    whole (n_features, k) array per block cost more than the block's own products (794k
    package summaries in 40 blocks: 35 MB made, zeroed, cast and added 40 times an
    iteration). Added into a float64 total by :func:`added`."""

    def __init__(self, cols, sums, n_cols):
        self.cols, self.sums, self.n_cols = cols, sums, n_cols

    def add_to(self, total):
        if total is None:
            if self.cols is None:
                return self.sums  # (made for this sum only)
            total = np.zeros((self.n_cols, self.sums.shape[1]), dtype=np.float64)
        if self.cols is None:
            total += self.sums
        else:
            _kernels.add_rows(total, self.cols, self.sums)
        return total


def column_sums(eng, X, A, compacted=None):
    """X^T A for a block X as :class:`ColumnSums`, made on the columns X holds
    (``compacted``: X's :func:`compact` form, when made already)."""
    cols, held = compact(X) if compacted is None else compacted
    return ColumnSums(cols, eng.tdot(held, A, dtype=np.float64), X.shape[1])


def compact(X):
    """(cols, X on them): the columns a sparse block holds and the block with its column
    indices renumbered onto them, or (None, X) when it holds most columns (or is dense)."""
    if not sp.issparse(X):
        return None, X
    held = np.zeros(X.shape[1], dtype=bool)
    held[X.indices] = True
    cols = np.flatnonzero(held)
    if len(cols) > X.shape[1] // 2:
        return None, X
    renumber = np.empty(X.shape[1], dtype=X.indices.dtype)
    renumber[cols] = np.arange(len(cols), dtype=X.indices.dtype)
    return cols, sp.csr_matrix((X.data, renumber[X.indices], X.indptr),
                               shape=(X.shape[0], len(cols)))


def added(total, values):
    """total + values (numbers, arrays, :class:`ColumnSums`, or tuples of them; total None:
    nothing yet), in place where total is a sum made here."""
    if isinstance(values, tuple):
        return tuple(added(None if total is None else t, v)
                     for t, v in zip(total or (None,) * len(values), values))
    if isinstance(values, ColumnSums):
        return values.add_to(total)
    return values if total is None else total + values


class Spilled:
    """A block's piece kept in a ``.npy`` file, removed when no part refers to it."""

    def __init__(self, path):
        self.path = path

    def load(self):
        return np.load(self.path)

    def map(self):
        return np.load(self.path, mmap_mode="r")  # (still readable once the file is removed)

    def __del__(self):
        try:
            os.remove(self.path)
        except OSError:
            pass


def _here(piece):
    return piece.load() if isinstance(piece, Spilled) else piece


@functools.lru_cache(maxsize=1)
def _pool():
    return ThreadPoolExecutor(n_threads(), thread_name_prefix="topicnmf-blocks")


def _rows(partitions):
    return tuple(partitions.offsets[i + 1] - partitions.offsets[i] for i in range(len(partitions)))


def checked_matrix(executor, parts, partitions):
    """Blocks of X from its pieces where they live, after checking each one; with the sums
    the fit asks of X (``Blocks.totals``), made in the same pass, one call per worker."""
    X = Blocks(parts, partitions.shape, np.float64, executor)
    checks = executor.collect(_check_block, X)  # (one pass over the blocks)
    for i, (_, problem, _) in enumerate(checks):
        if problem:
            raise ParameterError(problem.format(block=f"block {i} of X"))
    dtypes = sorted({dtype for dtype, _, _ in checks})
    if len(dtypes) > 1:
        raise ParameterError(f"The blocks of X have different dtypes ({dtypes}); "
                             "write them all as float32 or all as float64.")
    X.dtype = np.dtype(dtypes[0] if dtypes else np.float64)
    if checks:
        X.totals = dict(zip(TOTALS, functools.reduce(added, [totals for _, _, totals in checks], None)))
    return X


TOTALS = ("sum", "squared_norm", "nnz")  # (of X: for its mean, the loss, the inner sweeps)


def _check_block(eng, part):
    """The block's dtype name, what is wrong with it (None: nothing) and its TOTALS (None
    with a problem), checked as ``factorize`` checks X."""
    block = _matrix(part)
    if block.dtype not in (np.float32, np.float64):
        return block.dtype.name, f"{{block}} is {block.dtype}; the partitioned fit needs " \
            "float32 or float64 blocks.", None
    data = block.data if sp.issparse(block) else np.asarray(block)
    if not np.all(np.isfinite(data)):
        return block.dtype.name, "{block} contains NaN or infinity; clean the input first.", None
    if data.size and data.min() < 0:
        return block.dtype.name, "Negative values in {block}; NMF needs X >= 0.", None
    return block.dtype.name, None, (float(block.sum()), eng.squared_norm(block), eng.nnz(block))


def _n_blocks(args):
    return next(len(a.parts) for a in args if isinstance(a, Blocks))


@functools.lru_cache(maxsize=None)
def _inner(name, threads=None):
    """The engine of this process (made once)."""
    return make_engine(name, threads=threads)


def _matrix(part):
    """A block of X: itself, or read from its ``.npz`` file."""
    return load_block(part) if isinstance(part, str) else part


# -- per-block operations: fn(engine, *pieces) -> new pieces (nothing written in place) --

def _matmul(eng, A, M):
    return A @ M


def _getitem(eng, A, key):
    return np.ascontiguousarray(A[key])
