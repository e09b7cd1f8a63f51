"""Ensemble NMF: topics that do not hang on one start or one sample of the documents.

Belford, Mac Namee & Greene (2018), "Stability of topic modeling via matrix factorization":

1. ``members`` base fits, each on a random subsample (``SAMPLE`` = half) of the documents
   and with its own seed (seed, seed + 1, ...: the seeds ``restarts`` would use), each
   stopped at the looser tolerance ``MEMBER_TOL`` (a member is one noisy draw among many:
   fitting it to 1e-9 costs three times as much and does not make the consensus steadier);
2. their topics, each row of H cut to its ``STACK_TERMS`` largest weights and scaled to unit
   length, stacked into the sparse M (members * k, n_terms);
3. M factorized into k components, M ~ A H* (nndsvd start: deterministic): A (members * k,
   k) says how much each member topic loads on each recurring topic;
4. the consensus topics: the whole member topics (unit length, not cut) blended by A, A^T
   times them, so every term a member weighs keeps a weight; W solved for all documents
   with them held fixed (as ``transform`` does);
5. with ``refine`` (the default; ``--no-ensemble-refine`` leaves it out), W and H fitted to
   all documents from there (init 'custom') to the solver's own stopping rule: the consensus
   is a start that lands in the same minimum whatever sample the ensemble is given.

Why refine, measured on the Debian descriptions at k=20 (README, "Ensemble NMF"; the three
subsamples of bench_quality.py): the consensus alone took subsample stability from 0.790
(default fit) to 0.916 with NMI 0.331 against 0.333; refined to convergence it reaches 0.932
with NPMI 0.378 and NMI 0.333, the default fit's own minimum on all documents (the default
fit reaches it from its nndsvd start on all documents, but not on every 80% subsample; the
refined consensus does). Refined for 5, 10 or 20 iterations only: 0.930, 0.926, 0.930, NMI
0.332, 0.332, 0.333. At k=50 the refined ensemble measured 0.880 against 0.761, NPMI 0.354
against 0.323, NMI 0.346 against 0.329; on BBC k=5 the default fit's topics exactly. (With an
earlier method, members on 80% samples and H* as the topics, refining gave back part of the
gain, 0.853 -> 0.816.)

Why half-size samples, cut rows and whole-topic blends, measured on the Debian descriptions
at k=20 (README, "Ensemble NMF"): the consensus is only as steady as the share of members
that find each recurring topic, and that share moves with the sample the ensemble is given;
members on smaller samples see more alike data from any one sample, so the shares move less
(0.909 against 0.875 at 40 members on 80% samples). A member topic's tail (thousands of
terms of small weight, 4% of its squared length past its top 100) is noise shared by every
topic: stacking whole rows made M 100 times denser, its factorization slower than all the
members together and stopped at ``max_iter`` unconverged. But the consensus topics
themselves need the tails: H* alone weighs only the members' top terms, so documents
written in other terms got the wrong topic or none (NMI 0.307 against 0.331 blended).
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

SAMPLE = 0.5  # the share of the documents each member is fitted on
MEMBER_TOL = 1e-4  # the members' stopping tolerance (the solver's own when looser)
STACK_TERMS = 30  # the largest weights of each member topic kept in the stack
RECOMMENDED = 40  # members that reach a subsample stability of 0.9 on Debian k=20


def check_members(members):
    """``members`` of an ensemble: 0 (off) or an integer >= 2."""
    if (isinstance(members, bool) or not isinstance(members, int) or members < 0
            or members == 1):
        raise ParameterError(f"ensemble must be 0 (off) or a number of fits >= 2; got {members!r}.")


def member_options(options):
    """The solver options of a member: ``options`` with a tolerance of at least ``MEMBER_TOL``."""
    options = options or SolverOptions()
    return replace(options, tol=max(float(options.tol), MEMBER_TOL))


def cut_rows(H, n_terms=STACK_TERMS):
    """H (k, n_terms) as a sparse matrix whose rows keep their ``n_terms`` largest weights,
    scaled to unit length (an all-zero row stays zero)."""
    H = np.asarray(H, dtype=float)
    keep = min(n_terms, H.shape[1])
    cols = np.argpartition(-H, keep - 1, axis=1)[:, :keep]
    values = np.take_along_axis(H, cols, axis=1)
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    values = values / np.where(norms > 0, norms, 1.0)
    rows = np.repeat(np.arange(H.shape[0]), keep)
    cut = sp.csr_matrix((values.ravel(), (rows, cols.ravel())), shape=H.shape)
    cut.eliminate_zeros()
    return cut


def stacked_topics(X, k, *, members, options=None, seed=0, sample=SAMPLE,
                   n_terms=STACK_TERMS, callback=None):
    """(M, topics, tops): the members' topics, each row of H cut to its ``n_terms`` largest
    weights at unit length (:func:`cut_rows`), stacked into the sparse M (members * k,
    n_terms); the same rows whole at unit length, stacked likewise (sparse: the solver
    leaves exact zeros); and each member's top-10 term indices."""
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    size = min(n, max(k, int(round(sample * n))))
    options = member_options(options)
    blocks, whole, tops = [], [], []
    for i in range(members):
        rows = np.sort(rng.choice(n, size=size, replace=False))
        H = factorize(X[rows], k, options=options, random_state=seed + i, callback=callback).H
        norms = np.linalg.norm(H, axis=1, keepdims=True)
        blocks.append(cut_rows(H, n_terms))
        whole.append(sp.csr_matrix(H / np.where(norms > 0, norms, 1.0)))
        tops.append(top_term_indices(H))
    return sp.vstack(blocks, format="csr"), sp.vstack(whole, format="csr"), tops


def factorize_ensemble(X, k, *, members, options=None, seed=0, sample=SAMPLE, refine=True,
                       callback=None):
    """Ensemble NMF of X (n_documents, n_terms) into k topics from ``members`` fits on
    subsamples (module docstring). Returns (NMFResult of the fit refined from the consensus
    topics, or with ``refine=False`` of the W solve with H the consensus topics (k,
    n_terms); :class:`Consensus`)."""
    check_members(members)
    if members == 0:
        raise ParameterError("ensemble must be >= 2 for an ensemble fit; got 0.")
    M, whole, tops = stacked_topics(X, k, members=members, options=options, seed=seed,
                                    sample=sample, callback=callback)
    A = factorize(M, k, options=options, random_state=seed).W  # M ~ A H*, A (members * k, k)
    H = np.asarray((sp.csr_matrix(A.T) @ whole).todense())  # the whole member topics, blended by A
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
