"""Ensemble NMF (``--ensemble N``) against topicnmf's default fit, side by side in one run.

Per corpus and k, for the default fit and for ``pipeline.fit(..., ensemble=N)``:

- subsample: topic stability as ``benchmarks/bench_quality.py`` measures it (Greene et al.
  2014: ``--runs`` refits on random 80% subsamples, matched to the full fit by the average
  Jaccard of their top-10 terms); the ensemble is refitted as an ensemble (N fits on
  subsamples of each subsample), so the number is the stability of the method a user runs.
- documents: the documents' agreement of the same refits (adjusted Rand index of the
  dominant topics; what the sweep recommends by).
- NPMI (top 10 terms, scored as bench_quality.py does: topicnmf's tokens, nothing removed),
  NMI against the labels, and the seconds of one fit.

    python benchmarks/bench_ensemble.py                              # Debian k=20 and 50, N=40
    python benchmarks/bench_ensemble.py --cases bbc:5 --members 10 --runs 3
    python benchmarks/bench_ensemble.py --cases debian:20 --docs 5000  # a random 5,000
    python benchmarks/bench_ensemble.py --cases bbc:5 --no-refine     # --no-ensemble-refine
    python benchmarks/bench_ensemble.py --cases debian:50 --noise      # what varies (below)

``--noise`` splits the subsample stability into its two sources, for the default fit and the
ensemble, on the same 80% subsamples:

- ceiling: each subsample refitted to convergence from the full fit's own start (the default
  fit's W and H; the ensemble's consensus topics, before its refit): what a method that fits
  the data, as both do, loses to the documents left out alone, however steady its start;
- seeds: the full fit against the same method on all documents with another seed (the
  default fit: seed 1 of its randomized-SVD start; the ensemble: seed N, so that no member is
  shared), matched the same way: what the method loses to its own randomness, sample aside;
- apart: topics matched below 0.5 in that comparison (topics found by one and not the other).
"""

import argparse
import functools
import time
from dataclasses import replace

import numpy as np

from _corpora import load, topicnmf_reference
from topicnmf import evaluate, pipeline
from topicnmf.corpus import from_texts
from topicnmf.ensemble import RECOMMENDED, factorize_ensemble
from topicnmf.evaluate import match_topics, top_term_indices
from topicnmf.nmf import factorize
from topicnmf.stability import subsample_stability

N_TOP = 10


def _ensemble(X, k, seed, *, members, options, refine):
    """The ensemble refitted on a subsample: the method itself, as a user runs it."""
    return factorize_ensemble(X, k, members=members, options=options, seed=seed, refine=refine)[0]


def measure(texts, labels, k, members, runs, refine=True):
    """{system: (subsample, documents, NPMI, NMI, seconds)} for the default and the ensemble."""
    corpus = from_texts(texts, labels=labels)
    R, index = topicnmf_reference(texts)
    out = {}
    ensemble = f"topicnmf --ensemble {members}" + ("" if refine else " --no-ensemble-refine")
    for name, n in (("topicnmf", 0), (ensemble, members)):
        start = time.perf_counter()
        result = pipeline.fit(corpus, n_topics=k, ensemble=n, ensemble_refine=refine)
        seconds = time.perf_counter() - start
        X, options = result.dtm.X, result.config.nmf
        refit = None if not n else functools.partial(_ensemble, members=n, options=options,
                                                     refine=refine)
        stability = subsample_stability(X, result.topics.W, result.topics.H, n_runs=runs,
                                        n_top=N_TOP, options=options, refit=refit)
        top = evaluate.top_term_indices(result.topics.H, N_TOP)
        top_ref = np.array([[index[result.dtm.terms[j]] for j in row] for row in top])
        out[name] = (stability.term_mean, stability.document_mean,
                     float(evaluate.npmi(R, top_ref).mean()), result.evaluation.labels.nmi, seconds)
    return out


def noise(X, k, members, options, runs):
    """{system: (subsample, ceiling, seeds, apart)} for the default fit and the ensemble of X."""
    out = {}
    for name, n in (("topicnmf", 0), (f"topicnmf --ensemble {members}", members)):
        if n:  # the consensus topics (and W solved with them), then the refit = the ensemble
            start = factorize_ensemble(X, k, members=n, options=options, seed=0, refine=False)[0]
            method = functools.partial(_ensemble, members=n, options=options, refine=True)
        else:
            start = factorize(X, k, options=options, random_state=0)
            method = lambda X_sub, k, seed: factorize(X_sub, k, options=options, random_state=seed)  # noqa: E731
        refit = replace(options, init="custom")
        full = factorize(X, k, options=refit, W=start.W, H=start.H) if n else start
        measured = subsample_stability(X, full.W, full.H, n_runs=runs, n_top=N_TOP, options=options,
                                       refit=method)
        ceiling = subsample_stability(  # the subsample's W solved with the start's H, then refitted
            X, full.W, full.H, n_runs=runs, n_top=N_TOP, options=options,
            refit=lambda X_sub, k, seed: factorize(
                X_sub, k, options=refit, H=start.H,
                W=factorize(X_sub, k, options=options, H=start.H, update_H=False).W))
        other = method(X, k, n or 1)
        seeds = match_topics(top_term_indices(full.H, N_TOP), top_term_indices(other.H, N_TOP))
        out[name] = (measured.term_mean, ceiling.term_mean, seeds.mean,
                     int((seeds.agreement < 0.5).sum()))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["debian:20", "debian:50"], metavar="CORPUS:K")
    parser.add_argument("--members", type=int, default=RECOMMENDED,
                        help=f"fits in the ensemble (default {RECOMMENDED})")
    parser.add_argument("--runs", type=int, default=3, help="subsample refits for stability")
    parser.add_argument("--no-refine", action="store_true",
                        help="the bare consensus, without its refit (--no-ensemble-refine)")
    parser.add_argument("--docs", type=int, default=None, help="a random sample of this many documents")
    parser.add_argument("--noise", action="store_true",
                        help="split the stability into its sources (ceiling, seeds; module docstring)")
    args = parser.parse_args(argv)
    if args.noise:
        print("| corpus | k | system | subsample | ceiling | seeds | apart |")
        print("|---|---|---|---|---|---|---|")
    else:
        print("| corpus | k | system | subsample | documents | NPMI | NMI | seconds |")
        print("|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        name, k = case.split(":")
        texts, labels = load(name)
        if args.docs is not None and args.docs < len(texts):
            rows = np.sort(np.random.default_rng(0).choice(len(texts), args.docs, replace=False))
            texts, labels = [texts[i] for i in rows], [labels[i] for i in rows]
        label = f"{name}{'' if args.docs is None else f' ({len(texts)})'}"
        if args.noise:
            result = pipeline.fit(from_texts(texts, labels=labels), n_topics=int(k))
            for system, (sub, ceiling, seeds, apart) in noise(result.dtm.X, int(k), args.members,
                                                              result.config.nmf, args.runs).items():
                print(f"| {label} | {k} | {system} | {sub:.3f} | {ceiling:.3f} | {seeds:.3f} | {apart} |",
                      flush=True)
            continue
        for system, (sub, docs, npmi, nmi, seconds) in measure(texts, labels, int(k), args.members,
                                                               args.runs, not args.no_refine).items():
            print(f"| {name}{'' if args.docs is None else f' ({len(texts)})'} | {k} | {system} | "
                  f"{sub:.3f} | {docs:.3f} | {npmi:.3f} | {nmi:.3f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
