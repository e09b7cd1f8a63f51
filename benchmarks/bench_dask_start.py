"""The Dask fit's start (randomized SVD, NNDSVD) and setup against the in-process one.

topicnmf's TF-IDF matrix of a CSV corpus (the pipeline's defaults, e.g. the 794k package
summaries that ``bench_scale.py`` makes), cut into blocks of ``--block-rows`` rows placed
as the TF-IDF passes of ``--workers 2`` place them (a run of neighbouring blocks per
worker), then in turn, ``--repeat`` rounds: ``factorize_partitioned(..., client=)`` and
``factorize`` with ``max_iter=1`` (X's checks and sums, the start, one iteration, W
brought back). Printed per fit: wall seconds, and CPU seconds of this process (the client,
and the LocalCluster's scheduler, which runs in it) and of each worker: on a shared,
loaded machine the wall time follows the load, the CPU time much less.

    python benchmarks/bench_dask_start.py --corpus-csv /tmp/pypi794k.csv
    python benchmarks/bench_dask_start.py --corpus-csv /tmp/pypi794k.csv --limit 200000 --repeat 1
"""

import argparse
import csv
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from topicnmf import cluster, cluster_passes, pipeline
from topicnmf import partitions as pt
from topicnmf.config import RunConfig
from topicnmf.nmf import factorize, factorize_partitioned


def _cpu():
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _head(path, limit, folder):
    """The CSV's header and first ``limit`` rows, as a CSV in ``folder``."""
    out = Path(folder) / "head.csv"
    with open(path, encoding="utf-8", newline="") as f, open(out, "w", encoding="utf-8", newline="") as g:
        csv.writer(g, lineterminator="\n").writerows(itertools.islice(csv.reader(f), limit + 1))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-csv", required=True, help="a CSV with a text column (id,text)")
    parser.add_argument("--limit", type=int, default=None, help="its first N rows only")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--block-rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    config = RunConfig.from_settings({"n_topics": args.k})
    with tempfile.TemporaryDirectory() as scratch:
        source = args.corpus_csv if not args.limit else _head(args.corpus_csv, args.limit, scratch)
        X = pipeline.prepare(pipeline.read(source, config), config).dtm.X
    print(f"X {X.shape[0]:,} x {X.shape[1]:,}, {X.nnz:,} nonzeros, {X.dtype}; k={args.k}", flush=True)
    count = max(args.workers, -(-X.shape[0] // args.block_rows))
    blocks = pt.split(X, count)
    times = {"Dask": [], "in process": []}
    with cluster.session(workers=args.workers) as on:
        client = on.client
        workers = sorted(client.nthreads())
        futures = tuple(client.scatter(blocks.block(i), workers=[workers[i * len(workers) // count]], hash=False)
                        for i in range(count))
        remote = cluster_passes.RemotePartitions(n_cols=X.shape[1], offsets=blocks.offsets, futures=futures)
        for _ in range(args.repeat):
            here, there, start = time.process_time(), client.run(_cpu), time.perf_counter()
            factorize_partitioned(remote, args.k, options=config.nmf, random_state=config.seed, max_iter=1,
                                  client=client)
            wall, here, there = time.perf_counter() - start, time.process_time() - here, \
                {w: c - there[w] for w, c in client.run(_cpu).items()}
            times["Dask"].append(wall)
            print(f"Dask, {args.workers} workers: {wall:6.2f} s wall | CPU: client {here:.2f} s, workers "
                  f"{' / '.join(f'{c:.2f}' for c in there.values())} s", flush=True)
            here, start = time.process_time(), time.perf_counter()
            factorize(X, args.k, options=config.nmf, random_state=config.seed, max_iter=1)
            wall = time.perf_counter() - start
            times["in process"].append(wall)
            print(f"in process:        {wall:6.2f} s wall | CPU {time.process_time() - here:.2f} s", flush=True)
    ratio = statistics.median(times["Dask"]) / statistics.median(times["in process"])
    print(f"start + setup + 1 iteration, Dask vs in process (medians): x{ratio:.2f}")


if __name__ == "__main__":
    main()
