"""When to stop HALS: the projected-gradient rule's threshold, measured against scikit-learn.

For each cell (matrix, k, start; the matrices of ``bench_matrix_set``) it runs, side by side:

- scikit-learn's ``NMF(solver='cd')`` at its defaults (tol=1e-4 on its violation,
  max_iter=200) from the start: iterations, relative error, seconds;
- topicnmf with the objective rule alone (the stop before the gradient rule), recording
  every iteration's objective and violation (the sum of |projected gradient| over the
  coordinate updates, scikit-learn's measure; an undone step has none);
- topicnmf with ``tol=0`` (no stop, ``max_iter`` 200), recording the same;
- topicnmf at its defaults: iterations, relative error, seconds.

From the two recorded paths it replays the gradient rule at each FRACTION of ``--fractions``
exactly: both paths are the same iterations until the objective rule first fires (the
extrapolation then stops and plain iterations finish the fit), so the rule stops the
unstopped path at the first taken iteration whose violation is at most FRACTION times the
first iteration's, if that comes before; otherwise it follows the objective rule's path
(its polish included) to the first such iteration or its end. Printed per fraction: the
iterations summed over the cells, and the cells that end at a relative error above
scikit-learn's (by more than 1e-6 relative: the criterion of issue 13); and per cell:
iterations of scikit-learn, of topicnmf before (objective rule alone) and now (defaults),
the iteration at which topicnmf first passes scikit-learn's final error, the error
difference and the speed ratio of the default fit (scikit-learn's seconds / topicnmf's,
the same run).

    python benchmarks/bench_stopping.py --quick        # bundled, lee, bbc, synth:10000; k 5 20 50
    python benchmarks/bench_stopping.py --matrices bundled lee wiki bbc synth:10000 \\
        --k 5 10 20 50 --starts nndsvda 1 2
    python benchmarks/bench_stopping.py --matrices pypi --pypi PATH --k 50 --starts nndsvda \\
        --dtype float32

(``--pypi`` takes a TSV with a ``summary`` column; ``--pypi-rows`` its first rows, default
200000, as ``bench_solver``'s pypi case.)
"""

import argparse
import math
import sys
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.exceptions import ConvergenceWarning

import bench_matrix_set
from topicnmf import factorize
from topicnmf.nmf import SolverOptions, _common, _frobenius

FRACTIONS = [1e-4, 3e-4, 5e-4, 7e-4, 1e-3, 3e-3]
QUICK = dict(matrices=["bundled", "lee", "bbc", "synth:10000"], k=[5, 20, 50],
             starts=["nndsvda", "1"])


class _Recorder(_common.Violation):
    """The rule, recording the violation of each taken iteration for the callback."""

    pending = None

    def taken(self, violation):
        _Recorder.pending = violation
        super().taken(violation)


def recorded_fit(X, k, W0, H0, tol, fraction):
    """(seconds, result, [(objective, violation or None) per iteration], iteration at
    which the polish began or None)."""
    path, polish = [], []
    original = _common.Extrapolation.polish

    def polishing(self):
        began = original(self)
        if began:
            polish.append(len(path))
        return began

    def callback(n_iter, elapsed, loss):
        path.append((loss, _Recorder.pending))
        _Recorder.pending = None

    saved = (_frobenius.Violation, _common.GRADIENT_TOL, _common.Extrapolation.polish)
    _frobenius.Violation, _common.GRADIENT_TOL = _Recorder, fraction
    _common.Extrapolation.polish = polishing
    try:
        start = time.perf_counter()
        result = factorize(X, k, options=SolverOptions(init="custom", tol=tol), W=W0.copy(),
                           H=H0.copy(), callback=callback)
        seconds = time.perf_counter() - start
    finally:
        _frobenius.Violation, _common.GRADIENT_TOL, _common.Extrapolation.polish = saved
    return seconds, result, path, (polish[0] if polish else None)


def replay(free, before, polish_at, fraction):
    """(iterations, objective) where the gradient rule at ``fraction`` stops (see above)."""
    first = free[0][1]
    end = polish_at if polish_at is not None else len(before)
    for i in range(min(end, len(free))):
        if free[i][1] is not None and free[i][1] <= fraction * first:
            return i + 1, free[i][0]
    for i in range(end, len(before)):
        if before[i][1] is not None and before[i][1] <= fraction * first:
            return i + 1, before[i][0]
    return len(before), before[-1][0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--matrices", nargs="+")
    parser.add_argument("--k", nargs="+", type=int)
    parser.add_argument("--starts", nargs="+", help="'nndsvda' or seeds of random starts")
    parser.add_argument("--fractions", nargs="+", type=float, default=FRACTIONS)
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--pypi", help="TSV with a 'summary' column, for the pypi matrix")
    parser.add_argument("--pypi-rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    chosen = QUICK if args.quick else dict(matrices=["bundled", "lee", "wiki", "bbc", "synth:10000"],
                                           k=[5, 10, 20, 50], starts=["nndsvda", "1", "2"])
    factorize(np.random.default_rng(0).random((40, 30)), 3, max_iter=5)  # load the kernels
    cells, rows = [], []
    for name in args.matrices or chosen["matrices"]:
        if name == "pypi":
            if not args.pypi:
                sys.exit("the pypi matrix needs --pypi PATH (a TSV with a 'summary' column)")
            from bench_solver import tfidf

            X = tfidf("pypi", args.pypi, args.pypi_rows)
        else:
            X = bench_matrix_set.matrix(name)
        X = X.astype(args.dtype)
        norm = float(np.sqrt(X.multiply(X).sum()))
        print(f"# {name}: {X.shape[0]} x {X.shape[1]}", file=sys.stderr, flush=True)
        for k in args.k or chosen["k"]:
            for start in args.starts or chosen["starts"]:
                init = "nndsvda" if start == "nndsvda" else "random"
                W0, H0 = _initialize_nmf(X, k, init=init, random_state=0 if start == "nndsvda" else int(start))
                W0, H0 = W0.astype(X.dtype), H0.astype(X.dtype)
                time.sleep(0.5)
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    sk = SkNMF(k, init="custom", solver="cd", random_state=0).fit(X, W=W0.copy(), H=H0.copy())
                t_sk = time.perf_counter() - t0
                e_sk = float(sk.reconstruction_err_) / norm
                _, r_before, before, polish_at = recorded_fit(X, k, W0, H0, 1e-9, 0.0)
                _, _, free, _ = recorded_fit(X, k, W0, H0, 0.0, 0.0)
                time.sleep(0.5)
                t_now, r_now, _, _ = recorded_fit(X, k, W0, H0, 1e-9, _common.GRADIENT_TOL)
                err = lambda loss, norm=norm: math.sqrt(max(2.0 * loss, 0.0)) / norm  # noqa: E731
                passed = next((i + 1 for i, (loss, _) in enumerate(free)
                               if err(loss) <= e_sk * (1 + 1e-6)), None)
                e_now = r_now.reconstruction_err / norm
                cells.append((f"{name} k={k} {start}", e_sk, free, before, polish_at, err))
                rows.append((name, k, start, sk.n_iter_, f"{e_sk:.7f}", r_before.n_iter,
                             f"{r_before.reconstruction_err / norm:.7f}", passed or "-", r_now.n_iter,
                             f"{e_now:.7f}", f"{e_now / e_sk - 1:+.1e}", f"{t_sk / t_now:.1f}x"))
                print("#   " + " ".join(str(c) for c in rows[-1]), file=sys.stderr, flush=True)

    print(f"dtype {args.dtype}; the gradient rule now: {_common.GRADIENT_TOL:g} of the first "
          "iteration's violation\n")
    print("| fraction | cells | iterations (sum) | cells worse than scikit-learn (> 1e-6) |")
    print("|---|---|---|---|")
    print(f"| objective rule alone | {len(cells)} | {sum(len(c[3]) for c in cells)} | "
          f"{sum(c[5](c[3][-1][0]) > c[1] * (1 + 1e-6) for c in cells)} |")
    for fraction in args.fractions:
        total, worse = 0, []
        for label, e_sk, free, before, polish_at, err in cells:
            n, loss = replay(free, before, polish_at, fraction)
            total += n
            if err(loss) > e_sk * (1 + 1e-6):
                worse.append(f"{label} {err(loss) / e_sk - 1:+.1e}")
        print(f"| {fraction:g} | {len(cells)} | {total} | {len(worse)} {'; '.join(worse)} |")
    passed = sum(r[7] if r[7] != "-" else r[8] for r in rows)
    print(f"\niterations to pass scikit-learn's final error (sum): {passed}; scikit-learn's "
          f"iterations (sum): {sum(r[3] for r in rows)}\n")
    header = ("matrix", "k", "start", "sklearn iter", "sklearn error", "before iter",
              "before error", "passes at", "now iter", "now error", "now error / sklearn - 1",
              "speed now (sklearn s / topicnmf s)")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
