"""Choosing the number of topics: fit each k on one TF-IDF matrix, score it, recommend one.

Scores per k: stability (agreement of the documents' dominant topics in refits on document
subsamples with the full fit, adjusted Rand index, with its bootstrap interval over the
refits), term stability (Greene et al. 2014: agreement of the refits' top terms, matched with
the Hungarian algorithm; see ``stability.py`` for why the sweep does not recommend by it),
mean NPMI coherence, topic diversity, relative reconstruction error, and NMI/AMI against
labels when the documents carry them. With ``n_topics='auto'`` a recommendation at the top
of the range extends the range (``EXTEND``); the reason says so, and says when it stopped. The
default range (``topic_range='auto'``: ``config.auto_range``) grows with the corpus (3:12 up
to about 2,800 documents; 15:42:3 for Debian's 57,343), and the reason says so too.
"""

import logging
from dataclasses import dataclass

import pandas as pd

from . import evaluate
from .config import AUTO_RANGE, DOCUMENTS_PER_TOPIC_SQUARED, RunConfig, auto_range
from .errors import ParameterError
from .nmf import factorize
from .stability import refits, subsample_stability
from .topics import balance, dominant_topics

log = logging.getLogger("topicnmf")

CLOSE = 0.02  # counts within this of the most stable are named beside it
# Under this best stability no k is stable and the recommendation says so (measured in
# README, "Choosing the number of topics").
LOW_STABILITY = 0.7
# With n_topics='auto', a best k at the top of topic_range adds this many more counts (at
# the range's step), at most EXTENSIONS times.
EXTEND = 3
EXTENSIONS = 2


@dataclass(frozen=True)
class SweepResult:
    """scores: DataFrame, one row per k; recommended: the k chosen; reason: why, in words;
    parameters: the TF-IDF and factorization settings used (recorded in sweep.json)."""

    scores: pd.DataFrame
    recommended: int
    reason: str
    parameters: dict


def measure(n_documents):
    """The stability a sweep recommends by for a corpus of ``n_documents``: 'stability' (the
    documents' agreement) while the default range is 3:12, 'term_stability' for a larger
    corpus (``config.auto_range`` past 3): its topics are estimated from thousands of
    documents, so their top terms are well estimated, while the dominant topic of its many
    mixed documents flips between close topics (Debian at 15-42: documents 0.29-0.58, terms
    0.76-0.84; README, "Choosing the number of topics")."""
    return "term_stability" if auto_range(n_documents)[0] > AUTO_RANGE[0] else "stability"


def recommend(scores, empty=None, by="stability"):
    """The k to use, and why: the most stable k (Greene et al. 2014 take the peak of their
    stability; ties go to the larger k), with the counts within 0.02 of it named as close
    behind. Measured on planted subjects (README, "Choosing the number of topics"): the
    bundled corpus and its subsets of 3 to 6 subjects, BBC news and its subsets of 3 and 4
    sections. When even the best stability is under 0.7 the reason carries a caution. A k
    whose fit left topics empty (``empty``: k -> how many) is never recommended while
    another k has none."""
    empty = {k: n for k, n in (empty or {}).items() if n}
    left_out = scores["k"].isin(list(empty))
    if left_out.any() and not left_out.all():
        scores = scores[~left_out]
    chosen = scores.sort_values([by, "k"]).iloc[-1]
    k, best = int(chosen["k"]), chosen[by]
    interval = (f", 90% interval {chosen['stability_low']:.2f}-{chosen['stability_high']:.2f}"
                if "stability_low" in scores.columns and by == "stability" else "")
    close = ", ".join(f"{int(r['k'])} ({r[by]:.2f})" for _, r in scores.iterrows()
                      if int(r["k"]) != k and r[by] >= best - CLOSE)
    what = "stability" if by == "stability" else "by its topics' top terms (term stability"
    reason = (f"k={k}: the most stable count {'(' if by == 'stability' else ''}{what} {best:.2f}{interval}; "
              f"NPMI {chosen['npmi']:.3f})" + (f"; close behind: {close}" if close else "") + ".")
    if empty:
        listed = ", ".join(f"{k} ({n} empty)" for k, n in sorted(empty.items()))
        reason += (f" Not considered: k={listed}: the corpus supports fewer distinct topics."
                   if left_out.any() and not left_out.all() else
                   f" Every k left topics empty ({listed}): the corpus supports fewer topics.")
    if best < LOW_STABILITY:
        reason += (f" Caution: no k is stable (best {best:.2f} < {LOW_STABILITY}); the topics change "
                   "with the documents sampled, so treat them as exploratory (more documents, "
                   "or a narrower collection, give firmer topics).")
    return k, reason


def score_counts(dtm, ks, config=RunConfig(), *, labels=None, sample=0.8, progress=None):
    """Fit every k in ``ks`` to the TF-IDF matrix ``dtm`` and score it (``config``: the
    factorization, seed, ``sweep_runs`` and ``top_terms``; ``labels``: known labels of the
    documents, for NMI/AMI; ``progress(done, k)`` after each k). With ``config.n_topics ==
    'auto'`` a recommended k at the top of ``ks`` extends them (up to ``EXTENSIONS`` times
    ``EXTEND`` counts) and the reason says so."""
    n, m = dtm.shape
    fits = [k for k in ks if k <= min(n, m)]
    if not fits:
        raise ParameterError(f"no k in topic_range fits a corpus of {n} documents and {m} terms.")
    step = ks[1] - ks[0] if len(ks) > 1 else 1  # the range's step, for extending it
    runs = refits(n, config.sweep_runs)
    rows, empty = [], {}

    def score(more):
        for x in more:
            rows.append(_score(dtm, x, config, labels, sample, runs, empty))
            if progress is not None:
                progress(len(rows), x)
        scores = pd.DataFrame(rows)
        return (scores, *recommend(scores, empty, by=measure(n)))

    scores, k, reason = score(fits)
    last = fits[-1]
    for _ in range(EXTENSIONS if config.n_topics == "auto" else 0):
        more = [x for x in range(last + step, last + step * (EXTEND + 1), step)
                if x <= min(max(2, n // 2), m)]  # (at most a topic per two documents, as 'auto')
        if k != int(scores["k"].max()) or not more:
            break
        log.info("k=%d, the top of the range, is the best so far: trying %s too",
                 k, ", ".join(map(str, more)))
        scores, k, reason = score(more)
        last = more[-1]
    if last > fits[-1]:
        reason += f" The range ended at k={fits[-1]}, the best there; extended to {last}."
    if config.topic_range == "auto" and fits[0] > AUTO_RANGE[0]:
        reason += (f" The counts tried, {fits[0]}:{fits[-1]}:{step}, are the default range for {n:,} "
                   f"documents (from sqrt(n / {DOCUMENTS_PER_TOPIC_SQUARED}): a larger corpus is read at finer topics; "
                   "set topic_range for others).")
    if k == last and last + step <= min(max(2, n // 2), m):
        reason += (f" k={k} is the largest count tried: a larger one may be better; try "
                   f"topic_range {k}:{2 * k}, past it.")
    scores["recommended"] = scores["k"] == k
    parameters = config.parameters(k, dtm.options)
    return SweepResult(scores=scores, recommended=k, reason=reason,
                       parameters={"nmf": parameters["nmf"], "vectorize": parameters["vectorize"],
                                   "refits": runs})


def _score(dtm, k, config, labels, sample, runs, empty):
    """One row of the sweep's table: the scores of k (``empty[k]``: its empty topics)."""
    fit = factorize(dtm.X, k, options=config.nmf, random_state=config.seed)
    empty[k] = int((~(fit.H > 0).any(axis=1) | ~(fit.W > 0).any(axis=0)).sum())
    top = evaluate.top_term_indices(fit.H, config.top_terms)
    stability = subsample_stability(dtm.X, fit.W, fit.H, n_runs=runs, sample=sample,
                                    seed=config.seed, n_top=config.top_terms, options=config.nmf)
    low, high = stability.interval(seed=config.seed)
    row = {
        "k": k,
        "stability": stability.document_mean,
        "stability_low": low,
        "stability_high": high,
        "term_stability": stability.term_mean,
        "npmi": float(evaluate.npmi(dtm.X, top).mean()),
        "umass": float(evaluate.umass(dtm.X, top).mean()),
        "diversity": evaluate.diversity(top),
        "relative_error": fit.reconstruction_err / dtm.norm,
    }
    if labels is not None:
        agreement = evaluate.label_agreement(list(dominant_topics(balance(fit.W, fit.H)[0])), labels)
        if agreement is not None:
            row["nmi"], row["ami"] = agreement.nmi, agreement.ami
    log.info("k=%d: stability %.3f [%.3f, %.3f], term stability %.3f, NPMI %.3f", k,
             row["stability"], low, high, row["term_stability"], row["npmi"])
    return row
