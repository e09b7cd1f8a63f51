"""Dynamic topics (Greene & Cross 2017, "Exploring the Political Agenda of the European
Parliament Using a Dynamic Topic Modeling Approach", Political Analysis 25(1)).

Two layers of NMF. First, *window topics*: each period's documents (their rows of the TF-IDF
matrix X) factorized on their own. Second, the window topics of all periods, each as its top
``TOP_TERMS`` term weights scaled to unit length, stacked into one matrix B (window topics x
terms) and factorized again: the second-level components are the *dynamic topics*, and each
window topic belongs to the dynamic topic that weighs most in its row of the second-level W,
when that holds at least ``MIN_MEMBERSHIP`` of the row (else it is left unlinked: a window
topic like no other, often one of the extra topics a small window was asked for).
A dynamic topic is present in the periods that have one of its window topics, so it can
appear, vanish and come back.

Each window gets ``min(window_topics, n_documents // DOCS_PER_TOPIC)`` topics (at least 1):
a period of few documents cannot support many.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .nmf import SolverOptions, factorize
from .period_rows import period_rows

TOP_TERMS = 20
DOCS_PER_TOPIC = 3
WINDOW_SOLVER = SolverOptions(tol=1e-5, max_iter=200)  # window fits stop once settled
MIN_MEMBERSHIP = 0.5  # share of a window topic's second-level weight that links it
SHOWN_TERMS = 10


@dataclass(frozen=True)
class DynamicTopics:
    """window_topics: list of dict (period, index, terms, n_documents, dynamic_topic, weight);
    topics: list of dict (topic, terms, periods, window_topics); both plain data."""

    window_topics: list
    topics: list
    n_window_topics_asked: int

    def to_dict(self):
        return {"method": "Greene & Cross 2017: window NMF per period, then NMF of the stacked "
                          "window topics",
                "window_topics_asked": self.n_window_topics_asked,
                "dynamic_topics": self.topics, "window_topics": self.window_topics}


def dynamic_topics(X, period_index, labels, display_terms, *, n_topics, window_topics=None,
                   random_state=0, budget=None):
    """The :class:`DynamicTopics` of the documents of X (n_documents, n_terms: a sparse
    matrix, or Partitions read a group of periods per pass, at most ``budget`` bytes at a
    time) in their periods (``period_index`` into ``labels``, -1 for undated), ``n_topics``
    dynamic topics."""
    window_topics = n_topics if window_topics is None else window_topics
    display = np.asarray(display_terms, dtype=object)
    rows_B, windows = [], []
    for p, rows, _ in period_rows(X, None, period_index, len(labels), budget):
        label = labels[p]
        columns = np.unique(rows.indices)  # the window's own terms only: a term it lacks
        Xp = rows[:, columns]              # would get weight 0 in every window topic
        k = min(window_topics, rows.shape[0] // DOCS_PER_TOPIC, len(columns))
        if Xp.nnz == 0 or k < 1:
            continue
        fit = factorize(Xp, k, options=WINDOW_SOLVER, init="nndsvd", random_state=random_state)
        dominant = np.where(fit.W.max(axis=1) > 0, fit.W.argmax(axis=1), -1)
        for t in range(fit.H.shape[0]):
            row = fit.H[t]
            top = np.argsort(-row, kind="stable")[:TOP_TERMS]
            top = top[row[top] > 0]
            if not len(top):
                continue
            vector = np.zeros(X.shape[1])
            vector[columns[top]] = row[top] / np.linalg.norm(row[top])
            rows_B.append(vector)
            windows.append({"period": label, "index": t + 1,
                            "terms": [str(display[columns[j]]) for j in top[:SHOWN_TERMS]],
                            "n_documents": int((dominant == t).sum())})
    if not rows_B:
        return DynamicTopics([], [], window_topics)
    B = sparse.csr_matrix(np.vstack(rows_B))
    k = min(n_topics, B.shape[0], len(np.unique(B.indices)))
    second = factorize(B, k, options=WINDOW_SOLVER, init="nndsvd", random_state=random_state)
    members = second.W.argmax(axis=1)
    totals = second.W.sum(axis=1)
    for w, window in enumerate(windows):
        share = second.W[w, members[w]] / totals[w] if totals[w] > 0 else 0.0
        window["weight"] = float(f"{share:.4g}")
        window["dynamic_topic"] = int(members[w]) + 1 if share >= MIN_MEMBERSHIP else None
    topics = []
    for t in range(k):
        row = second.H[t]
        top = np.argsort(-row, kind="stable")[:SHOWN_TERMS]
        mine = [w for w in windows if w["dynamic_topic"] == t + 1]
        topics.append({"topic": t + 1, "terms": [str(display[j]) for j in top if row[j] > 0],
                       "periods": sorted({w["period"] for w in mine}, key=list(labels).index),
                       "window_topics": [[w["period"], w["index"]] for w in mine]})
    topics.sort(key=lambda d: (list(labels).index(d["periods"][0]) if d["periods"] else len(labels)))
    renumber = {d["topic"]: i + 1 for i, d in enumerate(topics)}  # by first appearance
    for d in topics:
        d["topic"] = renumber[d["topic"]]
    for w in windows:
        w["dynamic_topic"] = renumber.get(w["dynamic_topic"])
    return DynamicTopics(windows, topics, window_topics)
