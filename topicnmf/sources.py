"""Where each document comes from: its source at two levels, read from its id (the folder a
file lies in and the input's top folder; the mbox a message came from; a URL's host).

Junk-topic detection asks whether one source carries a topic (``junk``); preprocessing learns
each source's template lines (``templates``).
"""

import re
from dataclasses import dataclass
from itertools import islice, repeat

import numpy as np

BATCH = 1 << 16  # ids looked at a time
_URL_ID = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Groups:
    """Each document's group as a code into ``names`` (in order of first appearance)."""

    names: tuple
    codes: np.ndarray

    def labels(self):
        return [self.names[c] for c in self.codes]


def sources(ids):
    """The documents' sources at two levels, (top, container), as :class:`Groups`: a path
    id's first part and its folder (``site/docs/a.html``: ``site`` and ``site/docs``;
    ``box.mbox/3``, a message of an mbox: ``box.mbox`` twice; a file at the top: the input
    itself, ``.``), a URL id's host at both levels. The ids are read once, in order (they may
    be on disk: docweights.Strings); n codes are held, not n strings."""
    names = ({}, {})
    codes = (np.empty(len(ids), dtype=np.int32), np.empty(len(ids), dtype=np.int32))
    ids, start = map(str, ids), 0
    while batch := list(islice(ids, BATCH)):
        # the ids with a '/' found in C; the others (a table's rows: often all) are '.', the
        # input itself, numbered where the first of them comes
        nested = np.flatnonzero(np.fromiter(map(str.__contains__, batch, repeat("/")), dtype=bool, count=len(batch)))
        top = np.ones(len(batch), dtype=bool)
        top[nested] = False
        before = 0
        for j in nested.tolist():
            if j > before:  # an id at the top before this one
                _number(names, ".", ".")
            before = j + 1
            url = _URL_ID.match(batch[j])
            parts = [url.group(1).lower()] if url else batch[j].split("/")[:-1]
            codes[0][start + j] = _number(names, parts[0], "/".join(parts))
            codes[1][start + j] = names[1]["/".join(parts)]
        if before < len(batch):
            _number(names, ".", ".")
        if top.any():
            codes[0][start:start + len(batch)][top] = names[0]["."]
            codes[1][start:start + len(batch)][top] = names[1]["."]
        start += len(batch)
    return tuple(Groups(tuple(n), c) for n, c in zip(names, codes))


def _number(names, top, container):
    """The top level's code of ``top``, each level's name numbered when first met."""
    names[1].setdefault(container, len(names[1]))
    return names[0].setdefault(top, len(names[0]))
