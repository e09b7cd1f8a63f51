"""Ensemble NMF: topics that do not hang on one start or one sample of the documents.

Belford, Mac Namee & Greene (2018), "Stability of topic modeling via matrix factorization":

1. ``members`` base fits, each on a random subsample (``SAMPLE`` = 80%) of the documents
   and with its own seed (seed, seed + 1, ...: the seeds ``restarts`` would use);
2. their topics, the rows of each H scaled to unit length, stacked into
   M (members * k, n_terms);
3. M factorized into k consensus topics, M ~ A H* (nndsvd start: deterministic), so each
   consensus topic is a nonnegative blend of the member topics that recur;
4. W solved for all documents with H* held fixed (as ``transform`` does);
5. with ``refine`` (``--ensemble-refine``), W and H fitted to all documents from there
   (init 'custom') to the solver's own stopping rule. Measured (README, "Ensemble NMF"):
   it keeps BBC k=5 as stable as the default fit, but gives back part of the gain on the
   Debian descriptions, where the fit drifts from the consensus to a nearby minimum that
   depends on the sample; so it is off by default.

The result is recorded as a :class:`~topicnmf.evaluate.Consensus` with ``method='ensemble'``:
how well the members' topics agree with the consensus topics (``agreement``) and with each
other (``mean_agreement``), both the matched top-term agreement that ``--restarts`` reports.
"""

import logging
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from .errors import ParameterError
from .evaluate import Consensus, match_topics, pairwise_agreement, top_term_indices
from .nmf import SolverOptions, factorize

log = logging.getLogger("topicnmf")

SAMPLE = 0.8  # the share of the documents each member is fitted on


def check_members(members):
    """``members`` of an ensemble: 0 (off) or an integer >= 2."""
    if (isinstance(members, bool) or not isinstance(members, int) or members < 0
            or members == 1):
        raise ParameterError(f"ensemble must be 0 (off) or a number of fits >= 2; got {members!r}.")


def stacked_topics(X, k, *, members, options=None, seed=0, sample=SAMPLE, callback=None):
    """(M, tops): the members' topics, each row of H at unit length, stacked into the
    sparse M (members * k, n_terms), and each member's top-10 term indices."""
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    size = min(n, max(k, int(round(sample * n))))
    blocks, tops = [], []
    for i in range(members):
        rows = np.sort(rng.choice(n, size=size, replace=False))
        H = factorize(X[rows], k, options=options, random_state=seed + i, callback=callback).H
        norms = np.linalg.norm(H, axis=1, keepdims=True)
        blocks.append(sp.csr_matrix(H / np.where(norms > 0, norms, 1.0)))
        tops.append(top_term_indices(H))
    return sp.vstack(blocks, format="csr"), tops


def factorize_ensemble(X, k, *, members, options=None, seed=0, sample=SAMPLE, refine=False,
                       callback=None):
    """Ensemble NMF of X (n_documents, n_terms) into k topics from ``members`` fits on
    subsamples (module docstring). Returns (NMFResult of the final W solve, with H the
    consensus topics (k, n_terms); :class:`Consensus`)."""
    check_members(members)
    if members == 0:
        raise ParameterError("ensemble must be >= 2 for an ensemble fit; got 0.")
    M, tops = stacked_topics(X, k, members=members, options=options, seed=seed, sample=sample,
                             callback=callback)
    H = factorize(M, k, options=options, random_state=seed).H  # M ~ A H*
    result = factorize(X, k, options=options, H=H, update_H=False, callback=callback)
    if refine:
        result = factorize(X, k, options=replace(options or SolverOptions(), init="custom"),
                           W=result.W, H=H, callback=callback)
    top = top_term_indices(result.H)
    agreement = float(np.mean([match_topics(top, t).mean for t in tops]))
    among = pairwise_agreement(tops)
    mean = float((among.sum() - members) / (members * (members - 1)))
    log.info("ensemble of %d fits on %.0f%% subsamples: members agree with the consensus "
             "topics %.3f, with each other %.3f", members, 100 * sample, agreement, mean)
    return result, Consensus(runs=members, chosen_seed=None, agreement=agreement,
                             mean_agreement=mean, method="ensemble")
