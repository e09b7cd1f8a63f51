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


def _half_squared_error(norm_X2, A, P, G):
    """0.5 ||X - A B^T||^2 from P = X B and G = B^T B (rounding can push it below 0)."""
    cross = float(np.vdot(A, P))
    quad = float(np.vdot(G, A.T @ A))
    return 0.5 * max(norm_X2 - 2.0 * cross + quad, 0.0)


def inner_sweeps(nnz, n_rows, n_other, k, alpha=0.5):
    """How many HALS sweeps to make per product, after Gillis & Glineur (2012).

    A sweep of a factor with ``n_rows`` rows costs ~ n_rows k^2; the products it needs
    (X B and B^T B) cost ~ nnz k + n_other k^2. Reusing them for up to
    1 + alpha * (1 + cost(products) / cost(sweep)) sweeps buys progress cheaply.
    """
    rho = 1.0 + (nnz / k + n_other) / max(n_rows, 1)
    return 1 + int(alpha * rho)


def _sweeps(engine, A, P, G, l1, l2, max_inner, delta=0.1):
    """HALS on one factor: repeat sweeps while each still moves A by more than
    ``delta`` times the first sweep did (in Frobenius norm)."""
    first = engine.hals(A, P, G, l1, l2)
    for _ in range(max_inner - 1):
        if engine.hals(A, P, G, l1, l2) <= delta * delta * first:
            break


def fit_frobenius(X, W, H, *, solver, tol, max_iter, penalty, update_H=True, callback=None,
                  engine="fast", max_inner=None):
    """Iterate ``solver`` from (W, H) until the objective stops decreasing.

    W and H are updated in place (the caller owns them). Stops when the relative decrease
    of the objective in one iteration, (f_prev - f) / f_prev, falls to ``tol`` or below.
    One iteration computes the products for W once, updates W, then the same for H; with
    ``solver='cd'`` each update may make several sweeps (``max_inner``; None picks the
    number from the cost of the products, 1 gives plain HALS as in scikit-learn).

    Returns
    -------
    NMFResult
    """
    from threadpoolctl import threadpool_limits

    from ._engine import make_engine

    eng = make_engine(engine)
    X = X.tocsr() if sp.issparse(X) else X
    n, m = X.shape
    k = W.shape[1]
    nnz = X.nnz if sp.issparse(X) else int(np.count_nonzero(X))
    if solver == "cd":
        inner_W = max_inner or inner_sweeps(nnz, n, m, k)
        inner_H = max_inner or inner_sweeps(nnz, m, n, k)

        def update(A, P, G, l1, l2, inner):
            _sweeps(eng, A, P, G, l1, l2, inner)
    else:
        rule = _updates.UPDATES[solver]

        def update(A, P, G, l1, l2, inner):
            rule(A, P, G, l1, l2)
        inner_W = inner_H = 1

    Ht = np.ascontiguousarray(H.T)  # (n_features, k): both factors are updated row-major
    norm_X2 = _squared_norm(X)
    pen = penalty

    def objective(error_half):
        return error_half + pen.of(W, pen.l1_W, pen.l2_W) + pen.of(Ht, pen.l1_H, pen.l2_H)

    limits = threadpool_limits(limits=1, user_api="blas") if eng.name == "fast" else None
    try:
        Xt = (X.T.tocsr() if sp.issparse(X) else np.ascontiguousarray(X.T)) if update_H else None
        G = eng.gram(Ht)  # H H^T
        P = eng.dot(X, Ht)  # X H^T
        losses = [objective(_half_squared_error(norm_X2, W, P, G))]
        start = time.perf_counter()
        converged = False
        n_iter = 0
        for n_iter in range(1, max_iter + 1):
            if n_iter > 1 and update_H:  # with H fixed, X H^T and H H^T never change
                P = eng.dot(X, Ht)
            update(W, P, G, pen.l1_W, pen.l2_W, inner_W)
            if update_H:
                P_H = eng.dot(Xt, W)  # X^T W
                G_W = eng.gram(W)  # W^T W
                update(Ht, P_H, G_W, pen.l1_H, pen.l2_H, inner_H)
                G = eng.gram(Ht)  # H H^T, for the loss and the next W update
                # ||X - W H||^2 = ||X||^2 - 2 <H^T, X^T W> + <W^T W, H H^T>
                error_half = 0.5 * max(
                    norm_X2 - 2.0 * float(np.vdot(Ht, P_H)) + float(np.vdot(G_W, G)), 0.0)
            else:
                error_half = 0.5 * max(
                    norm_X2 - 2.0 * float(np.vdot(W, P)) + float(np.vdot(G, eng.gram(W))), 0.0)
            loss = objective(error_half)
            if not np.isfinite(loss):
                raise ConvergenceError(
                    f"NMF ({solver}) produced non-finite values at iteration {n_iter}; "
                    "check the input for inf/NaN or lower the regularization."
                )
            losses.append(loss)
            if callback is not None:
                callback(n_iter, time.perf_counter() - start, loss)
            previous = losses[-2]
            if previous <= 0 or abs(previous - loss) <= tol * previous:
                converged = True
                break
    finally:
        if limits is not None:
            limits.restore_original_limits()
        if hasattr(eng, "close"):
            eng.close()
    H[...] = Ht.T
    return NMFResult(
        W=W,
        H=H,
        n_iter=n_iter,
        loss_history=np.asarray(losses),
        reconstruction_err=float(np.sqrt(2.0 * error_half)),
        converged=converged,
        elapsed=time.perf_counter() - start,
    )
