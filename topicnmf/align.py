"""The same topic under the same number: matching one model's topics to another's.

Two models' topics are compared by the cosine similarity of their term vectors (rows of H)
over the union of their vocabularies (a term one model lacks weighs 0 there), and paired by
the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) maximizing the total
similarity. A pair less similar than ``MIN_SIMILARITY`` is no match: its old topic is *gone*
and its new one *new*.

Numbering (``--align-to``): every output numbers topics 1..k, so a matched topic keeps its
old number when that is at most k; a new topic takes a fresh number (above the old model's
count) when there is one left, else the number of a gone topic; a matched topic whose old
number is above k (the new model has fewer topics) takes a free number. The alignment
records every such case.
"""

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from .errors import ParameterError
from .model import load_model
from .topics import balance

MIN_SIMILARITY = 0.3  # cosine below which two topics are not the same topic
TOP_TERMS = 10  # terms compared for 'entered' and 'left'


@dataclass(frozen=True)
class Topics:
    """One model's topics as alignment needs them: H (k, n_terms) in topic order, the
    terms H's columns stand for, their readable forms, and the topics' labels."""

    H: np.ndarray
    terms: tuple
    display_terms: tuple
    labels: tuple

    @classmethod
    def of_model(cls, model):
        """From a :class:`~topicnmf.model.SavedModel`."""
        return cls(model.H, tuple(model.terms), tuple(model.display_terms), tuple(model.labels))

    def top(self, t, n=TOP_TERMS):
        """Readable top terms of the topic in row ``t`` (from 0)."""
        row = self.H[t]
        best = np.argsort(-row, kind="stable")[:n]
        return [self.display_terms[j] for j in best if row[j] > 0]


@dataclass(frozen=True)
class Match:
    """A row of the comparison: ``old``/``new`` topic numbers (None for a gone or new topic),
    their similarity, labels, and the top terms that entered and left."""

    status: str  # 'kept', 'new' or 'gone'
    old: int | None
    new: int | None
    similarity: float | None
    old_label: str = ""
    new_label: str = ""
    entered: tuple = ()
    left: tuple = ()

    def to_dict(self):
        return {"status": self.status,
                "old_topic": None if self.old is None else int(self.old),
                "new_topic": None if self.new is None else int(self.new),
                "similarity": None if self.similarity is None else float(f"{self.similarity:.6g}"),
                "old_label": self.old_label, "new_label": self.new_label,
                "entered": list(self.entered), "left": list(self.left)}


@dataclass(frozen=True)
class Comparison:
    """Two models' topics compared.

    similarity : ndarray (k_old, k_new), cosine of topic term vectors over the union vocabulary
    matches : tuple of Match, kept pairs by old number, then new topics, then gone ones
    """

    similarity: np.ndarray
    matches: tuple
    n_shared_terms: int
    n_union_terms: int

    def of_status(self, status):
        return [m for m in self.matches if m.status == status]


def similarity(old, new):
    """Cosine similarity (k_old, k_new) of two models' topics over the union vocabulary."""
    index = {t: j for j, t in enumerate(new.terms)}
    shared_old = np.array([j for j, t in enumerate(old.terms) if t in index], dtype=np.int64)
    shared_new = np.array([index[old.terms[j]] for j in shared_old], dtype=np.int64)
    dots = old.H[:, shared_old] @ new.H[:, shared_new].T if len(shared_old) else \
        np.zeros((old.H.shape[0], new.H.shape[0]))
    norms = np.outer(np.linalg.norm(old.H, axis=1), np.linalg.norm(new.H, axis=1))
    S = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    return np.clip(S, 0.0, 1.0), len(shared_old)


def compare(old, new, *, min_similarity=MIN_SIMILARITY, top_terms=TOP_TERMS):
    """The :class:`Comparison` of two :class:`Topics`, each numbered as its rows (from 1)."""
    if not 0 <= min_similarity <= 1:
        raise ParameterError(f"min_similarity must be from 0 to 1; got {min_similarity!r}.")
    S, n_shared = similarity(old, new)
    rows, cols = linear_sum_assignment(-S)
    pairs = {r: c for r, c in zip(rows, cols) if S[r, c] >= min_similarity}
    matches = []
    for r in range(S.shape[0]):
        if r in pairs:
            c = pairs[r]
            before, after = old.top(r, top_terms), new.top(c, top_terms)
            matches.append(Match("kept", int(r) + 1, int(c) + 1, float(S[r, c]),
                                 old.labels[r], new.labels[c],
                                 tuple(t for t in after if t not in before),
                                 tuple(t for t in before if t not in after)))
    matched = set(pairs.values())
    for c in (c for c in range(S.shape[1]) if c not in matched):
        best = float(S[:, c].max()) if S.shape[0] else 0.0
        matches.append(Match("new", None, int(c) + 1, best, "", new.labels[c],
                             tuple(new.top(c, top_terms))))
    for r in (r for r in range(S.shape[0]) if r not in pairs):
        best = float(S[r].max()) if S.shape[1] else 0.0
        matches.append(Match("gone", int(r) + 1, None, best, old.labels[r], "", (),
                             tuple(old.top(r, top_terms))))
    union = len(set(old.terms) | set(new.terms))
    return Comparison(S, tuple(matches), n_shared, union)


def topic_order(old, new, prevalence, *, min_similarity=MIN_SIMILARITY):
    """The order of ``new``'s rows that gives matched topics ``old``'s numbers.

    Parameters
    ----------
    old, new : Topics
        ``new.H`` holds the fitted components (any order).
    prevalence : ndarray (k_new,)
        Each component's share of the weight: free numbers go to the more prevalent first.

    Returns
    -------
    order : ndarray (k_new,), ``order[n]`` the component shown as topic n + 1
    """
    S, _ = similarity(old, new)
    k = new.H.shape[0]
    rows, cols = linear_sum_assignment(-S)
    number = {}
    for r, c in zip(rows, cols):
        if S[r, c] >= min_similarity and r < k:
            number[c] = r
    taken = set(number.values())
    fresh = [n for n in range(old.H.shape[0], k)]  # above the old model's count
    freed = [n for n in range(min(k, old.H.shape[0])) if n not in taken]
    free = iter(fresh + freed)
    # matched components whose old number is above k first, then new ones by prevalence
    waiting = [c for r, c in zip(rows, cols) if S[r, c] >= min_similarity and r >= k]
    waiting += [c for c in np.argsort(-np.asarray(prevalence), kind="stable")
                if c not in number and c not in waiting]
    for c in waiting:
        number[c] = next(free)
    order = np.empty(k, dtype=np.int64)
    for c, n in number.items():
        order[n] = c
    return order



def load_topics(path):
    """The :class:`Topics` of a saved model (a report folder or its model/); None for None."""
    return None if path is None else Topics.of_model(load_model(path))


def aligned_order(old, W, H, terms, *, min_similarity=MIN_SIMILARITY):
    """:func:`topic_order` of a fresh factorization (W, H) whose columns are ``terms``, ``old``
    a :class:`Topics` or a saved model's path; None (the default order) when ``old`` is None."""
    if old is None:
        return None
    old = load_topics(old) if not isinstance(old, Topics) else old
    W, H = balance(W, H)
    new = Topics(H, tuple(terms), tuple(terms), ("",) * H.shape[0])
    return topic_order(old, new, W.sum(axis=0), min_similarity=min_similarity)


def with_old_labels(old, topics, dtm, *, min_similarity=MIN_SIMILARITY, top_terms=TOP_TERMS):
    """(``topics`` with each kept topic's label the old one, their :class:`Comparison`);
    (``topics``, None) without ``old`` topics."""
    if old is None:
        return topics, None
    new = Topics(topics.H, tuple(dtm.terms), tuple(dtm.display_terms),
                 tuple(topics.prevalence["label"]))
    comparison = compare(old, new, min_similarity=min_similarity, top_terms=top_terms)
    labels = list(new.labels)
    for m in comparison.of_status("kept"):
        labels[m.new - 1] = m.old_label
    prevalence = topics.prevalence.assign(label=labels)
    return replace(topics, prevalence=prevalence), comparison


def with_alignment(old, result):
    """A fitted result (a TopicResult) with its kept topics' old labels and its
    ``alignment``, ``old`` a :class:`Topics` or a saved model's path; as it is for None."""
    if old is None:
        return result
    old = load_topics(old) if not isinstance(old, Topics) else old
    topics, comparison = with_old_labels(old, result.topics, result.dtm,
                                         top_terms=result.config.top_terms)
    return replace(result, topics=topics, alignment=comparison)
