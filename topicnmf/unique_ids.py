"""Which document ids were seen before, in 16 bytes a slot instead of a dict of strings.

Reading makes ids unique as documents pass (a repeated id gets ``#2``, ``#3``...), so every id
read so far must be remembered. A dict of them cost about 110 bytes an id (900 MB for the
8M documents of the 10x benchmark corpus, in every pass of an out-of-core run, which exists
to stay under a memory budget). :class:`SeenIds` keeps per id a 128-bit fingerprint, the
64-bit hashes of the id and of the id with a NUL appended (Python's keyed SipHash of two
different strings: unrelated values), in an open-addressing table of two numpy arrays grown
by doubling at 75% load: 21 to 43 bytes an id. Only an id seen twice or more is kept as a
string, with its count. Two different ids would be taken for one only if both hashes agreed
(about n^2 / 2^129 for n ids). Python's string hash is fixed within a process, which is all
the passes of one run need.
"""

from itertools import repeat
from operator import add

import numpy as np
from numba import njit

from .compiled import cache_dir  # noqa: F401 (sets numba's cache folder first)

_START = 1 << 12
_LOAD = 0.75
BATCH = 512  # ids checked per compiled call


@njit(cache=True)
def _find(keys, tags, key, tag):
    """The slot of (key, tag), or the empty one (0, 0) where it would go: linear probing."""
    mask = keys.size - 1
    slot = key & mask
    while (keys[slot] != 0 or tags[slot] != 0) and (keys[slot] != key or tags[slot] != tag):
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def _insert(keys, tags, key, tag):
    """True when (key, tag) was there already, else put it in."""
    slot = _find(keys, tags, key, tag)
    if keys[slot] == key and tags[slot] == tag:
        return True
    keys[slot], tags[slot] = key, tag
    return False


@njit(cache=True)
def _insert_until_seen(keys, tags, key, tag, start):
    """Insert (key[i], tag[i]) from i = start on until one is there already: returns that i
    (or the size, when none was)."""
    for i in range(start, key.size):
        if _insert(keys, tags, key[i], tag[i]):
            return i
    return key.size


@njit(cache=True)
def _rehash(keys, tags, new_keys, new_tags):
    for i in range(keys.size):
        if keys[i] != 0 or tags[i] != 0:
            slot = _find(new_keys, new_tags, keys[i], tags[i])
            new_keys[slot], new_tags[slot] = keys[i], tags[i]


class SeenIds:
    """The ids seen so far and how often: ``bump(id)`` counts one more and returns the count
    before it; ``id in seen`` asks."""

    def __init__(self):
        self._alloc(_START)
        self.n = 0
        self.repeated = {}  # id -> count, for the ids seen twice or more

    def _alloc(self, size):
        self.keys = np.zeros(size, dtype=np.int64)
        self.tags = np.zeros(size, dtype=np.int64)

    @staticmethod
    def _fingerprint(doc_id):
        return hash(doc_id) or 1, hash(doc_id + "\x00")  # (0, 0) marks an empty slot

    def __contains__(self, doc_id):
        key, tag = self._fingerprint(doc_id)
        slot = _find(self.keys, self.tags, key, tag)
        return bool(self.keys[slot] == key and self.tags[slot] == tag)

    def _grow(self, more):
        while self.n + more > _LOAD * self.keys.size:
            old = self.keys, self.tags
            self._alloc(2 * self.keys.size)
            _rehash(*old, self.keys, self.tags)

    def bump(self, doc_id):
        self._grow(1)
        if not _insert(self.keys, self.tags, *self._fingerprint(doc_id)):
            self.n += 1
            return 0
        before = self.repeated.get(doc_id, 1)
        self.repeated[doc_id] = before + 1
        return before

    def add_new(self, ids):
        """Yield the positions of ``ids`` seen before, in order, each once all ids before it
        are in: the caller bumps it (and may add more ids) before taking the next. The
        others are added on the way, many per compiled call."""
        key = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        key[key == 0] = 1
        tag = np.fromiter(map(hash, map(add, ids, repeat("\x00"))), dtype=np.int64, count=len(ids))
        i = 0
        while i < len(ids):
            self._grow(len(ids) - i)
            j = _insert_until_seen(self.keys, self.tags, key, tag, i)
            self.n += j - i
            if j < len(ids):
                yield j
            i = j + 1

    @property
    def nbytes(self):
        return self.keys.nbytes + self.tags.nbytes

    def renamed(self, ids):
        """Yield (position, new id) for each of ``ids`` seen before, in order: ``id#2``,
        ``id#3``... the first not taken, itself taken from then on; the others are added."""
        for i in self.add_new(ids):
            count = self.bump(ids[i])
            new_id = f"{ids[i]}#{count + 1}"
            while new_id in self:
                count += 1
                new_id = f"{ids[i]}#{count + 1}"
            self.bump(new_id)
            yield i, new_id
