"""How good are the topics? Coherence, diversity, overlap, stability and label agreement.

Pure functions of arrays; the pipeline and the CLI decide what to fit and what to show.

Top terms are passed as index arrays into the columns of the document-term matrix:
``top`` has shape (n_topics, n_top), ranked, best first.
"""

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from .docweights import DocWeights, column_top, scaled_column_sums, top_rows
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score


def top_term_indices(H, n_top=10):
    """(n_topics, n_top) column indices of each topic's highest weights, best first."""
    n_top = min(n_top, H.shape[1])  # (a partition per row, not a sort of every term: 0.6 s at 87,890 terms)
    return np.array([top_rows(h, n_top) for h in np.asarray(H)], dtype=np.int64).reshape(H.shape[0], n_top)


def _presence(X):
    """Binary document-term incidence (CSC) of a sparse or dense matrix."""
    B = sp.csc_matrix(X, copy=True)
    B.data = (B.data > 0).astype(np.float64)
    B.eliminate_zeros()
    return B


def cooccurrence(X, terms, presence=None):
    """Document counts: (D, d) with D[a, b] the documents holding both terms[a] and terms[b]
    and d[a] = D[a, a] those holding terms[a]. ``presence``: X's incidence, if already made."""
    B = (_presence(X) if presence is None else presence)[:, terms]
    D = np.asarray((B.T @ B).todense())
    return D, np.diag(D).copy()


def _top_incidence(X, top, presence=None):
    """(the terms in any topic's top terms, sorted; their columns' incidence B (n_docs,
    len(used)), CSC), made of those columns only (not of X whole: a CSC copy of a 794k x
    87,890 matrix for 500 columns read)."""
    used = np.unique(np.concatenate([np.asarray(t, dtype=np.int64).ravel() for t in top])) \
        if len(top) else np.zeros(0, dtype=np.int64)
    if presence is not None:
        return used, presence[:, used]
    return used, _presence(X[:, used] if sp.issparse(X) else np.asarray(X)[:, used])


def _topic_counts(used, B, top):
    """Per topic (D, d) as :func:`cooccurrence` gives them, from one product over the
    union of the topics' top terms (``used``, B: :func:`_top_incidence`'s): the same counts
    as a product per topic (sums of ones, exact)."""
    D_all = np.asarray((B.T @ B).todense())
    for terms in top:
        at = np.searchsorted(used, np.asarray(terms, dtype=np.int64))
        D = D_all[np.ix_(at, at)]
        yield D, np.diag(D).copy()


def npmi(X, top, presence=None):
    """Per-topic NPMI coherence of the top terms from document co-occurrence in X
    (``presence``: X's incidence, if already made).

    NPMI(a, b) = log(P(a, b) / (P(a) P(b))) / -log P(a, b), in [-1, 1], with P from the
    share of documents holding the terms; a pair that never co-occurs scores -1
    (Bouma 2009; Roeder, Both & Hinneburg 2015). Returns the mean over pairs per topic.
    """
    return _npmi(_topic_counts(*_top_incidence(X, top, presence), top), X.shape[0], len(top))


def _npmi(counts, n_docs, k):
    scores = np.empty(k)
    for t, (D, d) in enumerate(counts):
        p = d / n_docs
        values = []
        for a in range(len(d)):
            for b in range(a + 1, len(d)):
                joint = D[a, b] / n_docs
                if joint <= 0:
                    values.append(-1.0)
                elif joint >= 1:
                    values.append(1.0)
                else:
                    values.append(np.log(joint / (p[a] * p[b])) / -np.log(joint))
        scores[t] = np.mean(values) if values else 0.0
    return scores


def umass(X, top, presence=None):
    """Per-topic UMass coherence (Mimno et al. 2011): mean over ranked pairs a < b of
    log((D(a, b) + 1) / D(a)), a being the higher-ranked term. At most 0; nearer 0 is better.
    """
    return _umass(_topic_counts(*_top_incidence(X, top, presence), top), len(top))


def _umass(counts, k):
    scores = np.empty(k)
    for t, (D, d) in enumerate(counts):
        values = [np.log((D[a, b] + 1.0) / max(d[a], 1.0))
                  for b in range(1, len(d)) for a in range(b)]
        scores[t] = np.mean(values) if values else 0.0
    return scores


def diversity(top):
    """Share of distinct terms among all topics' top terms (1: no term repeats)."""
    top = np.asarray(top)
    return len(np.unique(top)) / top.size if top.size else 0.0


def overlap(top):
    """(n_topics, n_topics) Jaccard overlap of the top-term sets; the diagonal is 1."""
    sets = [set(map(int, row)) for row in top]
    k = len(sets)
    J = np.ones((k, k))
    for a in range(k):
        for b in range(a + 1, k):
            J[a, b] = J[b, a] = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
    return J


def average_jaccard(r1, r2):
    """Greene, O'Callaghan & Cunningham (2014): mean over depths d of the Jaccard
    similarity of the two rankings' top-d sets. 1 for identical rankings."""
    depth = min(len(r1), len(r2))
    if depth == 0:
        return 0.0
    total = 0.0
    for d in range(1, depth + 1):
        a, b = set(r1[:d]), set(r2[:d])
        total += len(a & b) / len(a | b)
    return total / depth


def _average_jaccards(top_a, top_b):
    """(len(top_a), len(top_b)): :func:`average_jaccard` of every two rankings, the same
    numbers computed for all pairs at once (an ensemble matches thousands of pairs) when
    every ranking is of distinct terms, as top terms are; else one pair at a time."""
    a, b = np.asarray(top_a), np.asarray(top_b)
    depth = min(a.shape[-1], b.shape[-1]) if a.ndim == b.ndim == 2 and a.size and b.size else 0
    a, b = (a[:, :depth], b[:, :depth]) if depth else (a, b)
    if not depth or any((np.diff(np.sort(r, axis=1), axis=1) == 0).any() for r in (a, b)):
        return np.array([[average_jaccard(list(ra), list(rb)) for rb in top_b] for ra in top_a])
    # shared[i, j, p, q]: term p of ranking i is term q of ranking j; common at depth d: the
    # shared pairs with p, q < d; Jaccard at depth d: common / (2 d - common)
    common = (a[:, None, :, None] == b[None, :, None, :]).cumsum(axis=2).cumsum(axis=3)
    total = np.zeros((len(a), len(b)))
    for d in range(1, depth + 1):  # summed in depth order, as average_jaccard does
        both = common[:, :, d - 1, d - 1]
        total += both / (2 * d - both)
    return total / depth


@dataclass(frozen=True)
class Matching:
    """How the topics of run B match those of reference run A.

    order[i] is the topic of B matched to topic i of A; agreement[i] their similarity.
    """

    order: np.ndarray
    agreement: np.ndarray

    @property
    def mean(self):
        return float(self.agreement.mean()) if self.agreement.size else 0.0


def match_topics(top_a, top_b):
    """Match topics one to one (Hungarian algorithm) maximizing the summed average-Jaccard
    agreement of their term rankings."""
    k = len(top_a)
    S = _average_jaccards(top_a, top_b)
    rows, cols = linear_sum_assignment(S, maximize=True)
    order = np.empty(k, dtype=int)
    order[rows] = cols
    return Matching(order=order, agreement=S[rows, cols][np.argsort(rows)])


def pairwise_agreement(tops):
    """(n_runs, n_runs) mean matched agreement between every two runs' top terms (each an
    (n_topics, n_top) array); the diagonal is 1."""
    n = len(tops)
    A = np.ones((n, n))
    for a in range(n):
        for b in range(a + 1, n):
            A[a, b] = A[b, a] = match_topics(tops[a], tops[b]).mean
    return A


@dataclass(frozen=True)
class LabelAgreement:
    """NMI and AMI of the dominant topics against known labels, over ``n_documents``."""

    nmi: float
    ami: float
    n_documents: int


def label_agreement(dominant, labels):
    """:class:`LabelAgreement` of dominant topics with known labels, over the documents that
    have both; None when fewer than two do."""
    pairs = [(d, label) for d, label in zip(dominant, labels)
             if label is not None and not pd.isna(d)]  # None, NaN and pd.NA: no dominant topic
    if len(pairs) < 2:
        return None
    ds, ls = zip(*pairs)
    ds = [int(d) for d in ds]
    return LabelAgreement(nmi=float(normalized_mutual_info_score(ls, ds)),
                          ami=float(adjusted_mutual_info_score(ls, ds)), n_documents=len(pairs))


def stability(X, H_ref, *, n_runs=5, sample=0.8, seed=0, n_top=10, options=None):
    """Greene et al. (2014) stability: refit on ``n_runs`` random subsamples of the documents
    (``sample`` of them each) with the solver ``options`` (:class:`~topicnmf.nmf.SolverOptions`),
    match each run's topics to the reference H_ref, and return (per-topic mean agreement,
    overall mean agreement)."""
    from .nmf import factorize

    n = X.shape[0]
    k = H_ref.shape[0]
    rng = np.random.default_rng(seed)
    top_ref = top_term_indices(H_ref, n_top)
    size = max(k, int(round(sample * n)))
    agreements = []
    for _ in range(n_runs):
        rows = np.sort(rng.choice(n, size=min(size, n), replace=False))
        result = factorize(X[rows], k, options=options, random_state=int(rng.integers(2**31)))
        agreements.append(match_topics(top_ref, top_term_indices(result.H, n_top)).agreement)
    A = np.asarray(agreements)
    return A.mean(axis=0), float(A.mean())


# Thresholds of the per-topic quality flags (see topic_quality).
LOW_NPMI = 0.05
DUPLICATE_OVERLAP = 0.5
FEW_DOCUMENTS_SHARE = 0.5
COMMON_TERM_DF = 0.4  # at least; in a corpus of long documents, 1.5x the top terms' median (at most 0.9)
COMMON_OVER_MEDIAN = 1.5
LEAKY_SHARE = 0.3


@dataclass(frozen=True)
class TopicQuality:
    """How good one topic is, and the flags a reader should see (see :func:`topic_quality`).

    ``npmi_reference`` is set when a reference corpus was given.
    """

    npmi: float
    umass: float
    flags: tuple = ()
    duplicate_of: tuple = ()
    suggested_stop_words: tuple = ()
    npmi_reference: float | None = None
    advice: tuple = ()  # ((flag, what it means and what to do), ...)
    junk_terms: tuple = ()  # the characteristic terms of its junk flags (junk.py)


def topic_quality(X, W, H, top, display_terms, *, scale=None):
    """Per topic a :class:`TopicQuality`: NPMI, UMass and flags.

    Flags: ``low_coherence`` (NPMI under 0.05: the top terms rarely share documents),
    ``near_duplicate`` (top-term overlap of at least 0.5 with another topic),
    ``few_documents`` (its two strongest documents carry over half of its weight),
    ``common_words`` (at least 30% of its top terms appear in over 40% of all documents, and
    in 1.5x as many as the topics' top terms' median, at most 90%: long documents share
    their subjects' words; those terms are suggested as extra stop words).
    ``scale`` (k,): W's columns read multiplied by it (as ``W * scale``, not made).
    """
    if scale is not None and isinstance(W, DocWeights):  # on disk: scaled as its blocks are read
        W, scale = W.view(scale=scale), None
    n_docs = X.shape[0]
    used, B = _top_incidence(X, top)
    counts = list(_topic_counts(used, B, top))
    coherence, mass = _npmi(counts, n_docs, len(top)), _umass(counts, len(top))
    J = overlap(top)
    np.fill_diagonal(J, 0.0)
    empty = ~np.asarray(H.max(axis=1) > 0).ravel() if len(top) else np.zeros(0, dtype=bool)
    J[empty, :] = J[:, empty] = 0.0  # an empty topic's 'top terms' are arbitrary: no twin of any
    df = dict(zip(used.tolist(), (np.asarray(B.sum(axis=0)).ravel() / max(n_docs, 1)).tolist()))
    # common: in more documents than the topics' own top terms usually are. In long documents
    # (State of the Union) a subject's words are in half the speeches; 0.4 alone flagged every
    # topic and suggested 'mexico', 'navy', 'treasury' as stop words
    all_top = np.concatenate([np.asarray(t, dtype=np.int64) for t in top]) if len(top) else np.zeros(0, np.int64)
    common_df = min(max(COMMON_TERM_DF, COMMON_OVER_MEDIAN * float(np.median([df[j] for j in all_top.tolist()]))),
                    0.9) if all_top.size else COMMON_TERM_DF
    out = []
    tops = column_top(W, 2, scale)  # each topic's two strongest documents (W may be on disk)
    rows = np.concatenate(tops) if tops else np.zeros(0, dtype=np.int64)
    picked = W[rows] if rows.size else np.zeros((0, W.shape[1]))
    picked = picked if scale is None else picked * scale
    starts = np.cumsum([0] + [len(r) for r in tops])
    two = [float(picked[starts[t]:starts[t + 1], t].sum()) for t in range(len(tops))]
    totals = W.sum(axis=0) if scale is None else scaled_column_sums(W, scale, None)
    for t in range(len(top)):
        flags = []
        if coherence[t] < LOW_NPMI:
            flags.append("low_coherence")
        twins = tuple(int(u) + 1 for u in np.flatnonzero(J[t] >= DUPLICATE_OVERLAP))
        if twins:
            flags.append("near_duplicate")
        total = totals[t]
        if total > 0 and two[t] > FEW_DOCUMENTS_SHARE * total:
            flags.append("few_documents")
        common = tuple(display_terms[j] for j in top[t] if df[int(j)] > common_df and H[t, j] > 0)
        if len(common) >= LEAKY_SHARE * len(top[t]) and common:
            flags.append("common_words")
        out.append(TopicQuality(
            npmi=float(coherence[t]), umass=float(mass[t]), flags=tuple(flags), duplicate_of=twins,
            suggested_stop_words=common if "common_words" in flags else (),
        ))
    return tuple(out)


@dataclass(frozen=True)
class Consensus:
    """How several fits were combined. Restarts: which of ``runs`` was kept (``chosen_seed``,
    the one whose topics agree best with the others': ``agreement``; ``mean_agreement`` over
    all). ``method='ensemble'`` (ensemble NMF, ``topicnmf.ensemble``): no run is kept;
    ``agreement`` is the members' agreement with the consensus topics, ``mean_agreement``
    theirs with each other."""

    runs: int
    chosen_seed: int | None
    agreement: float
    mean_agreement: float
    method: str | None = None


@dataclass(frozen=True)
class Reference:
    """The reference corpus NPMI was also computed on."""

    source: str
    n_documents: int


@dataclass(frozen=True)
class Evaluation:
    """Overall scores of a fitted topic model; optional parts are None when not measured."""

    npmi_mean: float
    umass_mean: float
    diversity: float
    relative_error: float
    npmi_reference_mean: float | None = None
    reference: Reference | None = None
    consensus: Consensus | None = None
    labels: LabelAgreement | None = None

    def to_dict(self):
        """Plain data, parts not measured (None) left out."""
        return {f.name: ({a: b for a, b in asdict(v).items() if b is not None}
                         if hasattr(v, "__dataclass_fields__") else v)
                for f in fields(self) if (v := getattr(self, f.name)) is not None}
