"""Kullback-Leibler NMF by multiplicative updates, evaluated only at X's nonzeros.

    D(X || WH) = sum_ij x_ij log(x_ij / (WH)_ij) - x_ij + (WH)_ij

The ratio X / (WH) is needed only where x_ij > 0, and sum_ij (WH)_ij = (W^T 1) . (H 1):
so a sparse X is never densified and no nnz x k temporary exists (scikit-learn #15242
is a MemoryError from exactly that).

Updates (Lee & Seung 2001), with R = X / (W H) at the nonzeros of X:

    W <- W * (R H^T) / (1 H^T + l1 + l2 W)
    H <- H * (W^T R) / (W^T 1 + l1 + l2 H)
"""

import time

import numpy as np
import scipy.sparse as sp

from ..errors import ConvergenceError


def _ratio_reference(X, W, Ht, eps):
    """The obvious version of ``_kernels.kl_ratio``, for sparse or dense X (tests)."""
    X = sp.csr_matrix(X)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    wh = np.maximum(np.einsum("pk,pk->p", W[rows], Ht[X.indices]), eps)
    ratio = X.data / wh
    return ratio, float(np.sum(X.data * np.log(X.data / wh) - X.data))


def fit_kl(X, W, H, *, tol, max_iter, penalty, update_H=True, callback=None, engine="fast"):
    """Multiplicative updates for the KL divergence; same contract as ``fit_frobenius``.

    The objective recorded is D(X || WH) + penalties; stopping as for the Frobenius loss.
    """
    from ._engine import make_engine, single_threaded_blas
    from ._solve import NMFResult, _record, _stalled

    eng = make_engine(engine)
    X = sp.csr_matrix(X)
    X.sum_duplicates()
    dtype = W.dtype
    eps = np.finfo(dtype).eps
    W = np.array(W, order="C", copy=True)
    Ht = np.array(H.T, order="C", copy=True)
    ratio = np.empty_like(X.data)
    pen = penalty

    def kl_at_nonzeros():
        if eng.name == "fast":
            from . import _kernels

            return float(_kernels.kl_ratio(X.indptr, X.indices, X.data, W, Ht, dtype.type(eps), ratio))
        r, value = _ratio_reference(X, W, Ht, eps)
        ratio[:] = r
        return value

    def objective(partial):
        # the (WH)_ij term summed over all i, j without forming W H
        total = partial + float(W.sum(axis=0) @ Ht.sum(axis=0))
        return (max(total, 0.0), max(total, 0.0) + pen.of(W, pen.l1_W, pen.l2_W)
                + pen.of(Ht, pen.l1_H, pen.l2_H))

    def R():
        return sp.csr_matrix((ratio, X.indices, X.indptr), shape=X.shape)

    def multiply(A, numer, denom, l1, l2):
        denom = denom + l1 + (l2 * A if l2 else 0.0)
        A *= numer / np.maximum(denom, eps)

    with single_threaded_blas(eng):
        divergence, loss = objective(kl_at_nonzeros())
        losses = [loss]
        start = time.perf_counter()
        converged = False
        n_iter = 0
        for n_iter in range(1, max_iter + 1):
            # W <- W * (R H^T) / (1 H^T): R is current for (W, H)
            multiply(W, eng.dot(R(), Ht), Ht.sum(axis=0), pen.l1_W, pen.l2_W)
            if update_H:
                kl_at_nonzeros()
                # H^T <- H^T * (R^T W) / (1^T W)
                multiply(Ht, eng.tdot(R(), W), W.sum(axis=0), pen.l1_H, pen.l2_H)
            divergence, loss = objective(kl_at_nonzeros())
            _record(losses, loss, solver="mu", n_iter=n_iter, start=start, callback=callback)
            if _stalled(losses, tol):
                converged = True
                break
    if not np.all(np.isfinite(W)) or not np.all(np.isfinite(Ht)):
        raise ConvergenceError("NMF (KL) produced non-finite values; check the input.")
    return NMFResult(
        W=W, H=np.ascontiguousarray(Ht.T), n_iter=n_iter, loss_history=np.asarray(losses),
        reconstruction_err=float(np.sqrt(2.0 * divergence)), converged=converged,
        elapsed=time.perf_counter() - start,
    )
