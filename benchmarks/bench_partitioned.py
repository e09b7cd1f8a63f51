"""The partitioned fit and the Dask fit against the in-memory fit, side by side in one run.

topicnmf's own TF-IDF matrix of a corpus (the pipeline's defaults: what `topicnmf run`
fits), then for each k the default fit (nndsvd start, HALS with extrapolation, tol 1e-9):

- in memory: ``nmf.factorize``;
- partitioned, blocks in memory: ``nmf.factorize_partitioned`` on ``--blocks`` row blocks;
- partitioned, blocks on disk: the same blocks as ``.npz`` files, read when used;
- Dask, 2 workers: a LocalCluster of ``--workers`` processes of one thread each, fitted
  on as ``--workers 2`` does (``cluster.fit_on``: X split and scattered to the workers,
  counted; the cluster's start-up is timed apart);
- scikit-learn's ``NMF(solver='cd', init='nndsvd')`` on the same matrix, the peer.

Table: wall time of the fit (median of ``--repeat``; the systems run in turn in each round, so
that a change of load falls on all alike), its ratio to the in-memory fit,
iterations, relative error ||X - WH|| / ||X||, the largest relative difference of W and H
from the in-memory fit, and whether every topic's top 10 terms are the same.

    python benchmarks/bench_partitioned.py                       # Debian, k = 20 and 50
    python benchmarks/bench_partitioned.py --ks 20 --repeat 1
    python benchmarks/bench_partitioned.py --corpus PATH --text-column summary
    python benchmarks/bench_partitioned.py --dask                # in memory vs Dask only
    python benchmarks/bench_partitioned.py --dask --quick        # k=20, one round (~1 min)
    python benchmarks/bench_partitioned.py --dask --pypi-tsv /work/.library/env/packages/pypi.tsv \
        --limit 200000 --ks 50                                   # 200k package summaries

The last lines give the Dask fit's time over the in-memory fit's per k (the issue's target:
``--workers 2`` within 1.3x of in process), each the median of the rounds' own ratios.
"""

import argparse
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import NMF as SkNMF

from topicnmf import partitions as pt
from topicnmf import pipeline
from topicnmf.config import RunConfig
from topicnmf.cluster import fit_on as cluster_fit, local_cluster
from topicnmf.nmf import _dask_steps, factorize, factorize_partitioned

DEBIAN = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "debian-packages.jsonl.gz"


def matrix(path, text_column):
    config = RunConfig.from_settings({"read.text_column": text_column} if text_column else {})
    start = time.perf_counter()
    dtm = pipeline.prepare(pipeline.read(path, config), config).dtm
    print(f"{path.name}: X {dtm.shape[0]} x {dtm.shape[1]}, {dtm.X.nnz} nonzeros "
          f"({time.perf_counter() - start:.1f} s to read and vectorize)", flush=True)
    return dtm, config.nmf


def timed(systems, repeat, ratios=None):
    """{name: (median seconds, last result)}, the systems' runs interleaved (one run of each
    in turn, ``repeat`` rounds), so that a change of the machine's load falls on all alike.
    ``ratios`` (a dict) gets each system's per-round times over the first system's."""
    times, results = {name: [] for name in systems}, {}
    for _ in range(repeat):
        for name, fit in systems.items():
            start = time.perf_counter()
            results[name] = fit()
            times[name].append(time.perf_counter() - start)
    first = next(iter(systems))
    if ratios is not None:
        ratios.update({name: [t / b for t, b in zip(times[name], times[first])] for name in systems})
    return {name: (statistics.median(times[name]), results[name]) for name in systems}


def top_terms(H, n=10):
    return [tuple(np.argsort(-row)[:n]) for row in H]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEBIAN)
    parser.add_argument("--text-column", default=None)
    parser.add_argument("--ks", default="20,50")
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-sklearn", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated words: only the systems "
                        "named with one of them, beside the in-memory fit (e.g. Dask)")
    parser.add_argument("--dask", action="store_true", help="in memory vs Dask only (--only Dask "
                        "--no-sklearn)")
    parser.add_argument("--quick", action="store_true", help="k=20 and one round")
    parser.add_argument("--schemes", default="auto", help="the Dask fit's iteration schemes "
                        "to run, comma-separated: auto (the rule's choice), all-reduce, split")
    parser.add_argument("--pypi-tsv", type=Path, default=None, help="a package list: fit its "
                        "summaries (bench_scale.make_corpus, in a scratch folder) instead of --corpus")
    parser.add_argument("--limit", type=int, default=200_000, help="with --pypi-tsv: the first N "
                        "summaries (default 200000)")
    args = parser.parse_args(argv)
    if args.dask:
        args.only, args.no_sklearn = "Dask", True
    if args.quick:
        args.ks, args.repeat = "20", 1
    scratch = tempfile.TemporaryDirectory(prefix="bench-partitioned-")
    if args.pypi_tsv:
        from bench_scale import make_corpus

        args.corpus, args.text_column = Path(scratch.name) / "summaries.csv", "text"
        make_corpus(args.pypi_tsv, args.corpus, limit=args.limit)
    if not args.corpus.exists():
        sys.exit(f"{args.corpus} is absent: the benchmark needs ../shared/corpora beside the "
                 "repository (or --corpus PATH).")
    from distributed import Client

    dtm, options = matrix(args.corpus, args.text_column)
    X, norm = dtm.X, dtm.norm
    blocks = pt.split(X, args.blocks)
    on_disk = pt.to_disk(blocks, Path(scratch.name) / "blocks")
    start = time.perf_counter()
    cluster = local_cluster(args.workers)  # as --workers makes it
    client = Client(cluster, direct_to_workers=True)
    for fit in (factorize, lambda X, *a, **kw: cluster_fit(client, X, *a, **kw)):
        fit(X, 5, options=options, random_state=0, max_iter=2)  # numba's kernels loaded, once
    print(f"Dask: {args.workers} workers up in {time.perf_counter() - start:.1f} s "
          f"(not counted below)", flush=True)

    rows, summary = [], []
    for k in map(int, args.ks.split(",")):
        systems = {
            "in memory": lambda: factorize(X, k, options=options, random_state=0),
            f"partitioned, {args.blocks} blocks in memory":
                lambda: factorize_partitioned(blocks, k, options=options, random_state=0),
            f"partitioned, {args.blocks} blocks on disk":
                lambda: factorize_partitioned(on_disk, k, options=options, random_state=0),
        }
        for scheme in args.schemes.split(","):
            name = f"Dask, {args.workers} workers" + ("" if scheme == "auto" else f", {scheme}")
            systems[name] = functools.partial(dask_fit, client, X, k, options, scheme, name)
        if args.only:
            systems = {name: fit for name, fit in systems.items()
                       if name == "in memory" or any(w in name for w in args.only.split(","))}
        base, ratios = None, {}
        for name, (seconds, r) in timed(systems, args.repeat, ratios).items():
            base = base or (seconds, r)
            rows.append((k, name, seconds, seconds / base[0], r.n_iter, r.reconstruction_err / norm,
                         max(_rel(base[1].W, r.W), _rel(base[1].H, r.H)),
                         top_terms(base[1].H) == top_terms(r.H)))
            _print(rows[-1])
            if name.startswith("Dask"):
                summary.append(f"k={k}: {name} / in memory x{statistics.median(ratios[name]):.2f} "
                               f"(rounds: {', '.join(f'{x:.2f}' for x in ratios[name])}); "
                               + where_the_time_went(PROFILES[name]))
        if not args.no_sklearn:
            sk = SkNMF(k, solver="cd", init="nndsvd", tol=1e-4, max_iter=200, random_state=0)
            seconds, W = timed({"sk": lambda: sk.fit_transform(X)}, args.repeat)["sk"]
            err = float(np.sqrt(max(norm**2 - 2 * np.vdot(W, X @ sk.components_.T)
                                    + np.vdot(W.T @ W, sk.components_ @ sk.components_.T), 0)))
            rows.append((k, "scikit-learn NMF cd", seconds, seconds / base[0], sk.n_iter_,
                         err / norm, None, None))
            _print(rows[-1])
    client.close()
    cluster.close()
    scratch.cleanup()
    print("\n".join(summary))


PROFILES = {}  # per system, its last Dask fit's profile (_dask_steps.DaskSteps.profile)


def dask_fit(client, X, k, options, scheme, name):
    """``cluster.fit_on`` (as --workers fits) with the iterations' scheme set; its profile
    kept in PROFILES[name]."""
    made = _dask_steps.DaskSteps.result

    def result(self):
        answer = made(self)
        PROFILES[name] = self.profile
        return answer

    _dask_steps.SCHEME = None if scheme == "auto" else scheme
    _dask_steps.DaskSteps.result = result
    try:
        return cluster_fit(client, X, k, options=options, random_state=0)
    finally:
        _dask_steps.SCHEME, _dask_steps.DaskSteps.result = None, made


def where_the_time_went(profile):
    """Per iteration (ms): the client's wall time of a step; per worker, its kernels and
    its waits for the other's pieces; the calls' own cost (wall - the busiest worker)."""
    n = max(profile["iterations"], 1)
    def per(values):
        return "/".join(f"{1000 * v / n:.0f}" for v in values)

    return (f"{profile['scheme']}, per iteration: {1000 * profile['wall'] / n:.0f} ms wall = "
            f"compute {per(profile['compute'])} + wait {per(profile['wait'])} (per worker) + "
            f"calls {1000 * profile['calls'] / n:.0f} ms")


def _rel(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(a)).max())


def _print(row):
    k, name, seconds, ratio, n_iter, error, diff, same = row
    diff = "" if diff is None else f"{diff:.1e}"
    same = "" if same is None else ("yes" if same else "NO")
    print(f"| {k} | {name} | {seconds:.2f} | {ratio:.2f}x | {n_iter} | {error:.6f} | {diff} | "
          f"{same} |", flush=True)


if __name__ == "__main__":
    print("| k | fit | seconds | vs in memory | iterations | relative error | max rel. diff W, H "
          "| same top-10 terms |\n|---|---|---|---|---|---|---|---|")
    main()
