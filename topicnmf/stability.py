"""How stable a factorization is under resampling of the documents, at any corpus size.

Two agreements between the fit on all documents and refits on random subsamples (each run
draws ``sample`` of the documents without replacement):

- **documents** (what the sweep recommends by): the adjusted Rand index of the documents'
  dominant topics in the full fit and in the refit, over the subsample's documents
  (stability-based validation of clusterings: Ben-Hur, Elisseeff & Guyon 2002; Lange, Roth,
  Braun & Buhmann 2004). 1 when every refit groups the documents as the full fit does, about
  0 for chance.
- **terms**: Greene, O'Callaghan & Cunningham (2014): the refit's topics matched one to one
  to the full fit's (Hungarian algorithm) by the average Jaccard of their top-term rankings
  (the same number as :func:`topicnmf.evaluate.stability`).

Why both: on a small corpus the top-term rankings of a topic estimated from a few dozen
documents reorder from subsample to subsample even when the topic itself (which documents
it holds) does not change, so the term agreement is low at every k. On the bundled corpus
(six subjects, 126 documents) it peaks at 0.63 with 20 refits (0.61 with 3: the shortfall
is bias, not noise), while the documents' agreement peaks at 6 with 0.93. A small corpus
also gets more refits (:func:`refits`), and each mean carries a bootstrap interval over the
refits, so a reader sees how far two k apart really are.
"""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import adjusted_rand_score

from .evaluate import match_topics, top_term_indices
from .nmf import factorize

# A sweep refits about this many documents per k in all: 3 refits of 1,700 documents or
# more, up to MAX_REFITS of a small corpus (16 of the bundled 126 documents).
REFIT_DOCUMENTS = 5000
MAX_REFITS = 20
INTERVAL = 0.9  # the bootstrap interval's coverage


def refits(n_documents, runs):
    """The refits to make: at least ``runs``, more for a small corpus (``REFIT_DOCUMENTS``
    documents refitted in all, at most ``MAX_REFITS``)."""
    return max(runs, min(MAX_REFITS, math.ceil(REFIT_DOCUMENTS / max(n_documents, 1))))


def bootstrap_interval(values, *, level=INTERVAL, n_boot=2000, seed=0):
    """(low, high): the percentile bootstrap interval of the mean of ``values`` (one per
    refit), resampling the refits with replacement; (v, v) for a single value."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        v = float(values.mean()) if values.size else float("nan")
        return v, v
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(n_boot, values.size))].mean(axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class Stability:
    """Per refit, the agreement of its documents' grouping (``documents``, adjusted Rand
    index) and of its topics' top terms (``terms``, Greene et al.) with the full fit."""

    documents: np.ndarray  # (n_runs,)
    terms: np.ndarray  # (n_runs,)

    @property
    def document_mean(self):
        return float(self.documents.mean())

    @property
    def term_mean(self):
        return float(self.terms.mean())

    def interval(self, seed=0):
        """The bootstrap interval of the documents' agreement."""
        return bootstrap_interval(self.documents, seed=seed)


def partition_agreement(W_a, W_b):
    """Adjusted Rand index of the dominant topics of two weightings of the same documents
    (rows), over the documents that have a topic in both; 0 when fewer than two do."""
    kept = (W_a.max(axis=1) > 0) & (W_b.max(axis=1) > 0)
    if kept.sum() < 2:
        return 0.0
    return float(adjusted_rand_score(W_a[kept].argmax(axis=1), W_b[kept].argmax(axis=1)))


def subsample_stability(X, W, H, *, n_runs=3, sample=0.8, seed=0, n_top=10, options=None,
                        refit=None):
    """The :class:`Stability` of the fit (W, H) of X over ``n_runs`` refits on subsamples
    of ``sample`` of the documents, with the solver ``options``; the subsamples and seeds
    are those of :func:`topicnmf.evaluate.stability` with the same ``seed``. ``refit(X, k,
    seed)`` -> NMFResult refits another way (an ensemble: ``benchmarks/bench_ensemble.py``)."""
    n, k = X.shape[0], H.shape[0]
    rng = np.random.default_rng(seed)
    top_ref = top_term_indices(H, n_top)
    size = min(n, max(k, int(round(sample * n))))
    documents, terms = [], []
    for _ in range(n_runs):
        rows = np.sort(rng.choice(n, size=size, replace=False))
        seed_run = int(rng.integers(2**31))
        fit = (refit(X[rows], k, seed_run) if refit is not None
               else factorize(X[rows], k, options=options, random_state=seed_run))
        terms.append(match_topics(top_ref, top_term_indices(fit.H, n_top)).mean)
        documents.append(partition_agreement(W[rows], fit.W))
    return Stability(documents=np.asarray(documents), terms=np.asarray(terms))
