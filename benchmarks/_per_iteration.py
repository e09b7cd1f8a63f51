"""Seconds per iteration against the memory-bandwidth floor, and where they go
(``bench_solver.py --per-iteration``).

The floor is the bytes one iteration must stream (X twice in CSR, its values in X's dtype;
both factors read and written once) over the bandwidth of a large copy measured in the
same run. The HALS sweeps themselves cost (n + m) k^2 multiply-adds per iteration on top
of that, which the floor does not count.
"""

import statistics
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.exceptions import ConvergenceWarning

from topicnmf.nmf import factorize
from topicnmf.nmf._engine import make_engine

ITERS = 20  # topicnmf's timed iterations (scikit-learn: 10, it is slower)
DTYPES = ("float64", "float32")


def bandwidth():
    """Bytes per second of a large copy (read + write), the floor's yardstick."""
    a = np.ones(2**25)
    b = np.empty_like(a)
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - start)
    return 2 * a.nbytes / best


def floor_seconds(X, k, bw):
    """X streamed twice (values, column indices, row pointers), W and H read and written."""
    item = X.dtype.itemsize
    x_bytes = X.nnz * (item + X.indices.itemsize) + X.indptr.nbytes
    n, m = X.shape
    return (2 * x_bytes + 2 * 2 * (n + m) * k * item) / bw


def ours(X, k, W0, H0):
    """Median wall seconds of one plain HALS iteration (a median, not a mean: an iteration
    that another process preempted does not count) and CPU seconds per iteration (all
    threads: what load from other processes inflates least)."""
    stamps = [0.0]
    time.sleep(0.5)
    cpu = time.process_time()
    factorize(X, k, init="custom", W=W0.copy(), H=H0.copy(), tol=0, max_iter=ITERS,
              extrapolate=False, callback=lambda i, elapsed, loss: stamps.append(elapsed))
    return statistics.median(np.diff(stamps)), (time.process_time() - cpu) / ITERS


def theirs(X, k, W0, H0):
    """Wall and CPU seconds per iteration of scikit-learn cd (its fit over its iterations)."""
    model = SkNMF(k, init="custom", solver="cd", tol=0, max_iter=ITERS // 2)
    time.sleep(0.5)  # (the previous fit's spinning threads go to sleep)
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, W=W0.copy(), H=H0.copy())
    return ((time.perf_counter() - start) / model.n_iter_,
            (time.process_time() - cpu) / model.n_iter_)


def breakdown(X, k, W0, H0):
    """Milliseconds of each step of one iteration, each timed alone on the fast engine
    (the loop's own calls, from the given start; median of 5)."""
    eng = make_engine("fast")
    X = eng.as_matrix(X)
    W, Ht = np.ascontiguousarray(W0), np.ascontiguousarray(H0.T)
    W_out, H_out = np.empty_like(W), np.empty_like(Ht)
    G_H, G_W = eng.gram(Ht), eng.gram(W)
    P = eng.tdot(X, W)
    Xt = eng.fused_transpose(X, W)
    steps = {
        "W: X H^T + sweep": lambda: eng.hals_rows(X, Ht, G_H, W, W_out, 0.0, 0.0, 1, 0.1, 0.0),
        "W^T W": lambda: eng.gram(W),
        "X^T W": lambda: eng.tdot(X, W) if Xt is None else eng.dot(Xt, W),
        "H sweep": lambda: eng.hals(H_out, P, G_W, 0.0, 0.0),
        "H H^T": lambda: eng.gram(Ht),
    }
    out = {}
    with eng.threading():
        for name, step in steps.items():
            np.copyto(H_out, Ht)
            step()
            times = []
            for _ in range(5):
                np.copyto(H_out, Ht)
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            out[name] = 1e3 * statistics.median(times)
    return out


def top_terms_kept(H64, H32, top=10):
    """Share of float64 topics whose top-``top`` terms a float32 topic has (as a set),
    topics paired one to one by how many top terms they share."""
    from scipy.optimize import linear_sum_assignment

    a = [set(np.argsort(-h)[:top]) for h in H64]
    b = [set(np.argsort(-h)[:top]) for h in H32]
    shared = np.array([[len(x & y) for y in b] for x in a])
    rows, cols = linear_sum_assignment(-shared)
    return float(np.mean(shared[rows, cols] == top))


def full_fits(X64, k, W0, H0, repeat):
    """Default fits (``NMF(k, init='custom')``'s settings) of X in float64 and in float32
    from the same start, alternating: {dtype: (median s, iterations, rel. error, H)}."""
    norm = np.sqrt(X64.multiply(X64).sum())
    runs = {d: [] for d in DTYPES}
    for rep in range(repeat):
        for dtype in DTYPES if rep % 2 == 0 else DTYPES[::-1]:
            X = X64.astype(dtype)
            time.sleep(0.5)
            start, cpu = time.perf_counter(), time.process_time()
            r = factorize(X, k, init="custom", W=W0.astype(dtype), H=H0.astype(dtype))
            runs[dtype].append((time.perf_counter() - start, time.process_time() - cpu,
                                r.n_iter, r.reconstruction_err / norm, r.H))
    return {d: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), *v[0][2:])
            for d, v in runs.items()}


def per_iteration_tables(cases, make_matrix, repeat=3):
    """Markdown tables for (corpus, k) cases; ``make_matrix(corpus)`` gives X (float64)."""
    factorize(np.random.default_rng(0).random((40, 30)), 2, max_iter=2)  # kernels loaded
    bw = bandwidth()
    rows, parts, fits = [], [], []
    matrices = {}
    for corpus, k in cases:
        if corpus not in matrices:
            matrices[corpus] = make_matrix(corpus)
        X64 = matrices[corpus]
        W0, H0 = _initialize_nmf(X64, k, init="nndsvda", random_state=0)
        base = None
        for dtype in DTYPES:
            X = X64.astype(dtype)
            W, H = W0.astype(dtype), H0.astype(dtype)
            (s_o, c_o), (s_s, c_s) = ours(X, k, W, H), theirs(X, k, W, H)
            f = floor_seconds(X, k, bw)
            base = base or s_o
            rows.append((corpus, k, dtype, f"{1e3 * s_o:.1f}", f"{1e3 * c_o:.1f}",
                         f"{1e3 * s_s:.1f}", f"{1e3 * c_s:.1f}", f"{1e3 * f:.1f}",
                         f"{s_o / f:.1f}x", f"{s_s / s_o:.1f}x", f"{base / s_o:.2f}x"))
            steps = breakdown(X, k, W, H)
            parts.append((corpus, k, dtype, *(f"{v:.1f}" for v in steps.values())))
        f = full_fits(X64, k, W0, H0, repeat)
        (t64, c64, i64, e64, H64), (t32, c32, i32, e32, H32) = f["float64"], f["float32"]
        fits.append((corpus, k, f"{t64:.2f}", f"{c64:.2f}", i64, f"{e64:.7f}", f"{t32:.2f}",
                     f"{c32:.2f}", i32, f"{e32:.7f}", f"{t64 / t32:.2f}x ({c64 / c32:.2f}x)",
                     f"{100 * top_terms_kept(H64, H32):.0f}%"))
    lines = [f"copy bandwidth {bw / 1e9:.1f} GB/s; topicnmf: median of {ITERS} plain HALS "
             "iterations; scikit-learn cd: fit time / iterations\n",
             "| corpus | k | dtype | topicnmf ms/iter | CPU ms/iter | sklearn cd ms/iter | "
             "CPU ms/iter | floor ms | topicnmf / floor | speed vs sklearn | speed vs float64 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines += ["", "Where an iteration goes (ms, each step alone):\n",
              "| corpus | k | dtype | W: X H^T + sweep | W^T W | X^T W | H sweep | H H^T |",
              "|---|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in parts]
    lines += ["", f"Whole default fits from the same start, float64 X against float32 X "
              f"(median of {repeat}):\n",
              "| corpus | k | float64 s | CPU s | iter | rel. error | float32 s | CPU s | iter | "
              "rel. error | float32 speed (CPU) | topics with the same top-10 terms |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in fits]
    return "\n".join(lines)
