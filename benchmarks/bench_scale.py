"""topicnmf at scale: ~794k package summaries (and a 10x corpus), against scikit-learn.

The corpus is made at benchmark time from a package list (a TSV with a ``summary`` column,
e.g. ``/work/.library/env/packages/pypi.tsv``): every summary of 3 or more words, one
document per row, written as CSV into a scratch folder (never committed). ``--scale 10``
repeats each summary 10 times with one word replaced by a random word of another summary.
The path comes from ``--pypi-tsv`` or the environment variable TOPICNMF_PYPI_TSV; without
it the benchmark says so and exits cleanly.

Each system runs in its own process (so peak RSS is its own) on the same CSV:

- ``memory``: ``topicnmf run`` in memory (``max_memory`` set high);
- ``disk``: out of core with ``--max-memory 1GB`` (X as partitions on disk);
- ``workers``: in memory with ``--workers 2`` (a local Dask cluster, its start included:
  TF-IDF passes and the fit on the workers);
- ``sklearn-cd``: the CSV read with the csv module, ``TfidfVectorizer(min_df=2, max_df=0.95,
  stop_words='english', sublinear_tf=True)`` + ``NMF(k, init='nndsvd', solver='cd')``;
- ``sklearn-mb``: the same matrix + ``MiniBatchNMF(k, init='nndsvd')``;
- ``sklearn-same``: topicnmf's own TF-IDF matrix (read and prepared by ``pipeline``, in the
  dtype of the row) fitted by scikit-learn's ``NMF(k, init='nndsvd', solver='cd')``: the
  relative error of scikit-learn cd on the same matrix as topicnmf's.

``--dtypes float64,float32`` runs each topicnmf system (and ``sklearn-same``) once per dtype
(``--dtype``; default: ``auto``, the pipeline's choice), in turn, and prints the float32 row
against the float64 row of the same system: time, fit, peak RSS, error, and the share of
topics whose top-10 terms stay the same (topics paired one to one by shared top terms).

Printed: the analyzer's documents per second on one core (and NLTK's RegexpTokenizer alone),
then per system the wall time per stage (read, tokenize, vectorize, fit, report), end to end, peak
RSS of the process (and of its worker processes), relative error ||X - WH|| / ||X|| on each
system's own matrix, and ratios against scikit-learn cd.

    python benchmarks/bench_scale.py --pypi-tsv /work/.library/env/packages/pypi.tsv
    python benchmarks/bench_scale.py --systems memory,sklearn-cd --limit 100000
    python benchmarks/bench_scale.py --scale 10 --systems disk --max-memory 2GB \
        --corpus-csv /tmp/summaries-10x.csv   # made once, kept for the next run
    python benchmarks/bench_scale.py --systems memory,disk --dtypes float64,float32   # float32 vs float64
"""

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SYSTEMS = ("memory", "disk", "workers", "sklearn-cd", "sklearn-mb", "sklearn-same")
TOPICNMF_SYSTEMS = ("memory", "disk", "workers", "sklearn-same")  # those with a dtype axis
ROOT = Path(__file__).resolve().parents[1]


def make_corpus(tsv, out, scale=1, limit=None, seed=0):
    """Write the summaries of 3+ words (each ``scale`` times, varied) as out (id,text CSV)."""
    csv.field_size_limit(2**31 - 1)
    summaries = []
    with open(tsv, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        column = next(reader).index("summary")
        for row in reader:
            if len(row) > column and len(row[column].split()) >= 3:
                summaries.append(" ".join(row[column].split()))
                if limit and len(summaries) >= limit:
                    break
    rng = np.random.default_rng(seed)
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "text"])
        for i, text in enumerate(summaries):
            writer.writerow([f"p{i}", text])
        for copy in range(1, scale):
            donors = rng.integers(len(summaries), size=len(summaries))
            for i, text in enumerate(summaries):
                words = text.split()
                other = summaries[donors[i]].split()
                words[rng.integers(len(words))] = other[rng.integers(len(other))]
                writer.writerow([f"p{i}-{copy}", " ".join(words)])
    return len(summaries) * scale


class Clock:
    """A Progress that records how long each stage ran."""

    def __init__(self):
        self.seconds, self._current = {}, None

    def start(self, stage, total=None):
        self._current = (stage, time.perf_counter())

    def advance(self, n=1, **info):
        pass

    def finish(self):
        stage, start = self._current
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


def run_topicnmf(corpus, k, system, scratch, max_memory="1GB", dtype="auto"):
    from topicnmf import pipeline
    from topicnmf.report import render, write_files
    from topicnmf.vectorize import VectorizeOptions

    clock = Clock()
    profiles = _dask_profiles() if system == "workers" else []
    start = time.perf_counter()
    done = pipeline.run(corpus, n_topics=k, progress=clock, formats=("csv", "json", "md", "html"),
                        max_memory=max_memory if system == "disk" else "1TB",
                        workers=2 if system == "workers" else None,
                        vectorize=VectorizeOptions(dtype=dtype))
    t = done.result.timings
    report = time.perf_counter()
    write_files(render(done.result, ("csv", "json", "md", "html")), Path(scratch) / f"out-{system}",
                model=done.model)
    stages = {"read": clock.seconds.get("read", 0.0), "tokenize": clock.seconds.get("tokenize", 0.0),
              "vectorize": t.get("vectorize", 0.0), "fit": t["factorize"],
              "topics": t.get("topics", 0.0) + t.get("evaluate", 0.0),
              "report": time.perf_counter() - report}
    if system == "disk":  # read, tokenize and vectorize are one streamed stage
        stages["vectorize"] = t["vectorize"]
    extra = {"dtype": done.result.dtm.options.dtype, "iterations": done.result.fit.n_iter,
             "top": _top_terms(done.result.topics.H, done.result.dtm.terms)}
    if profiles:  # the Dask fit's iterations: where their time went (_dask_steps.DaskSteps)
        extra["dask"] = {k: v for k, v in profiles[-1].items() if k != "same_H"}
    return stages, time.perf_counter() - start, done.result.fit.relative_error, done.result.dtm.shape, extra


def _dask_profiles():
    """A list that gets each Dask fit's profile (``DaskSteps.profile``) of this process."""
    from topicnmf.nmf import _dask_steps

    profiles, made = [], _dask_steps.DaskSteps.result

    def result(self):
        answer = made(self)
        profiles.append(self.profile)
        return answer

    _dask_steps.DaskSteps.result = result
    return profiles


def _top_terms(H, terms, n=10):
    return [[terms[j] for j in np.argsort(-np.asarray(h), kind="stable")[:n]] for h in H]


def run_sklearn_same(corpus, k, dtype):
    """scikit-learn NMF cd on topicnmf's own X (pipeline.read + prepare, in ``dtype``)."""
    import warnings

    from sklearn.decomposition import NMF

    from topicnmf import pipeline
    from topicnmf.vectorize import VectorizeOptions

    start = time.perf_counter()
    config = pipeline.configure(vectorize=VectorizeOptions(dtype=dtype))
    corpus = pipeline.read(corpus, config)
    read = time.perf_counter()
    dtm = pipeline.prepare(corpus, config).dtm
    vectorize = time.perf_counter()
    model = NMF(k, init="nndsvd", solver="cd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W = model.fit_transform(dtm.X)
    fit = time.perf_counter()
    stages = {"read": read - start, "tokenize": 0.0, "vectorize": vectorize - read, "fit": fit - vectorize,
              "topics": 0.0, "report": 0.0}
    extra = {"dtype": str(dtm.X.dtype), "iterations": int(model.n_iter_),
             "top": _top_terms(model.components_, dtm.terms)}
    return stages, fit - start, _error(dtm.X, W, model.components_), dtm.shape, extra


def _error(X, W, H):
    """||X - W H||_F / ||X||_F from X's nonzeros, accumulated in float64."""
    X = X.astype(np.float64)
    W, H = W.astype(np.float64), H.astype(np.float64)
    squared = (float(X.data @ X.data) - 2 * float(np.vdot(np.asarray(X @ H.T), W))
               + float(np.vdot(W.T @ W, H @ H.T)))
    return float(np.sqrt(max(squared, 0.0))) / float(np.sqrt(X.data @ X.data))


def run_sklearn(corpus, k, system):
    import warnings

    from sklearn.decomposition import NMF, MiniBatchNMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    start = time.perf_counter()
    with open(corpus, encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    read = time.perf_counter()
    X = TfidfVectorizer(min_df=2, max_df=0.95, stop_words="english", sublinear_tf=True).fit_transform(texts)
    vectorize = time.perf_counter()
    model = (NMF(k, init="nndsvd", solver="cd") if system == "sklearn-cd"
             else MiniBatchNMF(k, init="nndsvd", random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W = model.fit_transform(X)
    fit = time.perf_counter()
    error = _error(X, W, model.components_)
    stages = {"read": read - start, "tokenize": 0.0, "vectorize": vectorize - read, "fit": fit - vectorize,
              "topics": 0.0, "report": 0.0}
    return stages, fit - start, error, X.shape, {"iterations": int(getattr(model, "n_iter_", 0))}


def tokenizing_rate(corpus, n=200_000):
    """The analyzer's documents per second on one core, against NLTK's RegexpTokenizer alone
    (the tokenizer inside it), on the first ``n`` documents."""
    from nltk.tokenize import RegexpTokenizer

    from topicnmf.chunk_terms import ChunkTerms
    from topicnmf.preprocess import TOKEN_PATTERN, Analyzer

    with open(corpus, encoding="utf-8", newline="") as f:
        texts = [row["text"] for _, row in zip(range(n), csv.DictReader(f))]
    analyzer, nltk_tokenizer = Analyzer(), RegexpTokenizer(TOKEN_PATTERN)
    start = time.perf_counter()
    for text in texts:
        analyzer(text)
    ours = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    for text in texts:
        nltk_tokenizer.tokenize(text.lower())
    theirs = len(texts) / (time.perf_counter() - start)
    chunks = ChunkTerms(Analyzer())  # what the passes use: chunks of 20,000, compiled, counted
    chunks.count(texts[:100])  # (its kernels loaded)
    start = time.perf_counter()
    for i in range(0, len(texts), 20_000):
        chunks.count(texts[i:i + 20_000])
    chunked = len(texts) / (time.perf_counter() - start)
    return (f"analyzer: {ours:,.0f} documents/s on one core (clean, NFKC, tokens, stop words), by chunk "
            f"(chunk_terms, the terms counted too) {chunked:,.0f}/s; NLTK RegexpTokenizer alone: {theirs:,.0f}/s")


def child(args):
    if args.child == "sklearn-same":
        stages, wall, error, shape, extra = run_sklearn_same(args.corpus, args.k, args.dtypes)
    elif args.child.startswith("sklearn"):
        stages, wall, error, shape, extra = run_sklearn(args.corpus, args.k, args.child)
    else:
        stages, wall, error, shape, extra = run_topicnmf(args.corpus, args.k, args.child, args.scratch,
                                                         args.max_memory, args.dtypes)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"stages": stages, "wall": wall, "error": error, "shape": shape,
                      "rss": rss, "workers_rss": workers, **extra}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pypi-tsv", default=os.environ.get("TOPICNMF_PYPI_TSV"))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="first N summaries only")
    parser.add_argument("--max-memory", default="1GB", help="the budget of the 'disk' system (default 1GB)")
    parser.add_argument("--dtypes", default="auto",
                        help="comma-separated dtypes for topicnmf's systems and sklearn-same, each "
                             "run in turn: auto, float64, float32 (default: auto)")
    parser.add_argument("--corpus-csv", default=None,
                        help="use this corpus (made by an earlier run, kept) instead of making one")
    parser.add_argument("--scratch", default=None, help="folder for the corpus and outputs (removed)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    have_corpus = args.corpus_csv and Path(args.corpus_csv).exists()
    if not have_corpus and (not args.pypi_tsv or not Path(args.pypi_tsv).exists()):
        print("bench_scale: no package list (give --pypi-tsv PATH or set TOPICNMF_PYPI_TSV); skipped.")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.scratch))
    try:
        corpus = Path(args.corpus_csv) if args.corpus_csv else scratch / "summaries.csv"
        start = time.perf_counter()
        if args.corpus_csv and corpus.exists():
            with open(corpus, "rb") as f:
                n = sum(block.count(b"\n") for block in iter(lambda: f.read(2**24), b"")) - 1
        else:
            n = make_corpus(args.pypi_tsv, corpus, args.scale, args.limit)
        print(f"corpus: {n:,} documents, {corpus.stat().st_size / 2**20:.0f} MB CSV, made in "
              f"{time.perf_counter() - start:.1f} s; k={args.k}, {os.cpu_count()} cores")
        print(tokenizing_rate(corpus), flush=True)
        rows = {}
        for system in args.systems.split(","):
            dtypes = args.dtypes.split(",") if system in TOPICNMF_SYSTEMS else ["auto"]
            for dtype in dtypes:
                name = system if len(dtypes) == 1 else f"{system}/{dtype}"
                command = [sys.executable, __file__, "--child", system, "--corpus", str(corpus),
                           "--k", str(args.k), "--scratch", str(scratch), "--max-memory", args.max_memory,
                           "--dtypes", dtype]
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                                      env={**os.environ, "PYTHONPATH": str(ROOT)})
                if done.returncode:
                    print(f"{name}: failed\n{done.stderr[-2000:]}")
                    continue
                rows[name] = json.loads(done.stdout.strip().splitlines()[-1])
                _print_row(name, rows[name])
        _print_ratios(rows)
        _print_dtypes(rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _print_row(system, row):
    s = row["stages"]
    per_document = 1e6 * row["wall"] / max(row["shape"][0], 1)
    print(f"{system:11s} total {row['wall']:6.1f} s ({per_document:.0f} us/document) | read {s['read']:5.1f} tokenize {s['tokenize']:5.1f} "
          f"vectorize {s['vectorize']:5.1f} fit {s['fit']:6.1f} topics {s['topics']:5.1f} "
          f"report {s['report']:5.1f} | peak RSS {row['rss'] / 2**30:.2f} GiB"
          f" (workers {row['workers_rss'] / 2**30:.2f}) | rel. error {row['error']:.6f} | "
          f"{row.get('iterations', '?')} iterations | X {row['shape'][0]:,} x {row['shape'][1]:,}"
          f"{' ' + row['dtype'] if 'dtype' in row else ''}", flush=True)
    n = max(row["shape"][0], 1)  # each stage per document: in and out of core compared at any size
    print(f"{'':11s} per document: " + ", ".join(f"{name} {1e6 * seconds / n:.1f} us" for name, seconds in s.items()
                                                  if seconds), flush=True)


def top_terms_kept(a, b):
    """Share of the topics of ``a`` whose top terms (as a set) a topic of ``b`` has, topics
    paired one to one by how many top terms they share."""
    from scipy.optimize import linear_sum_assignment

    a, b = [set(t) for t in a], [set(t) for t in b]
    shared = np.array([[len(x & y) for y in b] for x in a])
    rows, cols = linear_sum_assignment(-shared)
    return float(np.mean([shared[r, c] == len(a[r]) for r, c in zip(rows, cols)]))


def _print_dtypes(rows):
    """Each system's float32 row against its float64 row."""
    for name, row in rows.items():
        system, _, dtype = name.partition("/")
        base = rows.get(f"{system}/float64")
        if dtype != "float32" or base is None:
            continue
        print(f"{system}: float32 vs float64: time x{row['wall'] / base['wall']:.2f} "
              f"(float32 {base['wall'] / row['wall']:.2f}x faster), fit "
              f"x{row['stages']['fit'] / base['stages']['fit']:.2f}, peak RSS x{row['rss'] / base['rss']:.2f}, "
              f"error {row['error']:.6f} vs {base['error']:.6f}, "
              f"same top-10 terms {100 * top_terms_kept(base['top'], row['top']):.0f}% of topics")
    for name, row in rows.items():  # against scikit-learn cd on the same matrix
        system, _, dtype = name.partition("/")
        same = rows.get("sklearn-same" + (dtype and "/" + dtype))
        if same is not None and system in TOPICNMF_SYSTEMS and system != "sklearn-same":
            print(f"{name} vs sklearn cd on the same matrix: error {row['error']:.6f} vs {same['error']:.6f}, "
                  f"time x{row['wall'] / same['wall']:.2f}, fit x{row['stages']['fit'] / same['stages']['fit']:.2f}, "
                  f"same top-10 terms {100 * top_terms_kept(same['top'], row['top']):.0f}% of topics")


def _print_ratios(rows):
    if "memory" in rows and "workers" in rows:  # the overhead of Dask (its start included)
        here, there = rows["memory"], rows["workers"]
        print(f"workers vs memory: time x{there['wall'] / here['wall']:.2f}, fit "
              f"x{there['stages']['fit'] / here['stages']['fit']:.2f}")
        if there.get("dask"):
            p, n = there["dask"], max(there["dask"]["iterations"], 1)
            each = ["/".join(f"{1000 * x / n:.0f}" for x in p[part]) for part in ("compute", "wait")]
            print(f"workers' fit: {p['scheme']}, {p['iterations']} iterations of {1000 * p['wall'] / n:.0f} ms "
                  f"(per worker: compute {each[0]} ms, waiting on the exchange {each[1]} ms; the client's "
                  f"calls {1000 * p['calls'] / n:.0f} ms); start and setup {there['stages']['fit'] - p['wall']:.1f} s "
                  f"(in memory: fit {here['stages']['fit']:.1f} s, {here.get('iterations')} iterations)")
    base = rows.get("sklearn-cd")
    if not base:
        return
    for system, row in rows.items():
        if system != "sklearn-cd":
            print(f"{system} vs sklearn-cd: time x{row['wall'] / base['wall']:.2f}, "
                  f"peak RSS x{row['rss'] / base['rss']:.2f}, error {row['error']:.4f} vs {base['error']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
