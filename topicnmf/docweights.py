"""Document weights W (n_documents, k) held as row blocks in ``.npy`` files: the out-of-core
run's W, read one block at a time, never whole.

A run over its memory budget fits W block by block and keeps it on disk
(:mod:`.outofcore`); what the topics and the reports read of it is made in passes over the
blocks: column sums and maxima, each column's largest entries (a running top-n per topic),
rows picked by index. :class:`DocWeights` offers these with the names numpy's arrays have,
so that a function written for an in-memory W (``W.sum(axis=0)``, ``W[rows]``) reads a W on
disk as well; :func:`column_top` is the running top-n of both kinds. Nothing here knows
about text.
"""

import os
import tempfile

import numpy as np
from numba import njit

from .compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)


class DocWeights:
    """W (n_rows, k) as row blocks in ``.npy`` files of a folder removed with this value.

    Parameters
    ----------
    blocks : iterable of ndarray (rows_b, k)
        The blocks in row order; each is written out as it comes (in its dtype, float32 or
        float64; ``scale`` applied and columns taken in ``order`` when read) and not kept.
    scale : ndarray (k,), optional
        Each column multiplied by it (topics.balance).
    order : ndarray (k,), optional
        The columns kept, in this order.
    """

    def __init__(self, blocks, scale=None, order=None):
        self._folder = tempfile.TemporaryDirectory(prefix="topicnmf-weights-")
        self.paths, rows, k, dtype = [], [0], None, np.float64
        for i, block in enumerate(blocks):
            path = os.path.join(self._folder.name, f"W-{i:05d}.npy")
            block = np.asarray(block, dtype=np.float32 if block.dtype == np.float32 else np.float64)
            np.save(path, block)
            dtype = block.dtype
            self.paths.append(path)
            rows.append(rows[-1] + block.shape[0])
            k = block.shape[1]
        self.offsets = np.asarray(rows, dtype=np.int64)
        self._steps = ()
        self._memo = {}  # (shared by the views) what a pass found: {(what, steps): array}
        self.shape = (int(self.offsets[-1]), int(k or 0))
        self.dtype = np.dtype(dtype)
        if scale is not None or order is not None:
            self._steps = self.view(scale, order)._steps
            self.shape = (self.shape[0], len(order) if order is not None else self.shape[1])

    def view(self, scale=None, order=None):
        """These weights with each column multiplied by ``scale`` (k,), then the columns
        taken in ``order``: applied to each block as it is read (nothing rewritten)."""
        out = object.__new__(DocWeights)
        out.__dict__.update(self.__dict__)
        steps = list(self._steps)
        if scale is not None:
            steps.append(("scale", np.asarray(scale, dtype=np.float64)))
            out.dtype = np.dtype(np.float64)  # (a float32 block times the scale)
        if order is not None:
            steps.append(("order", np.asarray(order, dtype=np.int64)))
            out.shape = (self.shape[0], len(order))
        out._steps = tuple(steps)
        return out

    ndim = 2

    @property
    def size(self):
        return self.shape[0] * self.shape[1]

    def __len__(self):
        return self.shape[0]

    def block(self, i):
        """Block ``i`` read into memory (not mapped: reading W leaves no pages behind)."""
        block = np.load(self.paths[i])
        kinds = [step for step, _ in self._steps]
        if kinds in (["scale"], ["scale", "order"]):  # one pass, one array (the same bits)
            scale = self._steps[0][1]
            return scaled_in_order(block, scale, self._steps[1][1] if len(kinds) == 2 else np.arange(len(scale)))
        for step, value in self._steps:  # as topics.balance and W[:, order] on W held whole
            block = block * value if step == "scale" else np.take(block, value, axis=1)
        return block

    def blocks(self):
        """(first row, block) for each block, in row order, one at a time."""
        for i in range(len(self.paths)):
            yield int(self.offsets[i]), self.block(i)

    def remember(self, what, value):
        """Keep ``value``, found in a pass over these weights, as ``sum`` (column sums), ``max``
        (row maxima) or ``rows`` ({row: its weights}), so that asking for it again reads no
        block (each pass over 7.9M x 50 weights on disk reads 1.6 GB)."""
        self._memo[self._key(what)] = value

    def _key(self, what, unordered=False):
        """``what`` with these weights' steps (``unordered``: a last reordering left out, as
        what is found of each column holds for the columns in any order)."""
        steps = self._steps[:-1] if unordered and self._order() is not None else self._steps
        return (what, *((step, v.tobytes()) for step, v in steps))

    def _order(self):
        """The columns' last reordering, or None."""
        return self._steps[-1][1] if self._steps and self._steps[-1][0] == "order" else None

    def _remembered(self, what, make):
        key = self._key(what)
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key].copy()

    def sum(self, axis=None):
        """Column sums (axis=0), row sums (axis=1) or the total; the rows added in order."""
        if axis == 1:
            return np.concatenate([b.sum(axis=1) for _, b in self.blocks()])

        def column_sums():
            total = np.zeros(self.shape[1])
            for _, b in self.blocks():
                total = np.add.reduce(np.concatenate([total[None], b]), axis=0)
            return total

        total = self._remembered("sum", column_sums)
        return total if axis == 0 else float(total.sum())

    def max(self, axis=None):
        if axis == 1:
            return self._remembered("max", lambda: np.concatenate([
                b.max(axis=1) if b.shape[1] else np.zeros(b.shape[0]) for _, b in self.blocks()]))
        def column_maxima():
            out = np.full(self.shape[1], -np.inf)
            for _, b in self.blocks():
                if b.shape[0]:
                    out = np.maximum(out, b.max(axis=0))
            return out

        out = self._remembered("columns max", column_maxima)
        return out if axis == 0 else float(out.max(initial=-np.inf))

    def argmax(self, axis=1):
        if axis != 1:
            raise ValueError("DocWeights.argmax is per row (axis=1).")
        return np.concatenate([b.argmax(axis=1) for _, b in self.blocks()])

    def __getitem__(self, key):
        """Rows (a slice or an array of row indices) and optionally columns: ``W[rows]``,
        ``W[rows, cols]``, ``W[:, t]`` (a whole column: one pass over the blocks)."""
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        if isinstance(rows, slice):
            start, stop, step = rows.indices(self.shape[0])
            if step != 1:
                raise IndexError("DocWeights takes row slices with step 1.")
            picked = [b[max(start - a, 0):max(stop - a, 0)] for a, b in self._overlapping(start, stop)]
            out = np.concatenate(picked) if picked else np.empty((0, self.shape[1]))
        else:
            index = np.asarray(rows, dtype=np.int64).ravel()
            out = np.empty((index.size, self.shape[1]))
            for unordered in (False, True):  # (rows a running top-n kept, of these columns or all)
                kept = self._memo.get(self._key("rows", unordered), {})
                if index.size and all(r in kept for r in index.tolist()):
                    order = self._order() if unordered else None
                    out[:] = [kept[r] if order is None else kept[r][order] for r in index.tolist()]
                    return (out[0] if np.ndim(rows) == 0 else out)[..., cols]
            which = np.searchsorted(self.offsets, index, side="right") - 1
            for i in np.unique(which):
                mine = which == i
                out[mine] = self.block(int(i))[index[mine] - self.offsets[i]]
            if np.ndim(rows) == 0:
                out = out[0]
        return out[..., cols]

    def _overlapping(self, start, stop):
        for i in range(len(self.paths)):
            a, b = int(self.offsets[i]), int(self.offsets[i + 1])
            if b > start and a < stop:
                yield a, self.block(i)


def column_top(W, n, scale=None):
    """Per column the rows of its ``n`` largest values, largest first, ties in row order
    (what a stable argsort of ``-W[:, t]`` starts with): a list of k index arrays. For a
    :class:`DocWeights`, a running top-n over its blocks. With ``scale`` (k,), those of
    ``W * scale`` (the same products, made as W is read: no scaled copy of W)."""
    if not isinstance(W, DocWeights):
        return _column_top(W, n, scale)
    W = W if scale is None else W.view(scale=scale)
    found = W._memo.get(W._key(("top", n), unordered=True))  # (a pass over the same weights in
    if found is not None:  # another order of their columns found it)
        return [found[t] for t in (W._order() if W._order() is not None else range(len(found)))]
    best = [(np.empty(0, dtype=np.int64), np.empty(0)) for _ in range(W.shape[1])]
    kept = {}  # the whole rows of the candidates, as read: W[rows] of them reads no block again
    for start, block in W.blocks():
        tops = _column_top(block, n)
        for t in range(block.shape[1]):
            rows, values = best[t]
            mine = tops[t]
            rows = np.concatenate([rows, mine + start])  # earlier rows first: ties keep row order
            values = np.concatenate([values, block[mine, t]])
            keep = top_rows(values, n)
            best[t] = (rows[keep], values[keep])
        candidates = np.unique(np.concatenate([rows for rows, _ in best])).tolist() if best else []
        kept = {r: kept[r] if r in kept else block[r - start].copy() for r in candidates}
    W.remember("rows", kept)
    if W._order() is None:
        W.remember(("top", n), [rows for rows, _ in best])
    return [rows for rows, _ in best]


def _column_top(W, n, scale=None):
    """:func:`top_rows` of every column of an array (times ``scale``), from one pass over its
    rows (a column of a row-major W read alone is a strided pass: 4 column_top calls of 50
    columns took 2-4 s at 794k documents); NaN, or fewer rows than ``n``, column by column."""
    W = np.asarray(W)
    scale = np.ones(W.shape[1], dtype=W.dtype) if scale is None else np.asarray(scale)
    if W.ndim != 2 or W.dtype not in (np.float32, np.float64) or scale.dtype not in (np.float32, np.float64) \
            or not 1 <= n < W.shape[0] or not W.shape[1]:
        return [top_rows(W[:, t] * scale[t], n) for t in range(W.shape[1])]
    heap = np.empty((W.shape[1], n), dtype=np.result_type(W.dtype, scale.dtype))
    has_nan, greater, n_greater, equal = _candidates(W, n, scale, heap)
    if has_nan:
        return [top_rows(W[:, t] * scale[t], n) for t in range(W.shape[1])]
    out = []
    for t in range(W.shape[1]):
        above = greater[t, :n_greater[t]]  # the rows over the n-th largest value, in row order
        above = above[np.argsort(-(W[above, t] * scale[t]), kind="stable")]
        out.append(np.concatenate([above, equal[t, :n - n_greater[t]]]))  # then ties, row order
    return out


@njit(cache=True, nogil=True)
def _sift_down(heap, i, n):
    """Restore the min-heap ``heap[:n]`` below position i."""
    while True:
        low, left = i, 2 * i + 1
        if left < n and heap[left] < heap[low]:
            low = left
        if left + 1 < n and heap[left + 1] < heap[low]:
            low = left + 1
        if low == i:
            return
        heap[i], heap[low] = heap[low], heap[i]
        i = low


@njit(cache=True, nogil=True)
def _candidates(W, n, scale, heap):
    """Per column of W * scale (W (rows, k); each product in numpy's type for the pair, that
    of ``heap``, (k, n), the workspace), 1 <= n < rows: its n-th largest value (a min-heap of
    the n largest), then in row order the rows above it (fewer than n) and the first n rows
    equal to it. Returns (any NaN, greater (k, n), how many per column, equal (k, n))."""
    rows, k = W.shape
    has_nan = False
    for t in range(k):
        for i in range(n):
            heap[t, i] = W[i, t] * scale[t]
            has_nan = has_nan or heap[t, i] != heap[t, i]
        for i in range(n // 2 - 1, -1, -1):
            _sift_down(heap[t], i, n)
    for i in range(n, rows):
        for t in range(k):
            v = W[i, t] * scale[t]
            if v > heap[t, 0]:
                heap[t, 0] = v
                _sift_down(heap[t], 0, n)
            elif v != v:
                has_nan = True
    greater = np.zeros((k, n), dtype=np.int64)
    equal = np.zeros((k, n), dtype=np.int64)
    n_greater = np.zeros(k, dtype=np.int64)
    n_equal = np.zeros(k, dtype=np.int64)
    for i in range(rows):
        for t in range(k):
            v = W[i, t] * scale[t]
            if v > heap[t, 0]:
                greater[t, n_greater[t]] = i
                n_greater[t] += 1
            elif v == heap[t, 0] and n_equal[t] < n:
                equal[t, n_equal[t]] = i
                n_equal[t] += 1
    return has_nan, greater, n_greater, equal


def top_rows(column, n):
    """Indices of the ``n`` largest values, largest first, ties in index order: what a stable
    argsort of ``-column`` starts with, from a partition and a sort of the few candidates
    (a full sort per topic took seconds for 794k documents x 50 topics)."""
    if not 1 <= n < column.size or (column.dtype.kind == "f" and np.isnan(column).any()):
        return np.argsort(-column, kind="stable")[:n]
    threshold = np.partition(column, column.size - n)[column.size - n]  # the n-th largest
    candidates = np.flatnonzero(column >= threshold)
    return candidates[np.argsort(-column[candidates], kind="stable")][:n]


class Strings:
    """A column of strings (document ids) as blocks in ``.npz`` files of a folder removed
    with this value: appended a block at a time, read by position. A block is its strings'
    UTF-8 bytes end to end and where each ends (a fixed-width ``<U`` array took 4 bytes a
    character at the longest id's width: 252 bytes an id for ids of 14 characters on average)."""

    def __init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="topicnmf-ids-")
        self.paths, self.offsets = [], [0]

    def append(self, values):
        path = os.path.join(self._folder.name, f"ids-{len(self.paths):05d}.npz")
        encoded = [v.encode("utf-8", "surrogatepass") for v in values]
        np.savez(path, data=np.frombuffer(b"".join(encoded), dtype=np.uint8),
                 ends=np.cumsum([len(b) for b in encoded], dtype=np.int64))
        self.paths.append(path)
        self.offsets.append(self.offsets[-1] + len(encoded))

    def __len__(self):
        return self.offsets[-1]

    def block(self, i):
        with np.load(self.paths[i], allow_pickle=False) as block:
            data, ends = block["data"].tobytes(), block["ends"].tolist()
        return [data[start:end].decode("utf-8", "surrogatepass") for start, end in zip([0, *ends], ends)]

    def __iter__(self):
        for i in range(len(self.paths)):
            yield from self.block(i)

    def take(self, rows):
        """The values at these positions, in the order given."""
        rows = np.asarray(rows, dtype=np.int64)
        which = np.searchsorted(self.offsets, rows, side="right") - 1
        out = [None] * rows.size
        for i in np.unique(which):
            values = self.block(int(i))
            for j in np.flatnonzero(which == i):
                out[j] = values[rows[j] - self.offsets[i]]
        return out

    def __getitem__(self, row):
        return self.take([row])[0]


def balance_scale(H):
    """The norms of H's rows (1 for an all-zero row): the scale of W's columns that balances
    a factorization (``topics.balance``)."""
    return np.where((norms := np.linalg.norm(H, axis=1)) > 0, norms, 1.0)


def scaled_in_order(W, scale, order):
    """``(W * scale)[:, order]`` in one pass and one array (794k x 50: one array made instead
    of two, each paid for again in page faults: 0.9 -> 0.3 s), the same bits: each entry is
    W[i, j] * scale[j] in numpy's type for the pair (float32 for a float32 fit's W and H)."""
    scale = np.asarray(scale)
    out = np.empty((W.shape[0], len(order)), dtype=np.result_type(W.dtype, scale.dtype))
    _scaled_in_order(np.ascontiguousarray(W), scale, np.asarray(order, dtype=np.int64), out)
    return out


def scaled_column_sums(W, scale, dtype=np.float64):
    """``(W * scale).sum(axis=0, dtype=dtype)`` without making W * scale: each product in
    numpy's type for the pair, added up in ``dtype`` one row after another, as numpy sums a
    row-major array over its rows (the same bits; ``dtype=None``: the products' own type, as
    ``(W * scale).sum(axis=0)``). Summed in float32, 794k rows were off by 3e-4 of a topic's
    share: the topics' shares are summed in float64."""
    scale = np.asarray(scale)
    sums = np.zeros(W.shape[1], dtype=np.result_type(W.dtype, scale.dtype) if dtype is None else dtype)
    _scaled_sums(np.ascontiguousarray(W), scale, sums)
    return sums


@njit(cache=True, nogil=True)
def _scaled_in_order(W, scale, order, out):
    for i in range(W.shape[0]):
        for t in range(order.shape[0]):
            j = order[t]
            out[i, t] = W[i, j] * scale[j]


@njit(cache=True, nogil=True)
def _scaled_sums(W, scale, sums):
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            sums[j] += W[i, j] * scale[j]


def row_summary(W, sums=None, maxima=None):
    """(dominant, strongest) of each row of a block of W, its rows added into ``sums`` (k,
    float64, in place; row after row, as numpy sums a row-major array over its rows) and its
    column maxima into ``maxima`` (k, float64, in place, from -inf; NaN once one is read), in
    one compiled pass: dominant is 1 + the first column of the row's largest value, 0 where
    that is not positive or the row holds NaN (``where(max(initial=0) > 0, argmax + 1, 0)``);
    strongest the row's largest value (``W.max(axis=1)``: NaN where the row holds one)."""
    W = np.ascontiguousarray(W)
    sums = np.zeros(W.shape[1]) if sums is None else sums
    maxima = np.full(W.shape[1], -np.inf) if maxima is None else maxima
    dominant, strongest = np.zeros(W.shape[0], dtype=np.int32), np.zeros(W.shape[0], dtype=W.dtype)
    if W.shape[1]:
        _row_summary(W, sums, maxima, dominant, strongest)
    return dominant, strongest


@njit(cache=True, nogil=True)
def _row_summary(W, sums, maxima, dominant, strongest):
    for i in range(W.shape[0]):
        best, at, nan = W[i, 0], 0, W[i, 0] != W[i, 0]
        for t in range(W.shape[1]):
            v = W[i, t]
            sums[t] += v
            if v != v:
                nan = True
                maxima[t] = v
            elif v > maxima[t]:
                maxima[t] = v
            if t and v > best:
                best, at = v, t
        strongest[i] = np.nan if nan else best
        dominant[i] = at + 1 if not nan and best > 0 else 0
