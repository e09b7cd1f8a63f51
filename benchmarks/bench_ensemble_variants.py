"""Consensus variants for ``--ensemble`` screened on the same members (issue 11, Debian k=50).

Each variant forms the consensus topics another way from the same cached member fits, then
does what ``topicnmf.ensemble.factorize_ensemble`` does with them (W solved for all documents
with them fixed, W and H refitted to convergence). Printed per variant, on all documents and
on bench_quality.py's three 80% subsamples (the same rows and seeds as
``topicnmf.stability.subsample_stability``; on each subsample the members are fitted on half
of the subsample, as the method does, so every number is the method's own):

- subsample: the refitted consensus on each subsample matched to the one on all documents
  (top-10 average Jaccard, as bench_quality.py); bare: the same for the consensus topics
  before the W solve and refit;
- NPMI (top 10 terms, scored as bench_quality.py does) and NMI against the labels of the
  consensus refitted on all documents.

Variants (``VARIANTS``): ``stack`` the method (the stack of members' top-30 rows factorized at
rank k, the whole member topics blended by the loadings), optionally at a higher ``rank``
merged down to k by average-linkage clustering of the components; ``cluster``: the member
topics (top-30 rows, cosine) clustered by agglomerative ``linkage`` into ``clusters`` groups,
the k groups with the most members' support kept (ties: by the group's top terms), each the
sum of its whole member topics; ``errors``: the stack factorized from 4 starts (nndsvd and 3
random), each consensus refitted on the documents, the lowest reconstruction error kept. The
members are fitted with ``kp`` topics (``k`` unless named; issue 11's idea (a): more topics
than k per member). Members are cached under ``--cache`` (one .npz per member), so a rerun
only forms consensuses.

    python benchmarks/bench_ensemble_variants.py                       # Debian k=50, N=40, all
    python benchmarks/bench_ensemble_variants.py --variants stack cluster --docs 10000

Screening differences under 0.03 are noise (three subsamples; one topic kept or dropped moves
the number by 0.05). Results: README, "Ensemble NMF", "At k=50".
"""

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform

from _corpora import load, topicnmf_reference
from bench_quality import sample
from topicnmf import evaluate, pipeline
from topicnmf.corpus import from_texts
from topicnmf.ensemble import SAMPLE, cut_rows, member_options
from topicnmf.evaluate import match_topics, top_term_indices
from topicnmf.nmf import factorize
from topicnmf.topics import balance, dominant_topics

N_TOP = 10


def unit(H):
    norms = np.linalg.norm(H, axis=1, keepdims=True)
    return H / np.where(norms > 0, norms, 1.0)


def members(X, kp, n, seed, options, cache):
    """The n member topic matrices (kp, n_terms) of an ensemble of X with ``seed``: the rows
    and seeds of ``topicnmf.ensemble.stacked_topics``, fitted once and cached."""
    rng = np.random.default_rng(seed)
    size = min(X.shape[0], max(kp, int(round(SAMPLE * X.shape[0]))))
    out = []
    for i in range(n):
        rows = np.sort(rng.choice(X.shape[0], size=size, replace=False))
        path = cache / f"member_k{kp}_s{seed}_{i}.npz"
        if not path.exists():
            sp.save_npz(path, sp.csr_matrix(factorize(X[rows], kp, options=member_options(options),
                                                      random_state=seed + i).H))
        out.append(sp.load_npz(path).toarray())
    return out


def groups(M, k, how="average"):
    """Agglomerative clustering (``how`` linkage, cosine) of the unit rows of the sparse M
    into k groups (an all-zero row is at distance 1 from every other)."""
    D = np.clip(1 - (M @ M.T).toarray(), 0, 1)
    np.fill_diagonal(D, 0)
    Z = linkage(squareform((D + D.T) / 2, checks=False), method=how)
    n = len(D)
    label = np.arange(2 * n - 1)
    for step, (a, b) in enumerate(Z[: n - k, :2].astype(int)):  # the first n - k merges
        label[label == label[a]] = n + step
        label[label == label[b]] = n + step
        label[n + step] = n + step
    return np.unique(label[:n], return_inverse=True)[1]


def merge(H, k):
    """The rows of H summed in k groups: average-linkage clustering of their top-30 unit rows."""
    found = groups(cut_rows(H), k)
    return np.array([H[found == g].sum(axis=0) for g in range(k)])


def stack(Hs, k, X, options, seed, rank=None):
    M = sp.vstack([cut_rows(H) for H in Hs], format="csr")
    whole = sp.csr_matrix(np.vstack([unit(H) for H in Hs]))
    A = factorize(M, rank or k, options=options, random_state=seed).W
    H = np.asarray((sp.csr_matrix(A.T) @ whole).todense())
    return merge(H, k) if rank and rank > k else H


def cluster(Hs, k, X, options, seed, clusters=None, how="average"):
    found = groups(sp.vstack([cut_rows(H) for H in Hs], format="csr"), clusters or k, how)
    member = np.repeat(np.arange(len(Hs)), Hs[0].shape[0])
    whole = np.vstack([unit(H) for H in Hs])
    support = [len(set(member[found == g])) for g in range(found.max() + 1)]
    centres = np.array([whole[found == g].sum(axis=0) for g in range(found.max() + 1)])
    order = sorted(range(len(centres)), key=lambda g: (-support[g], tuple(np.argsort(-centres[g])[:N_TOP])))
    return centres[order[:k]]


def refit(X, k, H, options):
    result = factorize(X, k, options=options, H=H, update_H=False)
    return factorize(X, k, options=replace(options, init="custom"), W=result.W, H=H)


def errors(Hs, k, X, options, seed, starts=4):
    """The stack from ``starts`` starts, each consensus refitted on X: the lowest error's."""
    M = sp.vstack([cut_rows(H) for H in Hs], format="csr")
    whole = sp.csr_matrix(np.vstack([unit(H) for H in Hs]))
    fits = []
    for r in range(starts):
        A = factorize(M, k, options=options, random_state=seed + r, **({"init": "random"} if r else {})).W
        fits.append(refit(X, k, np.asarray((sp.csr_matrix(A.T) @ whole).todense()), options))
    return min(fits, key=lambda f: f.reconstruction_err)


# (label, consensus, kp as a multiple of k, keyword arguments)
VARIANTS = {
    "stack": [("stack NMF at rank k (the method)", stack, 1, {}),
              ("stack NMF at rank 1.2k, merged to k", stack, 1, {"rank": 1.2}),
              ("members at 1.5k, stack NMF at rank k", stack, 1.5, {}),
              ("members at 1.5k, stack NMF at rank 1.5k, merged to k", stack, 1.5, {"rank": 1.5}),
              ("members at 2k, stack NMF at rank k", stack, 2, {}),
              ("members at 2k, stack NMF at rank 2k, merged to k", stack, 2, {"rank": 2.0})],
    "cluster": [("clusters (average linkage) into k", cluster, 1, {}),
                ("clusters (complete linkage) into k", cluster, 1, {"how": "complete"}),
                ("clusters into 1.2k, the k with most support", cluster, 1, {"clusters": 1.2}),
                ("members at 1.5k, clusters into k", cluster, 1.5, {}),
                ("members at 2k, clusters into k", cluster, 2, {})],
    "errors": [("stack from 4 starts, lowest refitted error kept", errors, 1, {})],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["debian:50"], metavar="CORPUS:K")
    parser.add_argument("--members", type=int, default=40, metavar="N")
    parser.add_argument("--runs", type=int, default=3, help="80%% subsamples")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--docs", type=int, default=None, metavar="N", help="a random N of the documents")
    parser.add_argument("--cache", default="/tmp/topicnmf-ensemble-members", help="member cache folder")
    args = parser.parse_args(argv)
    print("| corpus | k | variant | subsample | bare | NPMI | NMI | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        name, k = case.split(":")
        k = int(k)
        texts, labels = sample(*load(name), args.docs)  # (bench_quality.py's --docs sample)
        result = pipeline.fit(from_texts(texts, labels=labels), n_topics=k)
        X, options = result.dtm.X, result.config.nmf
        R, index = topicnmf_reference(texts)
        cache = Path(args.cache) / f"{name}_{len(texts)}"
        cache.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)  # the subsamples of subsample_stability (seed 0)
        contexts = [(X, 0)]
        for _ in range(args.runs):
            rows = np.sort(rng.choice(X.shape[0], size=int(round(0.8 * X.shape[0])), replace=False))
            contexts.append((X[rows], int(rng.integers(2**31))))
        for label, consensus, kp, kwargs in [v for key in args.variants for v in VARIANTS[key]]:
            kwargs = {key: (int(round(v * k)) if isinstance(v, float) else v) for key, v in kwargs.items()}
            start = time.perf_counter()
            tops, bare = [], []
            for i, (Xc, seed) in enumerate(contexts):
                sub = cache / f"context{i}"
                sub.mkdir(exist_ok=True)
                Hs = members(Xc, int(round(kp * k)), args.members, seed, options, sub)
                H = consensus(Hs, k, Xc, options, seed, **kwargs)
                fit = H if not isinstance(H, np.ndarray) else refit(Xc, k, H, options)
                bare.append(top_term_indices(H, N_TOP) if isinstance(H, np.ndarray) else None)
                tops.append(top_term_indices(fit.H, N_TOP))
                if i == 0:
                    full = fit
            stability = np.mean([match_topics(tops[0], t).mean for t in tops[1:]])
            unfit = ("-" if bare[0] is None
                     else f"{np.mean([match_topics(bare[0], b).mean for b in bare[1:]]):.3f}")
            top_ref = np.array([[index[result.dtm.terms[j]] for j in row] for row in tops[0]])
            W, _ = balance(full.W, full.H)
            nmi = evaluate.label_agreement(dominant_topics(W).tolist(), labels).nmi
            print(f"| {name} | {k} | {label} | {stability:.3f} | {unfit} | {evaluate.npmi(R, top_ref).mean():.3f} | "
                  f"{nmi:.3f} | {time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
