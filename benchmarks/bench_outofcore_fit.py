"""The out-of-core fit against the in-memory fit on one large matrix, per stage of the fit.

The same float32 TF-IDF matrix is fitted (k=50, the defaults: nndsvda start by randomized
SVD, HALS with extrapolation) in memory (``nmf.factorize``) and out of core
(``nmf.factorize_partitioned`` on row blocks written as ``.npz`` files, W's blocks kept in
a scratch folder between steps: what ``topicnmf run --max-memory`` fits), each system in
its own process, one after the other. Printed per system: the start (randomized SVD and
NNDSVD) and the median iteration, in wall seconds and in CPU seconds of the process, the
iterations run (``--iters``, tolerance 0: the same number for both), the relative error,
the peak RSS; and the out-of-core/in-memory ratios.

The matrix: the package summaries of a package list (column ``summary``, TF-IDF as
``bench_matrix_set.tfidf``), or a saved one (``--npz``); ``--copies 10`` stacks ten copies
of it, each row of copy c > 0 with one nonzero moved to another column (new columns for odd
c, Zipf-drawn ones for even c): a stand-in for the 10x corpus of ``bench_scale.py --scale 10``
(each summary repeated with a random word substituted) at the fit's level.

    python benchmarks/bench_outofcore_fit.py --pypi-tsv /work/.library/env/packages/pypi.tsv
    python benchmarks/bench_outofcore_fit.py --pypi-tsv PATH --copies 10 --systems disk --iters 3
    python benchmarks/bench_outofcore_fit.py --npz X.npz --block-rows 20000
"""

import argparse
import json
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))


def matrix(args):
    if args.npz:
        X = sp.load_npz(args.npz).tocsr()
    else:
        from bench_matrix_set import pypi_summaries, tfidf

        X = tfidf(pypi_summaries(args.pypi_tsv))
    return X.astype(np.float32)


def copies(X, n_copies, seed=0):
    """X and n_copies - 1 copies of it, each row with one nonzero moved to another column."""
    n, m = X.shape
    rng = np.random.default_rng(seed)
    width = m * (1 + n_copies // 4 + 1) if n_copies > 1 else m
    for c in range(n_copies):
        Y = sp.csr_matrix((X.data.copy(), X.indices.copy(), X.indptr.copy()), shape=(n, width))
        if c:
            lengths = np.diff(Y.indptr)
            has = lengths > 0
            at = Y.indptr[:-1][has] + rng.integers(0, lengths[has])
            Y.indices[at] = (rng.integers(m, width, size=at.size) if c % 2
                             else rng.zipf(1.3, size=at.size) % width)
            Y.sum_duplicates()
            Y.sort_indices()
        yield Y


def child(system, folder, iters, k):
    """One system's fit, in this process; prints a JSON line."""
    from topicnmf.nmf import factorize, factorize_partitioned

    folder = Path(folder)
    cpu, wall = [time.process_time()], [time.perf_counter()]

    def tick(*args, **kwargs):
        cpu.append(time.process_time())
        wall.append(time.perf_counter())

    settings = dict(max_iter=iters, tol=0, random_state=0, callback=tick)
    if system == "memory":
        parts = pickle.loads((folder / "parts.pkl").read_bytes())
        X = sp.vstack([sp.load_npz(p) for p in parts.paths], format="csr")
        cpu[0], wall[0] = time.process_time(), time.perf_counter()  # (reading X apart)
        result = factorize(X, k, **settings)
    else:
        parts = pickle.loads((folder / "parts.pkl").read_bytes())
        scratch = folder / "w"
        result = factorize_partitioned(parts, k, scratch=scratch, stack=False, **settings)
    norm = float(np.sqrt(float((folder / "norm2").read_text())))
    print(json.dumps({
        "start_wall": wall[1] - wall[0], "start_cpu": cpu[1] - cpu[0],
        "iter_wall": float(np.median(np.diff(wall[1:]))), "iter_cpu": float(np.median(np.diff(cpu[1:]))),
        "iterations": result.n_iter, "error": result.reconstruction_err / norm,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pypi-tsv", type=Path)
    parser.add_argument("--npz", type=Path)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--block-rows", type=int, default=50_000, help="rows per block on disk "
                        "(topicnmf run's chunks: 1,000-50,000 documents, from the budget)")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--iters", type=int, default=6)
    parser.add_argument("--systems", default="memory,disk")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child[0], args.child[1], args.iters, args.k)
    if not (args.pypi_tsv or args.npz) or (args.pypi_tsv and not args.pypi_tsv.exists()):
        sys.exit("skipped: give --pypi-tsv PATH (a package list with a 'summary' column) or --npz")

    from topicnmf import partitions

    with tempfile.TemporaryDirectory(prefix="bench-ooc-") as folder:
        X = matrix(args)
        norm2 = 0.0

        def blocks():
            nonlocal norm2
            for Y in copies(X, args.copies):
                norm2 += float(Y.data.astype(np.float64) @ Y.data.astype(np.float64))
                for a in range(0, Y.shape[0], args.block_rows):
                    yield Y[a:a + args.block_rows]

        parts = partitions.to_disk(blocks(), Path(folder) / "x")
        del X
        (Path(folder) / "parts.pkl").write_bytes(pickle.dumps(parts))
        (Path(folder) / "norm2").write_text(repr(norm2))
        n, m = parts.shape
        print(f"X: {n:,} x {m:,}, {len(parts.paths)} blocks of up to {args.block_rows:,} rows; "
              f"k={args.k}, {args.iters} iterations\n")
        rows = {}
        for system in args.systems.split(","):
            time.sleep(1.0)
            out = subprocess.run([sys.executable, __file__, "--child", system, folder,
                                  "--iters", str(args.iters), "--k", str(args.k)],
                                 capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"{system} failed:\n{out.stderr[-2000:]}")
            rows[system] = json.loads(out.stdout.strip().splitlines()[-1])
            shutil.rmtree(Path(folder) / "w", ignore_errors=True)
        print("| system | start (s) | start CPU (s) | iteration (s) | iteration CPU (s) "
              "| iterations | rel. error | peak RSS |")
        print("|---|---|---|---|---|---|---|---|")
        for system, r in rows.items():
            print(f"| {system} | {r['start_wall']:.2f} | {r['start_cpu']:.2f} | {r['iter_wall']:.3f} "
                  f"| {r['iter_cpu']:.3f} | {r['iterations']} | {r['error']:.6f} "
                  f"| {r['peak_mib']:.0f} MiB |")
        if {"memory", "disk"} <= rows.keys():
            d, mem = rows["disk"], rows["memory"]
            print(f"\nout of core / in memory: start x{d['start_wall'] / mem['start_wall']:.2f}, "
                  f"iteration x{d['iter_wall'] / mem['iter_wall']:.2f} "
                  f"(CPU x{d['start_cpu'] / mem['start_cpu']:.2f}, x{d['iter_cpu'] / mem['iter_cpu']:.2f})")


if __name__ == "__main__":
    main()
