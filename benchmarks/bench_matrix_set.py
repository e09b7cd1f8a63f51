"""topicnmf's NMF against scikit-learn's 'cd' over a set of matrices, k values and starts.

The set (issue 13): every shared corpus, the bundled one, and synthetic text-like matrices
of 10k to 1M rows, each at k in {5, 10, 20, 50, 100}, from three starts:
  own       each with its own defaults (init=None: both 'nndsvda', each computed its own
            way; topicnmf draws scikit-learn's sketch for the same seed, so the same start
            up to rounding), the start's time included
  nndsvda   scikit-learn's 'nndsvda' W, H handed to both as init='custom'
  SEED      a seeded random start (scikit-learn's init='random'), handed to both
Every other setting is each side's default (scikit-learn: tol=1e-4, max_iter=200). Per cell
it prints wall seconds, iterations and final relative error ||X - WH|| / ||X|| of both,
the error ratio (topicnmf / scikit-learn), the iteration ratio, the speed ratio
(scikit-learn's seconds / topicnmf's) and whether topicnmf ended at an error <=
scikit-learn's (to 1e-6 relative); then the median and lowest speed ratio and the cells
that ended worse. ``--per-iteration`` adds seconds per iteration against the
memory-bandwidth floor (the bytes one iteration must stream: X twice, the factors read and
written).

Matrices (TfidfVectorizer(min_df=5, max_df=0.5, stop_words='english', sublinear_tf=True),
min_df=2 for the small bundled corpus):
  bundled   corpora/field-guides (this repository)
  bbc, debian, lee, wiki   ../shared/corpora
  sotu, inaugural   ../shared/corpora, the addresses cut into passages of five sentences
            (the files have no paragraph breaks)
  synth:N   a synthetic text-like matrix of N rows (below)
  pypi      the `summary` column of a package list, given by --pypi PATH (~800k rows)

    python benchmarks/bench_matrix_set.py              # the whole set (hours under load)
    python benchmarks/bench_matrix_set.py --quick      # a subset: minutes
    python benchmarks/bench_matrix_set.py --matrices lee bbc --k 20 --starts own 1
    python benchmarks/bench_matrix_set.py --matrices debian --k 20 --dtype float32

Timings on a shared machine move with the other load: the systems alternate within each
cell and each timed fit starts after a pause.
"""

import argparse
import csv
import re
import statistics
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from _corpora import CORPORA, load
from _per_iteration import bandwidth, floor_seconds
from topicnmf import NMF

SHARED = {"lee": "lee-background.jsonl.gz", "wiki": "enwiki-sample.jsonl.gz",
          "sotu": "state-of-the-union.jsonl.gz", "inaugural": "inaugural-addresses.jsonl.gz"}
PASSAGES = ("sotu", "inaugural")  # addresses cut into passages of five sentences
FULL = dict(matrices=["bundled", "lee", "wiki", "inaugural", "bbc", "sotu", "debian",
                      "synth:10000", "synth:100000", "synth:1000000"],
            k=[5, 10, 20, 50, 100], starts=["own", "1", "2"])
QUICK = dict(matrices=["bundled", "lee", "bbc", "synth:10000"], k=[5, 20, 50], starts=["own", "1"])
PAUSE = 0.5


def tfidf(texts, min_df=5):
    vectorizer = TfidfVectorizer(min_df=min_df, max_df=0.5, stop_words="english", sublinear_tf=True)
    return vectorizer.fit_transform(texts).tocsr()


def shared_texts(name):
    import gzip
    import json

    path = CORPORA / SHARED[name]
    if not path.exists():
        sys.exit(f"{path} is absent: the benchmark needs ../shared/corpora beside the repository.")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    if name in PASSAGES:  # passages of five sentences
        passages = []
        for text in texts:
            sentences = re.split(r"(?<=[.!?])\s+", text)
            passages += [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
        texts = [p for p in passages if len(p.split()) >= 10]
    return texts


def pypi_summaries(path):
    csv.field_size_limit(2**30)
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        return [row["summary"] for row in reader if row.get("summary")]


def synthetic(n, seed=0, m=None, topics=50, alpha=0.1, mean_length=40):
    """A text-like TF-IDF matrix of n rows: m = 20 n^0.5 columns (Heaps-like), column
    frequencies falling as a power law (Zipf, exponent 1.1) within each of ``topics``
    topics over a shuffled vocabulary, each row a Dirichlet(alpha) mix of topics and a
    lognormal length around ``mean_length`` tokens; then sublinear TF-IDF, rows unit norm.
    """
    rng = np.random.default_rng(seed)
    m = m or int(20 * n ** 0.5)
    ranks = np.arange(1, m + 1) ** -1.1
    topic_words = np.stack([rng.permutation(ranks) for _ in range(topics)])
    topic_words /= topic_words.sum(axis=1, keepdims=True)
    cum = np.cumsum(topic_words, axis=1)
    lengths = np.maximum(3, rng.lognormal(np.log(mean_length), 0.6, n).astype(int))
    rows, cols = [], []
    for start in range(0, n, 20000):  # 20k rows at a time, every token drawn at once
        stop = min(n, start + 20000)
        mix = np.cumsum(rng.dirichlet(np.full(topics, alpha), stop - start), axis=1)
        doc = np.repeat(np.arange(start, stop), lengths[start:stop])
        z = np.minimum((mix[doc - start] < rng.random(doc.size)[:, None]).sum(axis=1), topics - 1)
        words = np.empty(doc.size, dtype=np.int64)
        u = rng.random(doc.size)
        for t in range(topics):
            at = np.flatnonzero(z == t)
            words[at] = np.searchsorted(cum[t], u[at])
        rows.append(doc)
        cols.append(np.minimum(words, m - 1))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, m))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=m)
    keep = np.flatnonzero((df >= 5) & (df <= 0.5 * n))
    counts = counts[:, keep].tocsr()
    idf = np.log((1 + n) / (1 + df[keep])) + 1
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts = sp.diags(1 / np.maximum(norms, 1e-300)) @ counts
    counts = counts[norms > 0]
    return counts.tocsr()


def matrix(name, pypi=None):
    if name == "bundled":
        from pathlib import Path

        root = Path(__file__).resolve().parents[1] / "corpora" / "field-guides"
        return tfidf([p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.txt"))], 2)
    if name in ("bbc", "debian"):
        return tfidf(load(name)[0])
    if name in SHARED:
        return tfidf(shared_texts(name))
    if name.startswith("synth:"):
        return synthetic(int(name.split(":")[1]))
    if name == "pypi":
        if pypi is None:
            sys.exit("the pypi matrix needs --pypi PATH (a TSV with a 'summary' column)")
        return tfidf(pypi_summaries(pypi))
    sys.exit(f"unknown matrix {name!r}")


def timed_fit(model, X, W0, H0):
    time.sleep(PAUSE)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if W0 is None:
            model.fit(X)
        else:
            model.fit(X, W=W0.copy(), H=H0.copy())
    return time.perf_counter() - start, model


def cell(X, k, start, repeat, max_iter_sklearn=200):
    """Both systems on one (X, k, start); medians over ``repeat`` alternating runs."""
    norm = np.sqrt(float(X.multiply(X).sum()))
    if start == "own":
        W0 = H0 = None
        init = None
    else:
        init = "custom"
        if start == "nndsvda":
            W0, H0 = _initialize_nmf(X, k, init="nndsvda", random_state=0)
        else:
            W0, H0 = _initialize_nmf(X, k, init="random", random_state=int(start))
        W0, H0 = W0.astype(X.dtype), H0.astype(X.dtype)
    makers = {
        "topicnmf": lambda: NMF(k, init=init, random_state=0),
        "sklearn": lambda: SkNMF(k, init=init, solver="cd", random_state=0,
                                 max_iter=max_iter_sklearn),
    }
    runs = {name: [] for name in makers}
    for rep in range(repeat):
        order = list(makers) if rep % 2 == 0 else list(makers)[::-1]
        for name in order:
            seconds, model = timed_fit(makers[name](), X, W0, H0)
            runs[name].append((seconds, model.n_iter_, model.reconstruction_err_ / norm))
    return {name: (statistics.median(r[0] for r in v), v[0][1], v[0][2]) for name, v in runs.items()}


def per_iteration(X, k, W0, H0):
    """Median seconds per iteration of topicnmf (plain HALS, 20 iterations) and sklearn cd
    (10 iterations), from the same start."""
    ours = NMF(k, init="custom", tol=0, max_iter=20)
    t_ours, _ = timed_fit(ours, X, W0, H0)
    theirs = SkNMF(k, init="custom", solver="cd", tol=0, max_iter=10)
    t_theirs, _ = timed_fit(theirs, X, W0, H0)
    return t_ours / 20, t_theirs / 10


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"a subset: {' '.join(QUICK['matrices'])}; k {QUICK['k']}; starts {QUICK['starts']}")
    parser.add_argument("--matrices", nargs="+", help=f"default: {' '.join(FULL['matrices'])}")
    parser.add_argument("--k", nargs="+", type=int, help=f"default: {FULL['k']}")
    parser.add_argument("--starts", nargs="+",
                        help="'own' (each its defaults), 'nndsvda' (scikit-learn's, shared), a seed "
                             f"(a shared random start); default: {FULL['starts']}")
    parser.add_argument("--own-defaults", action="store_true", help="same as --starts own")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pypi", help="TSV of package summaries (column 'summary')")
    parser.add_argument("--per-iteration", action="store_true",
                        help="also time seconds per iteration against the bandwidth floor")
    args = parser.parse_args(argv)
    chosen = QUICK if args.quick else FULL
    matrices = args.matrices or chosen["matrices"]
    ks = args.k or chosen["k"]
    starts = ["own"] if args.own_defaults else (args.starts or chosen["starts"])

    warm = sp.random(60, 40, density=0.3, random_state=0, format="csr", dtype=args.dtype)
    NMF(3, random_state=0, max_iter=5).fit(warm)  # compile or load the kernels the fits use
    rows, iteration_rows, worse, ratios, iter_ratios = [], [], [], [], []
    bw = bandwidth() if args.per_iteration else None
    for name in matrices:
        X = matrix(name, args.pypi).astype(args.dtype)
        print(f"# {name}: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros", file=sys.stderr, flush=True)
        for k in ks:
            if k > min(X.shape):
                continue
            for start in starts:
                r = cell(X, k, start, args.repeat)
                (t_o, i_o, e_o), (t_s, i_s, e_s) = r["topicnmf"], r["sklearn"]
                ok = e_o <= e_s * (1 + 1e-6)
                ratio = t_s / t_o
                ratios.append(ratio)
                iter_ratios.append(i_s / i_o)
                if not ok:
                    worse.append(f"{name} k={k} start={start}: {e_o:.7f} vs {e_s:.7f}")
                row = (name, X.shape[0], k, start, f"{t_o:.2f}", i_o, f"{e_o:.7f}", f"{t_s:.2f}",
                       i_s, f"{e_s:.7f}", f"{e_o / e_s - 1:+.1e}", f"{i_s / i_o:.1f}x",
                       f"{ratio:.1f}x", "yes" if ok else "WORSE")
                rows.append(row)
                print("#   " + " ".join(str(c) for c in row), file=sys.stderr, flush=True)
            if args.per_iteration:
                W0, H0 = _initialize_nmf(X, k, init="nndsvda", random_state=0)
                s_o, s_s = per_iteration(X, k, W0.astype(X.dtype), H0.astype(X.dtype))
                f = floor_seconds(X, k, bw)
                iteration_rows.append((name, k, f"{s_o * 1e3:.1f}", f"{s_s * 1e3:.1f}",
                                       f"{f * 1e3:.1f}", f"{s_o / f:.1f}x"))

    header = ("matrix", "rows", "k", "start", "topicnmf s", "iter", "rel. error", "sklearn cd s",
              "iter", "rel. error", "error ratio - 1", "iteration ratio", "speed",
              "error <= sklearn")
    print(f"dtype {args.dtype}; repetitions {args.repeat}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    if ratios:
        print(f"\ncells: {len(ratios)}; speed ratio median {statistics.median(ratios):.1f}x, "
              f"lowest {min(ratios):.1f}x; iteration ratio median "
              f"{statistics.median(iter_ratios):.1f}x; cells ending at a worse error: {len(worse)}")
        for line in worse:
            print(f"- {line}")
    if iteration_rows:
        print(f"\nbandwidth (copy): {bw / 1e9:.1f} GB/s\n")
        print("| matrix | k | topicnmf ms/iter | sklearn cd ms/iter | floor ms | topicnmf / floor |")
        print("|---|---|---|---|---|---|")
        for row in iteration_rows:
            print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
