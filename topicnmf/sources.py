"""Where each document comes from: its source at two levels, read from its id (the folder a
file lies in and the input's top folder; the mbox a message came from; a URL's host).

Junk-topic detection asks whether one source carries a topic (``junk``); preprocessing learns
each source's template lines (``templates``).
"""

import re
from dataclasses import dataclass

import numpy as np

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
    for i, doc_id in enumerate(map(str, ids)):
        if "/" not in doc_id:  # a file at the top, or a row of a table: the input itself
            codes[0][i] = names[0].setdefault(".", len(names[0]))
            codes[1][i] = names[1].setdefault(".", len(names[1]))
            continue
        url = _URL_ID.match(doc_id)
        parts = [url.group(1).lower()] if url else doc_id.split("/")[:-1]
        for level, name in enumerate((parts[0], "/".join(parts))):
            codes[level][i] = names[level].setdefault(name, len(names[level]))
    return tuple(Groups(tuple(n), c) for n, c in zip(names, codes))
