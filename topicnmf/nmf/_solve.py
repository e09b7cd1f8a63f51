"""The factorization itself: X ~ W H on a nonnegative, possibly sparse X.

Shapes: X (n_samples, n_features), W (n_samples, k), H (k, n_features).

Objective (Frobenius), as in scikit-learn:

    0.5 ||X - W H||_F^2 + l1_W |W|_1 + 0.5 l2_W ||W||_F^2 + l1_H |H|_1 + 0.5 l2_H ||H||_F^2

with l1_W = alpha_W * l1_ratio * n_features, l2_W = alpha_W * (1 - l1_ratio) * n_features,
and the same for H with n_samples.

The loss is computed from X's nonzeros only, never from a dense W @ H:

    ||X - W H||^2 = ||X||^2 - 2 tr(W^T X H^T) + tr((W^T W)(H H^T))

and the two middle terms come for free from the products each update needs anyway.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import ConvergenceError
from . import _updates


@dataclass(frozen=True)
class NMFResult:
    """What one factorization returns.

    Attributes
    ----------
    W : ndarray of shape (n_samples, n_components)
    H : ndarray of shape (n_components, n_features)
    n_iter : int
        Iterations run (one iteration updates W, then H).
    loss_history : ndarray of shape (n_iter + 1,)
        Objective after each iteration, the initial value first.
    reconstruction_err : float
        ||X - W H||_F at the end.
    converged : bool
        Whether the stopping rule ended the run (False: ``max_iter`` did).
    elapsed : float
        Seconds spent iterating.
    """

    W: np.ndarray
    H: np.ndarray
    n_iter: int
    loss_history: np.ndarray
    reconstruction_err: float
    converged: bool
    elapsed: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Penalty:
    """Elementwise L1 and squared-L2 weights on W and H (already scaled)."""

    l1_W: float = 0.0
    l2_W: float = 0.0
    l1_H: float = 0.0
    l2_H: float = 0.0

    def of(self, A, l1, l2):
        if not (l1 or l2):
            return 0.0
        return l1 * float(A.sum()) + 0.5 * l2 * float(np.vdot(A, A))


def _squared_norm(X):
    data = X.data if sp.issparse(X) else X
    return float(np.vdot(data, data))


def inner_sweeps(nnz, n_rows, n_other, k, alpha=0.5):
    """How many HALS sweeps to make per product, after Gillis & Glineur (2012).

    A sweep of a factor with ``n_rows`` rows costs ~ n_rows k^2; the products it needs
    (X B and B^T B) cost ~ nnz k + n_other k^2. Reusing them for up to
    1 + alpha * (1 + cost(products) / cost(sweep)) sweeps buys progress cheaply.
    """
    rho = 1.0 + (nnz / k + n_other) / max(n_rows, 1)
    return 1 + int(alpha * rho)


INNER_DELTA = 0.1  # stop inner sweeps once one moves less than this times the first
STOP_WINDOW = 3  # the stopping rule averages the decrease over this many iterations
FUSED_H_MAX_BYTES = 4 * 2**20  # see _fit_both


def _stalled(accepted, tol):
    """True when the objective fell by at most ``tol`` per iteration, relative to it, on
    average over the last ``STOP_WINDOW`` iterations (one noisy step does not stop a run).
    With tol == 0 only a zero objective stops the run before max_iter."""
    if len(accepted) < 2:
        return False
    w = min(STOP_WINDOW, len(accepted) - 1)
    old, new = accepted[-1 - w], accepted[-1]
    return old <= 0 or (tol > 0 and abs(old - new) <= w * tol * old)


@dataclass
class Extrapolation:
    """Adaptive extrapolation (Ang & Gillis 2019, "Accelerating nonnegative matrix
    factorization algorithms using extrapolation"): after each update the factor is pushed
    further along its last step, Y = A_new + beta (A_new - A_old). beta grows while the
    objective keeps falling and shrinks (the step is undone) when it rises.
    """

    beta: float = 0.5
    warmup: int = 10  # plain HALS iterations first: extrapolating from the very start
    # often lands in a worse local minimum (measured on the Debian and BBC matrices)
    beta_max: float = 1.0
    grow: float = 1.05  # gamma
    grow_max: float = 1.01  # gamma bar
    shrink: float = 1.5  # eta

    def accepted(self):
        self.beta = min(self.beta_max, self.grow * self.beta)
        self.beta_max = min(1.0, self.grow_max * self.beta_max)

    def rejected(self):
        self.beta_max = self.beta
        self.beta = self.beta / self.shrink


def fit_frobenius(X, W, H, *, solver, tol, max_iter, penalty, update_H=True, callback=None,
                  engine="fast", max_inner=1, extrapolate=None):
    """Iterate ``solver`` from (W, H) until the objective stops decreasing.

    Stops when the iterations lower the objective by ``tol`` or less, relative to it:
    (f_prev - f) / f_prev <= tol, averaged over the last three (accepted) iterations.
    One iteration updates W (with X H^T computed once) and then H (with X^T W computed
    once). With ``solver='cd'`` each update makes up to
    ``max_inner`` sweeps (None: chosen from the cost of the products; 1: plain HALS, the
    same iterates as scikit-learn's 'cd'), and ``extrapolate`` (None: on for 'cd')
    adds the adaptive extrapolation of :class:`Extrapolation`; a step that raises the
    objective is undone, so the loss history never increases.

    W and H must be arrays the caller owns and hands over: they may be written into.

    Returns
    -------
    NMFResult
    """
    from ._engine import make_engine, single_threaded_blas

    eng = make_engine(engine)
    X = X.tocsr() if sp.issparse(X) else X
    with single_threaded_blas(eng):
        if update_H:
            return _fit_both(eng, X, W, H, solver=solver, tol=tol, max_iter=max_iter,
                             penalty=penalty, callback=callback, max_inner=max_inner,
                             extrapolate=(solver == "cd") if extrapolate is None else extrapolate)
        return _fit_W(eng, X, W, H, solver=solver, tol=tol, max_iter=max_iter,
                      penalty=penalty, callback=callback)


def _check_finite(loss, solver, n_iter):
    if not np.isfinite(loss):
        raise ConvergenceError(
            f"NMF ({solver}) produced non-finite values at iteration {n_iter}; "
            "check the input for inf/NaN or lower the regularization."
        )


def _record(losses, loss, *, solver, n_iter, start, callback):
    """Check, keep and report one iteration's objective (every solver loop does this)."""
    _check_finite(loss, solver, n_iter)
    losses.append(loss)
    if callback is not None:
        callback(n_iter, time.perf_counter() - start, loss)


def _fit_both(eng, X, W, H, *, solver, tol, max_iter, penalty, callback, max_inner, extrapolate):
    n, m = X.shape
    k = W.shape[1]
    pen = penalty
    nnz = X.nnz if sp.issparse(X) else int(np.count_nonzero(X))
    if solver == "cd":
        inner_W = max_inner or inner_sweeps(nnz, n, m, k)
        inner_H = max_inner or inner_sweeps(nnz, m, n, k)

        def update_W(A_in, A_out, B, G, beta):
            # A_out <- HALS sweeps from A_in for min ||X - A B^T||, X B fused in; extrapolated
            eng.hals_rows(X, B, G, A_in, A_out, pen.l1_W, pen.l2_W, inner_W, INNER_DELTA, beta)

        def update_H(A, P, G):
            first = eng.hals(A, P, G, pen.l1_H, pen.l2_H)
            for _ in range(inner_H - 1):
                if eng.hals(A, P, G, pen.l1_H, pen.l2_H) <= INNER_DELTA**2 * first:
                    break

        def update_H_fused(A_in, A_out, B, G):  # with X^T in CSR: returns <H^T, X^T W>
            return eng.hals_rows(Xt, B, G, A_in, A_out, pen.l1_H, pen.l2_H, inner_H,
                                 INNER_DELTA, 0.0)
    else:
        rule = _updates.UPDATES[solver]

        def update_W(A_in, A_out, B, G, beta):
            A_out[...] = A_in
            rule(A_out, eng.dot(X, B), G, pen.l1_W, pen.l2_W)

        def update_H(A, P, G):
            rule(A, P, G, pen.l1_H, pen.l2_H)

    def objective(Wc, Htc, cross, G_W, G_H):
        # ||X - W H||^2 = ||X||^2 - 2 <H^T, X^T W> + <W^T W, H H^T>, from X's nonzeros only
        half = 0.5 * max(norm_X2 - 2.0 * cross + float(np.vdot(G_W, G_H)), 0.0)
        return half, half + pen.of(Wc, pen.l1_W, pen.l2_W) + pen.of(Htc, pen.l1_H, pen.l2_H)

    norm_X2 = _squared_norm(X)
    # While W fits in cache, X^T W is fastest gathered from a transposed copy of X, fused
    # into the H sweep; beyond that, scattered from X itself (no copy of X needed).
    fuse_H = (solver == "cd" and eng.name == "fast" and sp.issparse(X)
              and W.nbytes <= FUSED_H_MAX_BYTES)
    Xt = X.T.tocsr() if fuse_H else None
    W = np.ascontiguousarray(W)
    Ht = np.ascontiguousarray(H.T)  # (n_features, k): both factors are updated row-major
    del H  # (a view when H came column-major, as from initialize)
    G_H = eng.gram(Ht)  # H H^T
    error_half, loss = objective(W, Ht, float(np.vdot(Ht, eng.tdot(X, W))), eng.gram(W), G_H)
    # Buffers, allocated once and rotated: W and its update; H^T, the previous H^T (for the
    # extrapolation direction) and a spare for the extrapolated and the updated H^T.
    W_new = np.empty_like(W)
    Ht_prev = None
    H_spare = np.empty_like(Ht)
    losses = [loss]
    accepted = [loss]
    ex = Extrapolation() if extrapolate else None
    start = time.perf_counter()
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        beta = ex.beta if ex is not None and n_iter > ex.warmup else 0.0
        if beta and Ht_prev is not None:
            Hy = H_spare
            eng.extrapolate(Hy, Ht, Ht_prev, beta)  # H_y = max(0, H + beta (H - H_prev))
            G_y = eng.gram(Hy)
        else:
            Hy, G_y = Ht, G_H
        update_W(W, W_new, Hy, G_y, beta)  # W_y = max(0, W' + beta (W' - W))
        G_W = eng.gram(W_new)  # W^T W
        Ht_new = H_spare  # H_y is no longer needed
        if fuse_H:
            cross = update_H_fused(Ht, Ht_new, W_new, G_W)
        else:
            P_H = eng.tdot(X, W_new)  # X^T W
            Ht_new[...] = Ht
            update_H(Ht_new, P_H, G_W)
            cross = float(np.vdot(Ht_new, P_H))
            del P_H
        G_new = eng.gram(Ht_new)
        new_half, new_loss = objective(W_new, Ht_new, cross, G_W, G_new)
        _check_finite(new_loss, solver, n_iter)
        previous = losses[-1]
        step_taken = not beta or new_loss <= previous
        if step_taken:
            W, W_new = W_new, W
            H_spare = Ht_prev if Ht_prev is not None else np.empty_like(Ht)
            Ht_prev, Ht, G_H = Ht, Ht_new, G_new
            error_half, loss = new_half, new_loss
            accepted.append(loss)
            if beta:
                ex.accepted()
        else:  # the extrapolated step went uphill: undo it and extrapolate less
            ex.rejected()
            Ht_prev = None
        _record(losses, loss, solver=solver, n_iter=n_iter, start=start, callback=callback)
        # a rejected step leaves the loss unchanged and says nothing about convergence
        if step_taken and _stalled(accepted, tol):
            converged = True
            break
    del W_new, Ht_prev, H_spare
    return NMFResult(
        W=W, H=Ht.T, n_iter=n_iter, loss_history=np.asarray(losses),
        reconstruction_err=float(np.sqrt(2.0 * error_half)), converged=converged,
        elapsed=time.perf_counter() - start,
    )


def _fit_W(eng, X, W, H, *, solver, tol, max_iter, penalty, callback):
    """W only, with H fixed: X H^T and H H^T are computed once."""
    pen = penalty
    rule = eng.hals if solver == "cd" else _updates.UPDATES[solver]
    Ht = np.ascontiguousarray(H.T)
    W = np.ascontiguousarray(W)  # updated in place: the caller hands over its own array
    norm_X2 = _squared_norm(X)
    P = eng.dot(X, Ht)
    G = eng.gram(Ht)
    penalty_H = pen.of(Ht, pen.l1_H, pen.l2_H)

    def objective():
        half = 0.5 * max(norm_X2 - 2.0 * float(np.vdot(W, P)) + float(np.vdot(G, eng.gram(W))), 0.0)
        return half, half + pen.of(W, pen.l1_W, pen.l2_W) + penalty_H

    error_half, loss = objective()
    losses = [loss]
    start = time.perf_counter()
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        rule(W, P, G, pen.l1_W, pen.l2_W)
        error_half, loss = objective()
        _record(losses, loss, solver=solver, n_iter=n_iter, start=start, callback=callback)
        if _stalled(losses, tol):
            converged = True
            break
    return NMFResult(
        W=W, H=H, n_iter=n_iter, loss_history=np.asarray(losses),
        reconstruction_err=float(np.sqrt(2.0 * error_half)), converged=converged,
        elapsed=time.perf_counter() - start,
    )
