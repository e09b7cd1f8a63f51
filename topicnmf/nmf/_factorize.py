"""The public function: validate, initialize, iterate. The estimator calls this."""

import numpy as np
import scipy.sparse as sp

from ..errors import ParameterError
from . import _validation as v
from ._engine import make_engine, single_threaded_blas
from ._init import initialize, mean_of
from ._kl import fit_kl
from ._solve import Penalty, fit_frobenius

# Each default is defined here once; the estimator, the pipeline and the CLI read them.
DEFAULT_SOLVER = "cd"
DEFAULT_BETA_LOSS = "frobenius"
DEFAULT_TOL = 1e-9
DEFAULT_MAX_ITER = 200


def penalty_for(shape, *, alpha_W, alpha_H, l1_ratio):
    """Scale alphas as scikit-learn does: W's by n_features, H's by n_samples."""
    n, m = shape
    alpha_H = alpha_W if alpha_H == "same" else alpha_H
    return Penalty(
        l1_W=alpha_W * l1_ratio * m,
        l2_W=alpha_W * (1.0 - l1_ratio) * m,
        l1_H=alpha_H * l1_ratio * n,
        l2_H=alpha_H * (1.0 - l1_ratio) * n,
    )


def check_input(X, owner="NMF"):
    """Float32/float64 CSR or C-contiguous array; nonnegative and finite."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        data = X.data
    else:
        X = np.asarray(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        X = np.ascontiguousarray(X)
        data = X
    if X.ndim != 2:
        raise ParameterError(f"{owner} expects a 2-D matrix X; got {X.ndim} dimension(s).")
    if not np.all(np.isfinite(data)):
        raise ParameterError(f"{owner}: X contains NaN or infinity; clean the input first.")
    if data.size and data.min() < 0:
        raise ParameterError(f"Negative values in data passed to {owner} (input X); NMF needs X >= 0.")
    return X


def factorize(
    X,
    n_components,
    *,
    init=None,
    solver=DEFAULT_SOLVER,
    beta_loss=DEFAULT_BETA_LOSS,
    tol=DEFAULT_TOL,
    max_iter=DEFAULT_MAX_ITER,
    random_state=None,
    alpha_W=0.0,
    alpha_H="same",
    l1_ratio=0.0,
    W=None,
    H=None,
    update_H=True,
    callback=None,
    engine="fast",
    max_inner=1,
    extrapolate=None,
):
    """Factorize a nonnegative matrix X ~ W H.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Nonnegative data; a sparse X stays sparse throughout.
    n_components : int
        Number of components k.
    init : {'nndsvd', 'nndsvda', 'nndsvdar', 'random', 'custom'} or None, default=None
        None picks 'nndsvda' when k <= min(n_samples, n_features), else 'random'.
        'custom' uses the W and H given (only H when ``update_H`` is False).
    solver : {'cd', 'mu', 'als'}, default='cd'
        'cd': hierarchical ALS (coordinate descent on columns); 'mu': Lee-Seung
        multiplicative updates; 'als': projected alternating least squares.
    beta_loss : {'frobenius', 'kullback-leibler'}, default='frobenius'
        'kullback-leibler' needs solver='mu' and is evaluated at X's nonzeros only.
    tol : float, default=1e-9
        Stop when the iterations lower the objective by ``tol`` or less relative to it
        (on average over the last three); 0 runs all ``max_iter`` iterations (unless the
        fit becomes exact). The default makes runs end at least as accurate
        as scikit-learn's 'cd' with its defaults (see benchmarks/).
    max_iter : int, default=200
    random_state : int, numpy Generator or None
        Seeds 'random' and 'nndsvdar' initialization and the randomized SVD.
    alpha_W, alpha_H, l1_ratio : float
        Regularization with scikit-learn's meaning; ``alpha_H='same'`` copies alpha_W.
    W, H : ndarray, optional
        Initial factors for init='custom'; with ``update_H=False``, H is the fixed factor.
    update_H : bool, default=True
        False solves for W only (as ``transform`` does).
    callback : callable(iteration, elapsed_seconds, loss), optional
    engine : {'fast', 'reference'}, default='fast'
        'fast' runs compiled kernels on all cores; 'reference' the plain numpy code.
    max_inner : int or None, default=None
        HALS sweeps per product for solver='cd': None chooses from the cost of the
        products (accelerated HALS, Gillis & Glineur 2012); 1 (the default) one sweep.
    extrapolate : bool or None, default=None
        Adaptive extrapolation between iterations (Ang & Gillis 2019); None: on for 'cd'.

    Returns
    -------
    NMFResult
    """
    X = check_input(X)
    n, m = X.shape
    k = v.check_int(n_components, "n_components", low=1)
    v.check_option(solver, "solver", v.SOLVERS)
    v.check_option(beta_loss, "beta_loss", v.BETA_LOSSES)
    if beta_loss == "kullback-leibler" and solver != "mu":
        raise ParameterError(
            f"beta_loss='kullback-leibler' is fitted by multiplicative updates; "
            f"use solver='mu' (got solver={solver!r})."
        )
    tol = v.check_real(tol, "tol")
    max_iter = v.check_int(max_iter, "max_iter", low=1)
    alpha_W = v.check_real(alpha_W, "alpha_W")
    alpha_H = v.check_real(alpha_H, "alpha_H", allow=("same",))
    l1_ratio = v.check_real(l1_ratio, "l1_ratio", high=1.0)
    rng = v.check_random_state(random_state)
    engine = v.check_option(engine, "engine", ("fast", "reference"))
    if init is None:
        init = "nndsvda" if k <= min(n, m) else "random"
    v.check_option(init, "init", v.INITS + ("custom",))
    if init in v.INITS[:3] and k > min(n, m):
        raise ParameterError(
            f"init={init!r} needs n_components <= min(n_samples, n_features) = {min(n, m)}; "
            f"got n_components={k}. Use fewer components or init='random'."
        )

    if not update_H:
        H = _check_factor(H, (k, m), "H", X.dtype)
        if init == "custom" and W is not None:
            W = _check_factor(W, (n, k), "W", X.dtype)
        else:
            W = _least_squares_start(X, H)
            if solver == "mu":  # multiplicative updates cannot move an exact zero
                np.maximum(W, 1e-2 * np.sqrt(mean_of(X) / k), out=W)
        H = H.copy()
    elif init == "custom":
        W = _check_factor(W, (n, k), "W", X.dtype)
        H = _check_factor(H, (k, m), "H", X.dtype)
    else:
        eng = make_engine(engine)
        with single_threaded_blas(eng):  # see _engine: one threading layer
            W, H = initialize(X, k, init, rng, eng)

    penalty = penalty_for((n, m), alpha_W=alpha_W, alpha_H=alpha_H, l1_ratio=l1_ratio)
    if max_inner is not None:
        max_inner = v.check_int(max_inner, "max_inner", low=1)
    return _iterate(X, W, H, solver=solver, beta_loss=beta_loss, tol=tol, max_iter=max_iter,
                    penalty=penalty, update_H=update_H, callback=callback, engine=engine,
                    max_inner=max_inner, extrapolate=extrapolate)


def _iterate(X, W, H, *, beta_loss, **options):
    """Run the solver for ``beta_loss`` on arrays the caller owns (they may be written into)."""
    if beta_loss == "kullback-leibler":
        options.pop("solver"), options.pop("max_inner"), options.pop("extrapolate")
        return fit_kl(X, W, H, **options)
    return fit_frobenius(X, W, H, **options)


def refine_W(X, W, H, *, solver=DEFAULT_SOLVER, beta_loss=DEFAULT_BETA_LOSS, tol=DEFAULT_TOL,
             max_iter=DEFAULT_MAX_ITER, alpha_W=0.0, alpha_H="same", l1_ratio=0.0):
    """Solve for W with H fixed, starting from W, which is updated in place (so the
    caller must own it). Used to make the W of a fit exactly what ``transform`` gives."""
    penalty = penalty_for(X.shape, alpha_W=alpha_W, alpha_H=alpha_H, l1_ratio=l1_ratio)
    return _iterate(check_input(X), W, H, solver=solver, beta_loss=beta_loss, tol=tol,
                    max_iter=max_iter, penalty=penalty, update_H=False, callback=None,
                    engine="fast", max_inner=1, extrapolate=False)


def _least_squares_start(X, H):
    """W0 = max(0, X H^T (H H^T)^-1): the unconstrained solution, projected.

    A far better start for the (convex) W-only problem than a constant, so ``transform``
    converges in a few sweeps.
    """
    k = H.shape[0]
    G = H @ H.T
    G += (1e-10 * max(np.trace(G) / k, 1e-300)) * np.eye(k, dtype=G.dtype)
    P = np.asarray(X @ H.T)
    W = np.linalg.solve(G, P.T).T
    return np.ascontiguousarray(np.maximum(W, 0), dtype=X.dtype)


def _check_factor(A, shape, name, dtype):
    if A is None:
        raise ParameterError(f"init='custom' needs an initial {name} of shape {shape}.")
    # W row-major; H column-major, so that H.T (the solver's layout) is contiguous
    A = np.array(A, dtype=dtype, order="C" if name == "W" else "F", copy=True)
    if A.shape != shape:
        raise ParameterError(f"Array {name} must have shape {shape}; got {A.shape}.")
    if not np.all(np.isfinite(A)) or (A.size and A.min() < 0):
        raise ParameterError(f"Array {name} must be finite and nonnegative.")
    return A
