"""Topic quality: topicnmf's defaults against scikit-learn's TfidfVectorizer + NMF and
LatentDirichletAllocation, side by side in one run.

For each corpus and k it prints, per system:

- NPMI: mean NPMI coherence of each topic's top 10 terms, from document co-occurrence in the
  corpus itself. Every system is scored in its own tokenization with nothing removed (its
  token pattern, no stop words, no document-frequency cut), so a top term such as "said" that
  one system leaves in is scored, not silently dropped. For scikit-learn NMF on BBC k=5 this
  reproduces the issue's numbers (NPMI 0.297, diversity 0.94, NMI 0.776).
- diversity: share of distinct terms among all top-10 lists.
- NMI / AMI: dominant topic against the corpus labels (all documents).
- seeds: mean matched top-10 agreement (Hungarian matching, average Jaccard) between every
  two of ``--seeds`` fits from random starts (random init for the NMFs, random_state for
  LDA). topicnmf's default start (nndsvd) is deterministic: reruns give identical topics.
- subsample: Greene et al. (2014) stability, refits on ``--runs`` random 80% subsamples
  matched to the full fit.
- seconds: wall time of one default fit, vectorizing included (topicnmf warmed up first, so
  the one-off compilation of its kernels is not counted).

    python benchmarks/bench_quality.py                        # BBC k=5, Debian k=20 and 50
    python benchmarks/bench_quality.py --cases bbc:5 --seeds 10 --runs 5
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from _corpora import load, topicnmf_reference
from topicnmf import evaluate, pipeline
from topicnmf.corpus import from_texts
from topicnmf.nmf import factorize

N_TOP = 10




def seed_agreement(tops):
    A = evaluate.pairwise_agreement(tops)
    return float(A[np.triu_indices(len(tops), 1)].mean()) if len(tops) > 1 else 1.0


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def run_topicnmf(texts, labels, k, seeds, runs):
    corpus = from_texts(texts, labels=labels)
    start = time.perf_counter()
    result = pipeline.fit(corpus, n_topics=k)
    seconds = time.perf_counter() - start
    X = result.dtm.X
    top = evaluate.top_term_indices(result.topics.H, N_TOP)
    seed_tops = [evaluate.top_term_indices(factorize(X, k, init="random", random_state=s).H, N_TOP)
                 for s in range(seeds)]
    _, subsample = evaluate.stability(X, result.topics.H, n_runs=runs, options=result.config.nmf)
    R, index = topicnmf_reference(texts)
    top_ref = np.array([[index[result.dtm.terms[j]] for j in row] for row in top])
    dominant = result.topics.doc_topics["dominant_topic"].tolist()
    return R, top_ref, dominant, seed_agreement(seed_tops), subsample, seconds


def run_sklearn(texts, k, seeds, runs, kind):
    if kind == "nmf":
        vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.95)

        def make(seed=0, init="nndsvda"):
            return SkNMF(k, init=init, random_state=seed)
    else:
        vec = CountVectorizer(stop_words="english", min_df=2, max_df=0.95)

        def make(seed=0, init=None):
            return LatentDirichletAllocation(k, learning_method="batch", random_state=seed, n_jobs=1)
    start = time.perf_counter()
    X = vec.fit_transform(texts)
    model = quiet(make().fit, X)
    W = model.transform(X)
    seconds = time.perf_counter() - start
    top = evaluate.top_term_indices(model.components_, N_TOP)
    seed_tops = [evaluate.top_term_indices(quiet(make(s, "random").fit, X).components_, N_TOP)
                 for s in range(seeds)]
    rng = np.random.default_rng(0)
    subsample = []
    for _ in range(runs):
        rows = np.sort(rng.choice(X.shape[0], size=int(0.8 * X.shape[0]), replace=False))
        refit = evaluate.top_term_indices(quiet(make().fit, X[rows]).components_, N_TOP)
        subsample.append(evaluate.match_topics(top, refit).mean)
    # reference: scikit-learn's own token pattern with nothing removed
    reference = CountVectorizer(binary=True)
    R = reference.fit_transform(texts)
    terms = vec.get_feature_names_out()
    top_ref = np.array([[reference.vocabulary_[terms[j]] for j in row] for row in top])
    return R, top_ref, list(W.argmax(axis=1) + 1), seed_agreement(seed_tops), float(np.mean(subsample)), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["bbc:5", "debian:20", "debian:50"], metavar="CORPUS:K")
    parser.add_argument("--seeds", type=int, default=10, help="random starts for seed agreement")
    parser.add_argument("--runs", type=int, default=3, help="subsample refits for stability")
    parser.add_argument("--lda-seeds", type=int, default=None,
                        help="random starts for LDA (default: --seeds; LDA takes minutes a fit on Debian)")
    parser.add_argument("--lda-runs", type=int, default=None, help="subsample refits for LDA (default: --runs)")
    parser.add_argument("--systems", nargs="+", default=["topicnmf", "sklearn NMF", "sklearn LDA"],
                        choices=["topicnmf", "sklearn NMF", "sklearn LDA"], metavar="NAME",
                        help="systems to run (default: all three)")
    args = parser.parse_args(argv)
    lda_seeds = args.seeds if args.lda_seeds is None else args.lda_seeds
    lda_runs = args.runs if args.lda_runs is None else args.lda_runs
    factorize(sp.random(30, 20, density=0.3, format="csr", random_state=0), 2)  # compile the kernels
    print("| corpus | k | system | NPMI | diversity | NMI | AMI | seeds | subsample | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        name, k = case.split(":")
        k = int(k)
        texts, labels = load(name)
        systems = {
            "topicnmf": lambda: run_topicnmf(texts, labels, k, args.seeds, args.runs),  # noqa: B023
            "sklearn NMF": lambda: run_sklearn(texts, k, args.seeds, args.runs, "nmf"),  # noqa: B023
            "sklearn LDA": lambda: run_sklearn(texts, k, lda_seeds, lda_runs, "lda"),  # noqa: B023
        }
        for label in args.systems:
            R, top, dominant, seeds, subsample, seconds = systems[label]()
            agreement = evaluate.label_agreement(dominant, labels)
            print(f"| {name} | {k} | {label} | {evaluate.npmi(R, top).mean():.3f} | "
                  f"{evaluate.diversity(top):.2f} | {agreement.nmi:.3f} | {agreement.ami:.3f} | "
                  f"{seeds:.2f} | {subsample:.2f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
