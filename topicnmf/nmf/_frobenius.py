"""The Frobenius loss: X ~ W H on a nonnegative, possibly sparse X.

Shapes: X (n_samples, n_features), W (n_samples, k), H (k, n_features).

Objective, as in scikit-learn:

    0.5 ||X - W H||_F^2 + l1_W |W|_1 + 0.5 l2_W ||W||_F^2 + l1_H |H|_1 + 0.5 l2_H ||H||_F^2

with l1_W = alpha_W * l1_ratio * n_features, l2_W = alpha_W * (1 - l1_ratio) * n_features,
and the same for H with n_samples.

The loss is computed from X's nonzeros only, never from a dense W @ H:

    ||X - W H||^2 = ||X||^2 - 2 tr(W^T X H^T) + tr((W^T W)(H H^T))

and the two middle terms come for free from the products each update needs anyway.

Every array operation goes through the engine (``_engine.ArrayEngine``); which update
runs comes from the solver table (``_solvers.SOLVERS``).
"""

import time

import numpy as np

from . import _updates
from . import _common
from ._common import Extrapolation, NMFResult, Violation, _check_finite, _record, _stalled
from ._init import least_squares_start

INNER_DELTA = 0.1  # stop inner sweeps once one moves less than this times the first


def inner_sweeps(nnz, n_rows, n_other, k, alpha=0.5):
    """How many HALS sweeps to make per product, after Gillis & Glineur (2012).

    A sweep of a factor with ``n_rows`` rows costs ~ n_rows k^2; the products it needs
    (X B and B^T B) cost ~ nnz k + n_other k^2. Reusing them for up to
    1 + alpha * (1 + cost(products) / cost(sweep)) sweeps buys progress cheaply.
    """
    rho = 1.0 + (nnz / k + n_other) / max(n_rows, 1)
    return 1 + int(alpha * rho)


def fit_frobenius(engine, X, W, H, *, solver, tol, max_iter, penalty, update_H=True,
                  callback=None, max_inner=1, extrapolate=None, pull=None):
    """Iterate ``solver`` (a ``_solvers.Solver``) from (W, H) until the objective stops
    decreasing or, with HALS, the projected gradient is small.

    Stops when the iterations lower the objective by ``tol`` or less, relative to it:
    (f_prev - f) / f_prev <= tol, averaged over the last three iterations (an undone step
    counting as no decrease); when extrapolating, that first switches the extrapolation
    off, and the fit stops once plain iterations stall too. With HALS it also stops once
    an iteration's violation (the sum of |projected gradient| over the coordinate updates,
    scikit-learn's measure) is at most ``_common.GRADIENT_TOL`` times the first
    iteration's (:class:`~._common.Violation`). ``tol`` 0 switches both rules off.
    One iteration updates W (with X H^T computed once) and then H (with X^T W computed
    once). With HALS (``solver.rows``) each update makes up to ``max_inner`` sweeps (None:
    chosen from the cost of the products; 1: plain HALS, the same iterates as
    scikit-learn's 'cd'), and ``extrapolate`` (None: the solver's default) adds the
    adaptive extrapolation of :class:`~._common.Extrapolation`; a step that raises the
    objective is undone, so the loss history never increases.

    ``pull`` (a ``_pull.Ridge``, or None) adds its ridge toward target rows of H to the
    objective and to the H step's products.

    W and H must be arrays the caller owns and hands over: they may be written into. With
    ``update_H`` False, W may be None: the start is then the least-squares solution for the
    fixed H (``_init.least_squares_start``).

    Returns
    -------
    NMFResult
    """
    X = engine.as_matrix(X)
    with engine.threading():
        if update_H:
            if extrapolate is None:
                extrapolate = solver.extrapolate
            return _fit_both(engine, X, W, H, solver=solver, tol=tol, max_iter=max_iter,
                             penalty=penalty, callback=callback, max_inner=max_inner,
                             extrapolate=extrapolate, pull=pull)
        return _fit_W(engine, X, W, H, solver=solver, tol=tol, max_iter=max_iter,
                      penalty=penalty, callback=callback)


def _fit_both(eng, X, W, H, *, solver, tol, max_iter, penalty, callback, max_inner, extrapolate,
              pull=None):
    """The loop's control: extrapolation, undoing a step that went uphill, stopping. The
    arithmetic of an iteration is a :class:`Steps` (or the engine's fused one, see
    :meth:`Steps.of`), which holds W and H^T."""
    rounding = np.dtype(W.dtype) == np.float32  # the stopping rule reads a float32 objective
    steps = Steps.of(eng, X, W, H, solver=solver, penalty=penalty, max_inner=max_inner,
                     pull=pull)
    del W, H
    norm_X2 = eng.squared_norm(X)

    def objective(cross, G_W, G_H, penalties):
        # ||X - W H||^2 = ||X||^2 - 2 <H^T, X^T W> + <W^T W, H H^T>, from X's nonzeros only
        half = 0.5 * max(norm_X2 - 2.0 * cross + eng.vdot(G_W, G_H), 0.0)
        return half, half + penalties

    error_half, loss = objective(*steps.start())
    losses = [loss]
    ex = Extrapolation() if extrapolate else None
    since = 0  # the stopping rule reads losses[since:] (from the start of the polish)
    gradient = Violation(_common.GRADIENT_TOL if tol > 0 else 0.0)
    start = time.perf_counter()
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        beta = ex.step(n_iter) if ex is not None else 0.0
        *parts, violation = steps.step(beta)
        new_half, new_loss = objective(*parts)
        _check_finite(new_loss, solver.name, n_iter)
        previous = losses[-1]
        if not beta or new_loss <= previous:  # the step is taken
            steps.take()
            gradient.taken(violation)
            error_half, loss = new_half, new_loss
            if beta:
                ex.accepted()
            elif ex is not None:
                ex.after_plain(n_iter, (previous - loss) / previous if previous > 0 else 0.0)
        else:  # the extrapolated step went uphill: undo it, restart with a plain step
            ex.rejected()
            steps.undo()
        _record(losses, loss, solver=solver.name, n_iter=n_iter, start=start, callback=callback)
        # checked after every iteration: an undone step counts as no decrease, so a fit
        # whose extrapolated steps are all undone (float32 at its minimum) still stops
        # (the gradient rule ends the fit at once, extrapolating or not: see ``Violation``)
        small = gradient.small()
        if small or _stalled(losses[since:], tol, rounding):
            if ex is not None and not small and ex.polish():
                since = len(losses) - 1  # finish with plain HALS iterations
                continue
            converged = True
            break
    W, H = steps.result()
    return _result(eng, W, H, n_iter, losses, error_half, converged, start)


class Steps:
    """One iteration of the Frobenius loop on the engine's arrays: W updated given H (and
    H H^T), then H given the new W (and W^T W), both with the solver's update; with beta,
    H extrapolated first and W inside its sweep. The loop keeps the control; this keeps
    the arrays: the accepted W and H^T, the previous H^T (the extrapolation's direction),
    and the step made last until it is taken or undone.

    ``start()`` and ``step(beta)`` return the objective's parts at the current point and
    at the new one: (<H^T, X^T W>, W^T W, H H^T, the penalties); ``step`` adds the step's
    violation (the W and H sweeps', see ``_updates.hals``; None for rules other than
    HALS)."""

    @staticmethod
    def of(eng, X, W, H, *, solver, penalty, max_inner, pull):
        """The engine's fused steps (an engine that keeps the arrays elsewhere: one
        exchange per iteration), when it has them for this fit, or :class:`Steps`."""
        X = eng.as_matrix(X)
        n, m = X.shape
        k = W.shape[1]
        inner_W = inner_H = 1
        if solver.rows:
            nnz = eng.nnz(X)
            inner_W = max_inner or inner_sweeps(nnz, n, m, k)
            inner_H = max_inner or inner_sweeps(nnz, m, n, k)
        if solver.rows and pull is None and inner_W == inner_H == 1:
            fused = eng.fused_steps(X, W, H, penalty)
            if fused is not None:
                return fused
        return Steps(eng, X, W, H, solver=solver, penalty=penalty, sweeps=(inner_W, inner_H),
                     pull=pull)

    def __init__(self, eng, X, W, H, *, solver, penalty, sweeps, pull):
        self.eng, self.X, self.solver, self.pen, self.pull = eng, X, solver, penalty, pull
        self.inner_W, self.inner_H = sweeps
        self.rule = getattr(eng, solver.update)  # A <- update(A, P = X B, G = B^T B)
        # X^T, when the engine gathers X^T W in the H sweep (not when pulled: P changes)
        self.Xt = eng.fused_transpose(X, W) if solver.rows and pull is None else None
        self.W = eng.asfactor(W)
        self.Ht = eng.asfactor(H.T)  # (n_features, k): both factors are updated row-major
        self.G_H = eng.gram(self.Ht)  # H H^T
        # Buffers, allocated once and rotated: W and its update; H^T, the previous H^T (for
        # the extrapolation direction) and a spare for the extrapolated and the updated H^T.
        self.W_new = eng.empty_like(self.W)
        self.Ht_prev = None
        self.H_spare = eng.empty_like(self.Ht)
        self.new = None  # (H^T, H H^T) of the last step

    def penalties(self, W, Ht):
        pulled = 0.0 if self.pull is None else self.pull.penalty(self.eng.to_numpy(Ht))
        return self.pen.on_W(self.eng, W) + self.pen.on_H(self.eng, Ht) + pulled

    def start(self):
        eng = self.eng
        return (eng.vdot(self.Ht, eng.tdot(self.X, self.W)), eng.gram(self.W), self.G_H,
                self.penalties(self.W, self.Ht))

    def update_W(self, A_in, A_out, B, G, beta):
        """A_out <- the update of A_in = W given B = H^T; returns its violation (HALS; None
        for the other rules)."""
        eng, pen = self.eng, self.pen
        if self.solver.rows:
            # A_out <- HALS sweeps from A_in for min ||X - A B^T||, X B fused in; extrapolated
            return eng.hals_rows(self.X, B, G, A_in, A_out, pen.l1_W, pen.l2_W, self.inner_W,
                                 INNER_DELTA, beta)[1]
        eng.copy_into(A_out, A_in)  # (the multiplicative and ALS updates extrapolate H only)
        self.rule(A_out, eng.dot(self.X, B), G, pen.l1_W, pen.l2_W)
        return None

    def update_H(self, A_in, A_out, B, G):
        """A_out <- the update of A_in = H^T given B = W; returns <A_out, X^T W> and the
        update's violation (None for rules other than HALS)."""
        eng, pen = self.eng, self.pen
        if self.Xt is not None:
            return eng.hals_rows(self.Xt, B, G, A_in, A_out, pen.l1_H, pen.l2_H, self.inner_H,
                                 INNER_DELTA, 0.0)
        P = eng.tdot(self.X, B)  # X^T W
        eng.copy_into(A_out, A_in)
        Pp, Gp = (P, G) if self.pull is None else self.pull.products(P, G)  # + the ridge
        violation = _updates.repeat_sweeps(self.rule, A_out, Pp, Gp, pen.l1_H, pen.l2_H,
                                           self.inner_H, INNER_DELTA)
        return eng.vdot(A_out, P), violation

    def step(self, beta):
        eng = self.eng
        if beta and self.Ht_prev is not None:
            Hy = self.H_spare
            eng.extrapolate(Hy, self.Ht, self.Ht_prev, beta)  # H_y = max(0, H + beta (H - H_prev))
            G_y = eng.gram(Hy)
        else:
            Hy, G_y = self.Ht, self.G_H
        of_W = self.update_W(self.W, self.W_new, Hy, G_y, beta)  # W_y = max(0, W' + beta (W' - W))
        G_W = eng.gram(self.W_new)  # W^T W
        Ht_new = self.H_spare  # H_y is no longer needed
        cross, of_H = self.update_H(self.Ht, Ht_new, self.W_new, G_W)
        G_new = eng.gram(Ht_new)
        self.new = (Ht_new, G_new)
        violation = None if of_W is None or of_H is None else of_W + of_H
        return cross, G_W, G_new, self.penalties(self.W_new, Ht_new), violation

    def take(self):
        self.W, self.W_new = self.W_new, self.W
        self.H_spare = self.Ht_prev if self.Ht_prev is not None else self.eng.empty_like(self.Ht)
        self.Ht_prev, (self.Ht, self.G_H) = self.Ht, self.new

    def undo(self):
        self.Ht_prev = None  # (the next step is a plain one from the accepted point)

    def result(self):
        """(W, H) as the engine holds them: W for ``_result``, H as an array."""
        self.W_new = self.Ht_prev = self.H_spare = self.new = None
        return self.W, self.eng.to_numpy(self.Ht).T


def _fit_W(eng, X, W, H, *, solver, tol, max_iter, penalty, callback):
    """W only, with H fixed (the convex problem ``transform`` solves): X H^T and H H^T are
    computed once, and each iteration is one update of W from them. A HALS sweep returns
    how much it lowered the objective (exactly: each coordinate step minimizes a quadratic),
    so the objective is computed in full only at the start and the end."""
    pen = penalty
    rule = getattr(eng, solver.update)
    Ht = eng.asfactor(H.T)
    if W is None:  # X H^T and H H^T, computed once, give the start too
        W, P, G = least_squares_start(eng, X, Ht, solver.multiplicative)
    else:
        W = eng.asfactor(W)  # updated in place: the caller hands over its own array
        P = eng.dot(X, Ht)
        G = eng.gram(Ht)
    norm_X2 = eng.squared_norm(X)
    penalty_H = pen.on_H(eng, Ht)

    def objective():
        half = 0.5 * max(norm_X2 - 2.0 * eng.vdot(W, P) + eng.vdot(G, eng.gram(W)), 0.0)
        return half, half + pen.on_W(eng, W) + penalty_H

    error_half, loss = objective()
    losses = [loss]
    start = time.perf_counter()
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if solver.rows:
            loss -= eng.hals_descent(W, P, G, pen.l1_W, pen.l2_W)
        else:
            rule(W, P, G, pen.l1_W, pen.l2_W)
            error_half, loss = objective()
        _record(losses, loss, solver=solver.name, n_iter=n_iter, start=start, callback=callback)
        if _stalled(losses, tol):
            converged = True
            break
    if solver.rows:
        error_half, losses[-1] = objective()
    return _result(eng, W, H, n_iter, losses, error_half, converged, start)


def _result(eng, W, H, n_iter, losses, error_half, converged, start):
    return NMFResult(
        W=eng.to_numpy(W), H=H, n_iter=n_iter, loss_history=np.asarray(losses),
        reconstruction_err=float(np.sqrt(2.0 * error_half)), converged=converged,
        elapsed=time.perf_counter() - start,
    )
