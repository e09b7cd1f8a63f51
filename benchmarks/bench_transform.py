"""topicnmf's NMF.transform against scikit-learn's on the same X and the same H.

H comes from a scikit-learn fit on the first 20,000 rows; both estimators then transform all
rows with that H held fixed (topicnmf's components_ set to it). Prints median wall seconds
(the systems alternating, a pause before each) and the relative error ||X - W H|| / ||X||
of each W.

    python benchmarks/bench_transform.py                       # synthetic, 100k rows, k=20
    python benchmarks/bench_transform.py --rows 100000 --k 20 50
    python benchmarks/bench_transform.py --pypi /path/to/pypi.tsv --rows 100000
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF as SkNMF
from sklearn.exceptions import ConvergenceWarning

from bench_matrix_set import pypi_summaries, synthetic, tfidf
from topicnmf import NMF


def relative_error(X, W, H, norm):
    cross = float(np.sum(np.asarray(X @ H.T) * W))
    square = float(np.sum((W.T @ W) * (H @ H.T)))
    return np.sqrt(max(norm**2 - 2 * cross + square, 0.0)) / norm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--k", nargs="+", type=int, default=[20])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pypi", help="TSV of package summaries (column 'summary')")
    args = parser.parse_args(argv)

    X = tfidf(pypi_summaries(args.pypi)[:args.rows]) if args.pypi else synthetic(args.rows)
    norm = np.sqrt(float(X.multiply(X).sum()))
    print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros\n")
    print("| k | topicnmf s | rel. error | sklearn s | rel. error | speed |")
    print("|---|---|---|---|---|---|")
    warnings.simplefilter("ignore", ConvergenceWarning)
    for k in args.k:
        theirs = SkNMF(k, random_state=0, max_iter=100).fit(X[:20000])
        ours = NMF(k, init="random").fit(X[:1000])  # then given scikit-learn's H
        ours.components_ = theirs.components_.copy()
        ours.transform(X[:100])  # kernels loaded
        times = {"topicnmf": [], "sklearn": []}
        W = {}
        for rep in range(args.repeat):
            for name, model in ([("topicnmf", ours), ("sklearn", theirs)][:: 1 if rep % 2 == 0 else -1]):
                time.sleep(0.5)
                start = time.perf_counter()
                W[name] = model.transform(X)
                times[name].append(time.perf_counter() - start)
        t_o, t_s = statistics.median(times["topicnmf"]), statistics.median(times["sklearn"])
        H = theirs.components_
        e_o, e_s = relative_error(X, W["topicnmf"], H, norm), relative_error(X, W["sklearn"], H, norm)
        print(f"| {k} | {t_o:.3f} | {e_o:.7f} | {t_s:.3f} | {e_s:.7f} | {t_s / t_o:.1f}x |")


if __name__ == "__main__":
    main()
