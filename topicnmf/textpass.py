"""The texts a run reads back after the fit, when the corpus is read in passes (out of
core): one pass over the input for them all where one would do.

The junk check reads every text once (each one's author, and the texts of the documents it
scans); the reports then show the texts of each topic's representative documents and of the
listed documents, which were fetched by id in a second pass over the input (7.9M documents:
a few minutes of parsing). Both sets of rows depend on W only, up to the order of the
topics, which the junk check decides: so the rows the reports will show are foreseen from W
before it (balanced, in the factorization's order) and their texts kept from the junk
check's pass. A row foreseen wrongly (a tie broken by the topics' order) costs the second
pass, as before; the texts are the same either way.
"""

import numpy as np

from .docweights import DocWeights, balance_scale, column_top
from .doctable import DocTopicTable, listed_documents

SLACK = 5  # as topics._distinct_top: candidates per topic beyond its representative documents


def reading_back(corpus, W, H, n_representative):
    """(the texts to read once, in order; ``texts_of(ids)``): for a corpus in memory its own
    texts and ``texts_of``; for one read in passes, a :class:`TextPass` of the rows foreseen."""
    texts = corpus.texts  # (in memory: a list made at each call)
    if isinstance(texts, list) or not hasattr(corpus, "read_documents"):
        return texts, corpus.texts_of
    rows = foreseen_rows(W, H, n_representative)
    fetched = KeptTexts(corpus, rows) if _texts_kept(corpus) else TextPass(corpus, rows)
    return fetched.texts(), fetched.texts_of


def foreseen_rows(W, H, n_representative):
    """The rows whose texts the reports will show: each topic's strongest documents
    (candidates of the representative ones) and the listed documents, from W balanced in the
    factorization's order (W on disk: two passes over it, whose column sums and row maxima
    the topics read again without a pass)."""
    scale = balance_scale(H)
    balanced = W.view(scale=scale) if isinstance(W, DocWeights) else W * scale
    table = DocTopicTable(np.arange(W.shape[0]), balanced)
    tops = column_top(balanced, n_representative + SLACK) if W.shape[0] else []
    return np.unique(np.concatenate([listed_documents(balanced, table=table), *tops]))


def _texts_kept(corpus):
    """Whether the corpus's first pass kept its texts and authors (``StreamedCorpus``'s
    ``keep_texts``, with room for them)."""
    return getattr(corpus, "stored", None) is not None


class KeptTexts:
    """:class:`TextPass` for a corpus whose first pass kept the texts and the authors: the
    rows foreseen read from there, no pass over the input (a row not foreseen: one)."""

    def __init__(self, corpus, rows):
        rows = np.asarray(rows, dtype=np.int64)
        self.corpus = corpus
        self.kept = dict(zip(corpus.ids.take(rows), corpus.stored.take(rows)))

    def texts(self):
        return self

    def authors_and_texts(self, rows):
        """(every text's author, the texts of ``rows`` in that order), as the junk check
        asks them of the texts."""
        authors = self.corpus.authors
        return (authors if authors is not None else [None] * len(self.corpus),
                self.corpus.stored.take(rows))

    def texts_of(self, ids):
        """The texts of the documents with these ids, in the order given."""
        if all(i in self.kept for i in ids):
            return [self.kept[i] for i in ids]
        return self.corpus.texts_of(ids)


class TextPass:
    """Every text of a corpus read in passes, read once (:meth:`texts`), keeping the texts of
    ``rows``; :meth:`texts_of` serves them, or reads the input again for any other."""

    def __init__(self, corpus, rows):
        self.corpus, self.wanted, self.kept = corpus, {int(r) for r in rows}, {}

    def texts(self):
        for row, document in enumerate(self.corpus.read_documents()):
            if row in self.wanted:
                self.kept[document.id] = document.text
            yield document.text

    def texts_of(self, ids):
        """The texts of the documents with these ids, in the order given."""
        if all(i in self.kept for i in ids):
            return [self.kept[i] for i in ids]
        return self.corpus.texts_of(ids)  # (a row not foreseen: one more pass)
