"""Choosing the number of topics: fit each k on one TF-IDF matrix, score it, recommend one.

Scores per k: stability (Greene et al. 2014: agreement of the top terms of refits on
document subsamples, matched with the Hungarian algorithm), mean NPMI coherence, topic
diversity, relative reconstruction error, and NMI/AMI against labels when the documents
carry them.
"""

import logging
from dataclasses import dataclass

import pandas as pd

from . import evaluate
from .config import RunConfig
from .errors import ParameterError
from .nmf import factorize
from .topics import balance, dominant_topics

log = logging.getLogger("topicnmf")

STABILITY_MARGIN = 0.05  # k within this of the most stable count as stable
COHERENCE_MARGIN = 0.10  # and within this fraction of the best NPMI among those as coherent
# Under this best stability no k is stable and the recommendation says so. Measured best
# stability over k=3..15: BBC 0.89, Lee news 0.79, State of the Union 0.77, and 0.62 on the
# Wikipedia sample (106 articles on unrelated subjects: no topic structure to find).
LOW_STABILITY = 0.7


@dataclass(frozen=True)
class SweepResult:
    """scores: DataFrame, one row per k; recommended: the k chosen; reason: why, in words;
    parameters: the TF-IDF and factorization settings used (recorded in sweep.json)."""

    scores: pd.DataFrame
    recommended: int
    reason: str
    parameters: dict


def recommend(scores, empty=None):
    """The k to use, and why: the largest k that is both stable (stability within 0.05 of
    the best) and coherent (mean NPMI within 10% of the best among the stable ones): the most
    detailed model the corpus supports. Measured on BBC news (recommends its 5 sections) and
    the bundled corpus (its 6 subjects); Lee news 3:15 -> 7, State of the Union -> 5. When
    even the best stability is under 0.7 the reason carries a caution. A k whose fit left
    topics empty (``empty``: k -> how many) is never recommended while another k has none."""
    empty = {k: n for k, n in (empty or {}).items() if n}
    left_out = scores["k"].isin(list(empty))
    if left_out.any() and not left_out.all():
        scores = scores[~left_out]
    best = scores["stability"].max()
    stable = scores[scores["stability"] >= best - STABILITY_MARGIN]
    top_npmi = stable["npmi"].max()
    coherent = stable[stable["npmi"] >= top_npmi - COHERENCE_MARGIN * abs(top_npmi)]
    chosen = coherent.sort_values("k").iloc[-1]
    k = int(chosen["k"])
    others = ", ".join(str(int(x)) for x in stable["k"] if int(x) != k)
    reason = (
        f"k={k}: the most topics that are both stable (stability {chosen['stability']:.2f}, "
        f"best {best:.2f}) and coherent (NPMI {chosen['npmi']:.3f}, best of the stable "
        f"{top_npmi:.3f})" + (f"; also stable: {others}" if others else "") + "."
    )
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
    documents, for NMI/AMI)."""
    n, m = dtm.shape
    ks = [k for k in ks if k <= min(n, m)]
    if not ks:
        raise ParameterError(f"no k in topic_range fits a corpus of {n} documents and {m} terms.")
    rows, empty = [], {}
    for i, k in enumerate(ks):
        fit = factorize(dtm.X, k, options=config.nmf, random_state=config.seed)
        empty[k] = int((~(fit.H > 0).any(axis=1) | ~(fit.W > 0).any(axis=0)).sum())
        top = evaluate.top_term_indices(fit.H, config.top_terms)
        _, stability = evaluate.stability(dtm.X, fit.H, n_runs=config.sweep_runs, sample=sample,
                                          seed=config.seed, n_top=config.top_terms, options=config.nmf)
        row = {
            "k": k,
            "stability": stability,
            "npmi": float(evaluate.npmi(dtm.X, top).mean()),
            "umass": float(evaluate.umass(dtm.X, top).mean()),
            "diversity": evaluate.diversity(top),
            "relative_error": fit.reconstruction_err / dtm.norm,
        }
        if labels is not None:
            agreement = evaluate.label_agreement(list(dominant_topics(balance(fit.W, fit.H)[0])), labels)
            if agreement is not None:
                row["nmi"], row["ami"] = agreement.nmi, agreement.ami
        rows.append(row)
        log.info("k=%d: stability %.3f, NPMI %.3f, diversity %.2f", k, row["stability"],
                 row["npmi"], row["diversity"])
        if progress is not None:
            progress(i + 1, len(ks))
    scores = pd.DataFrame(rows)
    k, reason = recommend(scores, empty)
    scores["recommended"] = scores["k"] == k
    parameters = config.parameters(k, dtm.options)
    return SweepResult(scores=scores, recommended=k, reason=reason,
                       parameters={"nmf": parameters["nmf"], "vectorize": parameters["vectorize"]})
