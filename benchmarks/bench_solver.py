"""topicnmf's NMF against scikit-learn's, side by side in one run.

Builds the TF-IDF matrices of the Debian package descriptions and the BBC news corpus
from ../shared/corpora, and with a ``pypi:K`` case the first 200,000 summaries of a package
list (--pypi-tsv; short documents, where the HALS sweeps outweigh the sparse products)
(TfidfVectorizer(min_df=5, max_df=0.5, stop_words='english', sublinear_tf=True)). For each
(matrix, k):

1. Solver, same init: scikit-learn's own 'nndsvda' initial W, H (seed 0) are handed to
   topicnmf.NMF and to sklearn.decomposition.NMF ('cd' and 'mu') as init='custom'; every
   other setting is each side's default. The systems alternate over the repetitions.
   Table: wall time (median), iterations, final relative error ||X - WH|| / ||X||, peak
   memory (tracemalloc, a separate untimed fit; in brackets as a multiple of X (CSR) +
   W + H + one n x k array) and the speed ratio against scikit-learn 'cd', given only when
   topicnmf's error is equal or better. Each timed fit starts after a 0.5 s pause (see fit).
2. Initialization: 'nndsvda' computed by topicnmf and by scikit-learn (median time).
3. With --per-iteration (instead of 1 and 2): milliseconds per iteration in float64 and
   float32 X (factors in X's dtype) against the memory-bandwidth floor, topicnmf's plain
   HALS iteration (``extrapolate=False``, the median of ITERS iterations' times) beside
   scikit-learn cd's (its fit time over its iterations), and where topicnmf's time goes
   (each product and sweep of the fast engine timed alone, median of 5); then whole default
   fits of float64 and float32 X from the same start: time, iterations, error, and the share
   of topics whose top-10 terms stay the same.

    python benchmarks/bench_solver.py                 # all cases, 3 repetitions
    python benchmarks/bench_solver.py --cases bbc:10 --repeat 5
    python benchmarks/bench_solver.py --per-iteration --cases debian:20 debian:100
    python benchmarks/bench_solver.py --per-iteration --cases pypi:50 \
        --pypi-tsv /work/.library/env/packages/pypi.tsv       # --pypi-rows 50000: quicker
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from _corpora import load, pypi_texts
from topicnmf import NMF

DEFAULT_CASES = ["debian:20", "debian:100", "bbc:10"]


def tfidf(name, pypi_tsv=None, pypi_rows=200_000):
    texts = pypi_texts(pypi_tsv, pypi_rows) if name == "pypi" else load(name)[0]
    vectorizer = TfidfVectorizer(min_df=5, max_df=0.5, stop_words="english", sublinear_tf=True)
    return vectorizer.fit_transform(texts).tocsr()


def systems(k):
    return {
        "topicnmf": lambda: NMF(k, init="custom"),
        "sklearn cd": lambda: SkNMF(k, init="custom", solver="cd"),
        "sklearn mu": lambda: SkNMF(k, init="custom", solver="mu"),
    }


PAUSE = 0.5  # seconds between fits, see fit()


def fit(make, X, W0, H0):
    """Time one fit. Before it, a pause lets the previous fit's idle worker threads (OpenBLAS
    and OpenMP spin-wait a while after each call) go to sleep, so that no system is timed
    while another's threads still spin on the second core."""
    model = make()
    time.sleep(PAUSE)
    W, H = W0.copy(), H0.copy()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, W=W, H=H)
    return time.perf_counter() - start, model


def peak_memory(make, X, W0, H0):
    """Peak bytes allocated during one fit (the caller's initial W, H made beforehand)."""
    model = make()
    W, H = W0.copy(), H0.copy()
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, W=W, H=H)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def init_times(X, k, repeat):
    """Median seconds of 'nndsvda' by topicnmf and by scikit-learn, alternating."""
    from threadpoolctl import threadpool_limits

    from topicnmf.nmf._init import initialize

    ours, theirs = [], []
    for rep in range(repeat):
        start = time.perf_counter()
        with threadpool_limits(limits=1, user_api="blas"):
            initialize(X, k, "nndsvda", np.random.default_rng(rep))
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        _initialize_nmf(X, k, init="nndsvda", random_state=rep)
        theirs.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(theirs)


def matrix_bytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=DEFAULT_CASES, metavar="CORPUS:K")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory fits")
    parser.add_argument("--per-iteration", action="store_true",
                        help="time one iteration against the bandwidth floor (see above)")
    parser.add_argument("--pypi-tsv", default=os.environ.get("TOPICNMF_PYPI_TSV"),
                        help="package list with a 'summary' column, for the pypi:K cases")
    parser.add_argument("--pypi-rows", type=int, default=200_000,
                        help="how many summaries the pypi:K cases take (default 200000)")
    args = parser.parse_args(argv)

    def matrix(name):
        return tfidf(name, args.pypi_tsv, args.pypi_rows)

    if args.per_iteration:
        from _per_iteration import per_iteration_tables

        print(per_iteration_tables([(c.split(":")[0], int(c.split(":")[1])) for c in args.cases],
                                   matrix, args.repeat))
        return

    NMF(2, init="random", max_iter=2).fit(np.random.default_rng(0).random((40, 30)))  # load kernels
    matrices = {}
    rows, init_rows = [], []
    for case in args.cases:
        name, k = case.split(":")
        k = int(k)
        if name not in matrices:
            matrices[name] = matrix(name)
        X = matrices[name]
        norm = np.sqrt(X.multiply(X).sum())
        n, m = X.shape
        print(f"# {name}: {n} x {m}, {X.nnz} nonzeros, k={k}", file=sys.stderr, flush=True)
        W0, H0 = _initialize_nmf(X, k, init="nndsvda", random_state=0)
        runs = {label: [] for label in systems(k)}
        for rep in range(args.repeat):
            order = list(systems(k).items())
            order = order[rep % len(order):] + order[:rep % len(order)]  # alternate who goes first
            for label, make in order:
                seconds, model = fit(make, X, W0, H0)
                runs[label].append((seconds, model.n_iter_, model.reconstruction_err_ / norm))
                print(f"#   {label}: {seconds:.2f}s", file=sys.stderr, flush=True)
        baseline_bytes = matrix_bytes(X) + 8 * (2 * n * k + k * m)
        results = {}
        for label, make in systems(k).items():
            times = [r[0] for r in runs[label]]
            peak = None if args.no_memory else peak_memory(make, X, W0, H0)
            results[label] = (statistics.median(times), runs[label][0][1], runs[label][0][2], peak)
        t_cd, _, err_cd, _ = results["sklearn cd"]
        for label, (seconds, iters, err, peak) in results.items():
            if label == "sklearn cd":
                ratio = "1.0"
            elif err <= err_cd:
                ratio = f"{t_cd / seconds:.1f}x"
            else:
                ratio = f"({t_cd / seconds:.1f}x, worse error)"
            mem = "-" if peak is None else f"{peak / 2**20:.0f} MiB ({peak / baseline_bytes:.2f})"
            rows.append((name, k, label, f"{seconds:.2f}", iters, f"{err:.6f}", mem, ratio))
        ours, theirs = init_times(X, k, args.repeat)
        init_rows.append((name, k, f"{ours:.2f}", f"{theirs:.2f}", f"{theirs / ours:.1f}x"))

    header = ("corpus", "k", "solver", "wall s (median)", "iterations", "rel. error",
              "peak memory (x baseline)", "speed vs sklearn cd")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print(f"\nrepetitions: {args.repeat}; baseline memory = X (CSR) + W + H + one n x k array\n")
    print("| corpus | k | topicnmf nndsvda s | sklearn nndsvda s | speed |")
    print("|---|---|---|---|---|")
    for row in init_rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
