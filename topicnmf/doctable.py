"""The per-document table ``doc_topics`` (doc_id, dominant topic, each topic's share) and
the documents a report lists, from document weights W in memory or on disk
(:class:`~.docweights.DocWeights`).

A large corpus's table is a :class:`DocTopicTable`: what the topics and the reports need of
every document (its dominant topic, its strongest weight, the column sums of W) is made in
one compiled pass over W's rows (:func:`~.docweights.row_summary`), and the rows themselves a
block at a time when written.
"""

import copy

import numpy as np
import pandas as pd

from .docweights import DocWeights, Strings, row_summary

DOCUMENT_ROWS = 2000  # documents a report's document table lists at most
LARGE_TABLE = 500_000  # documents from which doc_topics is a DocTopicTable (no DataFrame)
TABLE_ROWS = 50_000  # rows per block of a DocTopicTable of a W in memory


def normalized_weights(W):
    """Rows of W scaled to sum to 1; all-zero rows stay zero (never NaN)."""
    totals = W.sum(axis=1, keepdims=True)
    return np.divide(W, totals, out=np.zeros_like(W), where=totals > 0)


def dominant_topics(W):
    """1-based dominant topic per row, <NA> where the row is all zero."""
    dominant = pd.array(W.argmax(axis=1) + 1, dtype="Int64")
    dominant[W.max(axis=1) <= 0] = pd.NA
    return dominant


def doc_topic_table(doc_ids, W, metadata=None):
    """doc_id, dominant_topic, topic_1 ... topic_k, then any metadata columns (label, date)."""
    table = pd.DataFrame(normalized_weights(W), columns=[f"topic_{t + 1}" for t in range(W.shape[1])],
                         copy=False)  # one block of floats (a column at a time copied each: 5x slower)
    table.insert(0, "dominant_topic", dominant_topics(W))
    table.insert(0, "doc_id", list(doc_ids))
    for name, values in (metadata or {}).items():
        table[name] = values
    return table


def listed_documents(W, limit=DOCUMENT_ROWS, table=None):
    """Rows of W a report lists, at most ``limit``: each topic's documents (those it dominates)
    ranked by their weight for it, taken in turn across topics (every topic's strongest first),
    so that each topic is represented. Documents with no weight are left out. ``table``: the
    model's doc_topics; a DocTopicTable's dominant topics and row maxima are read instead of W."""
    if isinstance(table, DocTopicTable) and W.size:
        strongest = table.strongest
        rows = np.flatnonzero(table.dominant > 0)
        dominant = table.dominant[rows] - 1
    else:
        strongest = W.max(axis=1) if W.size else np.zeros(W.shape[0])
        rows = np.flatnonzero(strongest > 0)
        dominant = W.argmax(axis=1)[rows] if W.size else np.zeros(0, dtype=np.int64)
    by_weight = rows[np.lexsort((-strongest[rows], dominant))]  # per topic, strongest first
    topic_of = np.sort(dominant)
    starts = np.searchsorted(topic_of, topic_of)  # first position of each topic's run
    rank = np.arange(by_weight.size) - starts
    if by_weight.size > limit:  # only the ranks the first ``limit`` reach are ordered
        last = int(np.searchsorted(np.cumsum(np.bincount(rank)), limit))
        by_weight, rank = by_weight[rank <= last], rank[rank <= last]
    order = np.lexsort((-strongest[by_weight], rank))
    return by_weight[order][:limit]


def ids_of(doc_topics, rows):
    """The doc_ids of these rows of a doc_topics table (a DataFrame or a DocTopicTable)."""
    if isinstance(doc_topics, DocTopicTable):
        return np.asarray(_ids(doc_topics.doc_ids, rows), dtype=object)
    return doc_topics["doc_id"].to_numpy()[np.asarray(rows, dtype=int)]


def _ids(doc_ids, rows):
    """doc_ids (a sequence, or ids on disk: docweights.Strings) of these rows."""
    return doc_ids.take(rows) if hasattr(doc_ids, "take") else [doc_ids[int(r)] for r in rows]


class DocTopicTable:
    """doc_topics of a large corpus: of a W held on disk (:class:`~.docweights.DocWeights`),
    or in memory from LARGE_TABLE documents on. The columns of :func:`doc_topic_table`, made
    a block of rows at a time (:meth:`frames`) when written, so that no per-document table is
    held whole. Kept: each row's dominant topic and largest weight, and the column sums of W
    (float64), from one pass over W (:func:`~.docweights.row_summary`)."""

    def __init__(self, doc_ids, W, metadata=None):
        self.doc_ids, self.W, self.metadata = doc_ids, W, dict(metadata or {})
        k = W.shape[1]
        self.columns = pd.Index(["doc_id", "dominant_topic", *(f"topic_{t + 1}" for t in range(k)),
                                 *self.metadata])
        sums, maxima = np.zeros(k), np.full(k, -np.inf)  # one pass: W's blocks on disk, or W whole
        parts = [row_summary(block, sums, maxima) for _, block in self._blocks()] if isinstance(W, DocWeights) \
            else [row_summary(W, sums, maxima)]
        self.dominant = np.concatenate([d for d, _ in parts]) if parts else np.zeros(0, np.int32)
        self.strongest = np.concatenate([s for _, s in parts]) if parts else np.zeros(0)
        self.column_sums = sums
        if isinstance(W, DocWeights) and k:  # (asked for again: by the quality flags, the warnings)
            W.remember("sum", sums)
            W.remember("max", self.strongest)
            W.remember("columns max", maxima)

    def _blocks(self):
        """(first row, block of W): W's own blocks on disk, or TABLE_ROWS rows of W in memory."""
        if isinstance(self.W, DocWeights):
            yield from self.W.blocks()
            return
        for start in range(0, self.W.shape[0], TABLE_ROWS):
            yield start, self.W[start:start + TABLE_ROWS]

    def __len__(self):
        return self.W.shape[0]

    def counts(self):
        """{topic: documents it dominates}."""
        return dict(enumerate(np.bincount(self.dominant, minlength=self.W.shape[1] + 1).tolist()))

    def __getitem__(self, name):
        if name == "dominant_topic":
            dominant = pd.array(self.dominant.astype(np.int64), dtype="Int64")
            dominant[self.dominant == 0] = pd.NA
            return pd.Series(dominant)
        if name == "doc_id":
            return pd.Series(list(self.doc_ids), dtype=object)
        if name in self.metadata:
            return pd.Series(list(self.metadata[name]), dtype=object)
        raise KeyError(name)

    def with_column(self, name, values):
        """This table with a metadata column ``name`` (replaced when present) of ``values``."""
        table = copy.copy(self)
        table.metadata = {**self.metadata, name: values}
        table.columns = self.columns if name in self.metadata else self.columns.append(pd.Index([name]))
        return table

    def parts(self):
        """(ids, normalized weights, dominant topics (0: none)) of each block of W, in order:
        the table's columns without metadata, as :meth:`frames` holds them."""
        for i, (start, block) in enumerate(self._blocks()):
            stop = start + block.shape[0]
            ids = self.doc_ids.block(i) if isinstance(self.doc_ids, Strings) else list(self.doc_ids[start:stop])
            yield ids, normalized_weights(block), self.dominant[start:stop]

    def frames(self):
        """The table as DataFrames of consecutive rows, one per block of W."""
        ids = self.doc_ids
        for i, (start, block) in enumerate(self._blocks()):
            stop = start + block.shape[0]
            block_ids = ids.block(i) if isinstance(ids, Strings) else list(ids[start:stop])
            yield doc_topic_table(block_ids, block, {name: list(values[start:stop])
                                                     for name, values in self.metadata.items()})

    def frame(self):
        """The whole table (for small corpora and tests)."""
        return pd.concat(list(self.frames()), ignore_index=True)

    def head(self, n=5):
        """The first ``n`` rows as a DataFrame, as pandas' ``head`` (a notebook's first look)."""
        first, frames = [], self.frames()
        while sum(map(len, first)) < max(n, 1) and (frame := next(frames, None)) is not None:
            first.append(frame)  # only the blocks needed are read
        return pd.concat(first, ignore_index=True).head(n)
