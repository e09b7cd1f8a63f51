"""From factors to topics: ranked terms, document weights, prevalence, representative documents.

Topics are numbered from 1 in order of prevalence (topic 1 carries the most weight).
"""

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .docweights import (DocWeights, Strings, balance_scale, column_top, scaled_column_sums,  # noqa: F401
                         scaled_in_order, top_rows)
from .doctable import (DOCUMENT_ROWS, LARGE_TABLE, TABLE_ROWS, DocTopicTable, _ids,  # noqa: F401
                       doc_topic_table, dominant_topics, ids_of, listed_documents, normalized_weights)
from .partitions import Partitions

SNIPPET_CHARS = 200


@dataclass(frozen=True)
class TopicModel:
    """A fitted topic model as data.

    Attributes
    ----------
    terms : DataFrame
        One row per (topic, rank): topic, rank, term, weight. ``term`` is the readable form.
    doc_topics : DataFrame
        One row per document: doc_id, dominant_topic (<NA> for a document with no terms
        left), then ``topic_1`` ... ``topic_k`` weights normalized to sum to 1.
    prevalence : DataFrame
        One row per topic: topic, label (its top three terms), share (of the total
        document weight), n_documents (documents it dominates).
    representative : DataFrame
        Per topic its strongest documents: topic, rank, doc_id, weight (balanced W), and
        once their texts are fetched back by id (:func:`with_snippets`), snippet and title
        (the first line when it reads as one, see :func:`split_title`; else '').
    W : ndarray of shape (n_documents, n_topics)
        Document weights, columns in topic order, balanced (see :func:`balance`):
        W[d, t] is the norm of topic t's part of document d's reconstruction.
    H : ndarray of shape (n_topics, n_terms)
        Term weights, rows in topic order, each of unit L2 norm.
    order : ndarray of shape (n_topics,)
        ``order[t]`` is the factorization's component shown as topic t + 1.
    documents : DataFrame
        The documents a report lists (:func:`listed_documents`): row (of W), doc_id, title
        (see :func:`split_title`) and snippet (of the text after the title);
        empty until their texts are fetched back by id (:func:`with_document_snippets`).
    """

    terms: pd.DataFrame
    doc_topics: pd.DataFrame
    prevalence: pd.DataFrame
    representative: pd.DataFrame
    W: np.ndarray
    H: np.ndarray
    order: np.ndarray
    documents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"row": [], "doc_id": [], "title": [], "snippet": []}), compare=False)

    @property
    def n_topics(self):
        return self.H.shape[0]

    def empty_topics(self):
        """Topics (numbered from 1) with no weight at all: the corpus supports fewer distinct
        topics than were asked for (X has lower rank than k, or documents repeat)."""
        strongest = self.W.max(axis=0) if self.W.shape[0] else np.zeros(self.n_topics)
        return [t + 1 for t in range(self.n_topics)
                if not (self.H[t] > 0).any() or not strongest[t] > 0]

    def top_terms(self, topic):
        """The ranked readable terms of ``topic`` (numbered from 1)."""
        return self.terms.loc[self.terms.topic == topic, "term"].tolist()


WEAK_QUANTILE = 0.01  # a new document fitted or covered worse than 99% of the fitted ones
# ... but never stricter than this: the fitted documents shaped H, and long ones fit better
# than a new short text can (a State of the Union model's 1st percentile fit is 0.477, where
# an on-topic paragraph measured 0.286 and a cake recipe 0.019).
MAX_FLOOR = {"fit": 0.1, "coverage": 0.5}


@dataclass(frozen=True)
class MatchFloor:
    """The least fit strength and vocabulary coverage of a match a topic is named for:
    the 1st percentiles over the documents the model was fitted on, at most 0.1 and 0.5."""

    fit: float = 0.1
    coverage: float = 0.0

    @classmethod
    def of(cls, fit, coverage):
        """The floor of the fitted documents (those with any term)."""
        seen = coverage > 0
        if not seen.any():
            return cls()
        return cls(fit=min(float(np.quantile(fit[seen], WEAK_QUANTILE)), MAX_FLOOR["fit"]),
                   coverage=min(float(np.quantile(coverage[seen], WEAK_QUANTILE)),
                                MAX_FLOOR["coverage"]))


def fit_strength(X, W, H, block=65536, _products=None):
    """Per document, the cosine between its row of X and its reconstruction W H:
    <x, w H> / (||x|| ||w H||), from X's nonzeros (0 where either is zero). Computed a
    block of rows at a time, so no (n_documents, k) product is held; X may be Partitions
    (H H^T and H^T in C order made once for all of them: a product of H per partition, and
    scipy's C-order copy of H.T per block, took 21 of the 56 s of the topics at 2M documents
    out of core)."""
    G, HT = _products or (H @ H.T, np.ascontiguousarray(H.T))
    if isinstance(X, Partitions):
        return np.concatenate([fit_strength(X.block(i), W[X.rows(i)], H, block, (G, HT)) for i in range(len(X))])
    out = np.zeros(X.shape[0])
    for start in range(0, X.shape[0], block):
        rows = slice(start, start + block)
        Xb, Wb = X[rows], W[rows]
        cross = np.einsum("ij,ij->i", np.asarray(Xb @ HT), Wb)
        reconstruction = np.sqrt(np.maximum(np.einsum("ij,ij->i", Wb @ G, Wb), 0.0))
        denominator = np.sqrt(np.asarray(Xb.multiply(Xb).sum(axis=1)).ravel()) * reconstruction
        np.divide(cross, denominator, out=out[rows], where=denominator > 0)
    return out


def fit_strength_later(X, W, H):
    """:func:`fit_strength` computed in a thread, beside the topics' Python work (its products
    and its sparse product leave the GIL); ``.result()`` waits for it."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(fit_strength, X, W, H)
    finally:
        pool.shutdown(wait=False)  # (the thread ends with its one task)


def score_table(doc_ids, W, coverage, fit, floor, metadata=None):
    """doc_topics of new documents: as :func:`doc_topic_table`, then ``coverage`` and ``fit``;
    the dominant topic is left empty for a weak match (fit or coverage under ``floor``)."""
    table = doc_topic_table(doc_ids, W)
    weak = (np.asarray(fit) < floor.fit) | (np.asarray(coverage) < floor.coverage)
    table.loc[weak, "dominant_topic"] = pd.NA
    table["coverage"], table["fit"] = coverage, fit
    for name, values in (metadata or {}).items():
        table[name] = values
    return table


def snippet(text, limit=SNIPPET_CHARS):
    """The start of a text on one line, cut at a word boundary."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + " \u2026"


def split_title(text, limit=120):
    """(title, rest): a text's first line as its title when it is short and more follows
    (a headline, a subject), else ('', text)."""
    head, newline, rest = text.strip().partition("\n")
    head = re.sub(r"\s+", " ", head).strip()
    if newline and head and len(head) <= limit and rest.strip():
        return head, rest
    return "", text


def balance(W, H):
    """Rescale a factorization so that every row of H has unit L2 norm, W absorbing the scale.

    WH is unchanged, but W[d, t] becomes the norm of topic t's part of document d's
    reconstruction, ||W[d, t] H[t]||. Raw W is arbitrary up to that scaling (W D, D^-1 H fits
    as well), so dominant topics, shares and prevalence are read from balanced weights. Measured
    (benchmarks/bench_defaults.py): NMI of dominant topic vs labels, BBC k=5 0.858 -> 0.862,
    Debian k=20 0.282 -> 0.332, k=50 0.300 -> 0.347. An all-zero row of H stays zero.
    """
    scale = balance_scale(H)
    return (W.view(scale=scale) if isinstance(W, DocWeights) else W * scale), H / scale[:, None]


def prevalence_order(sums, demote=None):
    """Components sorted by their share of the total weight (``sums``: W's column sums),
    largest first (stable); those ``demote`` marks True (or with a higher level: flagged
    topics) after the others."""
    order = np.argsort(-np.asarray(sums), kind="stable")
    return order if demote is None else order[np.argsort(np.asarray(demote, dtype=int)[order], kind="stable")]


def build_topics(W, H, *, doc_ids, display_terms, top_terms=10, n_representative=5,
                 metadata=None, demote=None, order=None):
    """Assemble a :class:`TopicModel` from a factorization.

    Parameters
    ----------
    W : ndarray (n_documents, k); H : ndarray (k, n_terms)
        Any scaling; the model holds them balanced (H rows of unit norm).
    doc_ids : sequence of length n_documents
    display_terms : sequence of length n_terms
    top_terms : int
        Terms listed per topic.
    metadata : dict of str -> sequence, optional
        Extra per-document columns for ``doc_topics`` (e.g. label, date).
    n_representative : int
        Documents listed per topic.
    demote : sequence of bool or int (n_components), optional
        Components listed after all others whatever their weight (junk topics); with
        levels, each level after the lower ones.
    order : array of int, optional
        ``order[t]`` the component shown as topic t + 1 (default: by prevalence, ``demote``
        last).
    """
    scale = balance_scale(H)  # balance(W, H), then
    on_disk = isinstance(W, DocWeights)  # ordered: W's blocks as they are read; else one array made
    sums = W.view(scale=scale).sum(axis=0) if on_disk else scaled_column_sums(W, scale)
    order = prevalence_order(sums, demote) if order is None else np.asarray(order)
    W = W.view(scale=scale).view(order=order) if on_disk else scaled_in_order(W, scale, order)
    H = (H / scale[:, None])[order]
    k = H.shape[0]
    display = np.asarray(display_terms, dtype=object)
    n_top = min(top_terms, H.shape[1])

    term_rows = []
    for t in range(k):
        ranked = top_rows(H[t], n_top)
        ranked = ranked[H[t, ranked] > 0]
        for rank, j in enumerate(ranked, start=1):
            term_rows.append((t + 1, rank, display[j], float(H[t, j])))
    terms = pd.DataFrame(term_rows, columns=["topic", "rank", "term", "weight"])

    if isinstance(W, DocWeights) or W.shape[0] >= LARGE_TABLE:  # made from W's blocks when written
        doc_topics = DocTopicTable(doc_ids, W, metadata)
        total = float(doc_topics.column_sums.sum()) if isinstance(W, DocWeights) else W.sum()
        counts = doc_topics.counts()
    else:
        doc_topics = doc_topic_table(doc_ids, W, metadata)
        total = W.sum()
        counts = doc_topics["dominant_topic"].value_counts()
    sums = doc_topics.column_sums if isinstance(doc_topics, DocTopicTable) else W.sum(axis=0, dtype=np.float64)
    prevalence = pd.DataFrame({
        "topic": np.arange(1, k + 1),
        "label": [", ".join(terms.loc[terms.topic == t + 1, "term"].head(3)) for t in range(k)],
        "share": sums / total if total > 0 else np.zeros(k),
        "n_documents": [int(counts.get(t + 1, 0)) for t in range(k)],
    })

    rep_rows, bests = [], _distinct_top(W, n_representative)
    rows = np.concatenate(bests) if bests else np.zeros(0, dtype=np.int64)
    weights = W[rows] if rows.size else np.zeros((0, k))  # the weights, and each document's shares
    shares, ids = normalized_weights(weights), _ids(doc_ids, rows)
    start = 0
    for t, best in enumerate(bests):
        for rank, i in enumerate(start + np.flatnonzero(weights[start:start + len(best), t] > 0), start=1):
            rep_rows.append((t + 1, rank, ids[i], float(weights[i, t]), float(shares[i, t])))
        start += len(best)
    representative = pd.DataFrame(rep_rows, columns=["topic", "rank", "doc_id", "weight", "share"])
    return TopicModel(terms, doc_topics, prevalence, representative, W, H, order)


def _distinct_top(W, n, slack=5):
    """Per column the rows of its ``n`` largest values (:func:`column_top`), a row whose whole
    weight vector equals one kept before it left out: the copies of a document (the same
    text twice in a corpus) are listed once, the next document in its place."""
    candidates = column_top(W, n + slack)
    rows = np.concatenate(candidates) if candidates else np.zeros(0, dtype=np.int64)
    weights = W[rows] if rows.size else np.zeros((0, W.shape[1]))
    out, start = [], 0
    for best in candidates:
        seen, kept = set(), []
        for i, row in zip(range(start, start + len(best)), best):
            key = weights[i].tobytes()
            if key not in seen and len(kept) < n:
                seen.add(key)
                kept.append(row)
        out.append(np.asarray(kept, dtype=np.int64))
        start += len(best)
    return out


def with_snippets(model, texts):
    """``model`` with a snippet of each representative document, given their ``texts`` in
    the order of ``model.representative`` (fetched back by id at the end of a run, so the
    texts need not travel through the stages)."""
    representative = model.representative.assign(snippet=[snippet(t) for t in texts],
                                                 title=[split_title(t)[0] for t in texts])
    return replace(model, representative=representative)


def with_document_snippets(model, rows, texts):
    """``model`` with the listed documents (:func:`listed_documents` rows), the title and a
    snippet of each, given their ``texts`` in the same order."""
    rows = np.asarray(rows, dtype=int)
    ids = ids_of(model.doc_topics, rows)
    parts = [split_title(t) for t in texts]
    weights = model.W[rows] if len(rows) else np.zeros((0, model.n_topics))
    shares = normalized_weights(weights)  # what the report shows of each: its dominant topic's share
    documents = pd.DataFrame({"row": rows, "doc_id": ids,
                              "title": [title for title, _ in parts],
                              "snippet": [snippet(rest) for _, rest in parts],
                              "dominant_topic": weights.argmax(axis=1) + 1 if weights.size else np.zeros(0, int),
                              "share": shares.max(axis=1) if shares.size else np.zeros(len(rows))})
    return replace(model, documents=documents)
