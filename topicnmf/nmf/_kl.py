"""Kullback-Leibler NMF by multiplicative updates, evaluated only at X's nonzeros.

    D(X || WH) = sum_ij x_ij log(x_ij / (WH)_ij) - x_ij + (WH)_ij

The ratio X / (WH) is needed only where x_ij > 0, and sum_ij (WH)_ij = (W^T 1) . (H 1):
so a sparse X is never densified and no nnz x k temporary exists (scikit-learn #15242
is a MemoryError from exactly that).

Updates (Lee & Seung 2001), with R = X / (W H) at the nonzeros of X:

    W <- W * (R H^T) / (1 H^T + l1 + l2 W)
    H <- H * (W^T R) / (W^T 1 + l1 + l2 H)

Every array operation goes through the engine (``_engine.ArrayEngine``).
"""

import time

import numpy as np

from ..errors import ConvergenceError
from ._common import NMFResult, _record, _stalled
from ._init import least_squares_start


def fit_kl(engine, X, W, H, *, solver, tol, max_iter, penalty, update_H=True, callback=None,
           max_inner=1, extrapolate=None):
    """Multiplicative updates for the KL divergence; same contract as ``fit_frobenius``
    (``max_inner`` and ``extrapolate`` do not apply and are ignored).

    The objective recorded is D(X || WH) + penalties; stopping as for the Frobenius loss.
    """
    eng = engine
    X = eng.as_sparse(X)
    eps = np.finfo(H.dtype).eps
    rule = getattr(eng, solver.update)  # A <- A * N / (s + l1 + l2 A)
    Ht = eng.copy(H.T)
    if W is None:  # W only, from the least-squares solution for the fixed H
        with eng.threading():
            W = least_squares_start(eng, X, Ht, multiplicative=True)[0]
    W = eng.copy(W)
    R = eng.empty_pattern(X)  # X / (W H) at X's nonzeros
    pen = penalty

    def objective(partial):
        # the (WH)_ij term summed over all i, j without forming W H
        total = partial + eng.vdot(eng.colsum(W), eng.colsum(Ht))
        return (max(total, 0.0), max(total, 0.0) + pen.on_W(eng, W) + pen.on_H(eng, Ht))

    with eng.threading():
        divergence, loss = objective(eng.kl_ratio(X, W, Ht, eps, R))
        losses = [loss]
        start = time.perf_counter()
        converged = False
        n_iter = 0
        for n_iter in range(1, max_iter + 1):
            # W <- W * (R H^T) / (1 H^T): R is current for (W, H)
            rule(W, eng.dot(R, Ht), eng.colsum(Ht), pen.l1_W, pen.l2_W)
            if update_H:
                eng.kl_ratio(X, W, Ht, eps, R)
                # H^T <- H^T * (R^T W) / (1^T W)
                rule(Ht, eng.tdot(R, W), eng.colsum(W), pen.l1_H, pen.l2_H)
            divergence, loss = objective(eng.kl_ratio(X, W, Ht, eps, R))
            _record(losses, loss, solver=solver.name, n_iter=n_iter, start=start,
                    callback=callback)
            if _stalled(losses, tol):
                converged = True
                break
    if not (eng.all_finite(W) and eng.all_finite(Ht)):
        raise ConvergenceError("NMF (KL) produced non-finite values; check the input.")
    return NMFResult(
        W=eng.to_numpy(W), H=np.ascontiguousarray(eng.to_numpy(Ht).T),
        n_iter=n_iter, loss_history=np.asarray(losses),
        reconstruction_err=float(np.sqrt(2.0 * divergence)), converged=converged,
        elapsed=time.perf_counter() - start,
    )
