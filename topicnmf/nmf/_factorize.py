"""The public functions: check the input, start, and run the solver the table names.
The estimator calls these."""

from dataclasses import fields, replace

import numpy as np
import scipy.sparse as sp

from ..errors import ParameterError
from . import _validation as v
from ._engine import make_engine
from ._init import initialize
from ._options import SolverOptions
from ._solvers import solve

_SETTINGS = frozenset(f.name for f in fields(SolverOptions))


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
    # the smallest and largest value are finite only if every value is (both carry a NaN):
    # two vectorized passes, no temporary (a compiled early-exit loop was 3-4 times slower)
    low, high = (data.min(), data.max()) if data.size else (0.0, 0.0)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ParameterError(f"{owner}: X contains NaN or infinity; clean the input first.")
    if low < 0:
        raise ParameterError(f"Negative values in data passed to {owner} (input X); NMF needs X >= 0.")
    return X


def factorize(X, n_components, *, options=None, random_state=None, W=None, H=None,
              update_H=True, callback=None, engine="fast", max_inner=1, extrapolate=None,
              pull=None, **settings):
    """Factorize a nonnegative matrix X ~ W H.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Nonnegative data; a sparse X stays sparse throughout.
    n_components : int
        Number of components k.
    options : SolverOptions, optional
        The loss, solver, start, stopping rule and penalty (default: ``SolverOptions()``).
        An ``init`` of None picks 'nndsvda' when k <= min(n_samples, n_features), else
        'random'. 'custom' uses the W and H given (only H when ``update_H`` is False).
    random_state : int, numpy Generator or None
        Seeds 'random' and 'nndsvdar' initialization and the randomized SVD.
    W, H : ndarray, optional
        Initial factors for init='custom'; with ``update_H=False``, H is the fixed factor.
    update_H : bool, default=True
        False solves for W only (as ``transform`` does).
    callback : callable(iteration, elapsed_seconds, loss), optional
    engine : {'fast', 'reference'}, default='fast'
        A name in ``_engine.ENGINES``: 'fast' runs compiled kernels on all cores,
        'reference' the plain numpy code.
    max_inner : int or None, default=1
        HALS sweeps per product for solver='cd': None chooses from the cost of the
        products (accelerated HALS, Gillis & Glineur 2012); 1 one sweep.
    extrapolate : bool or None, default=None
        Adaptive extrapolation between iterations (Ang & Gillis 2019); None: on for 'cd'.
    pull : Pull, optional
        Anchored rows of H: started at their targets and pulled toward them by a ridge
        added to the objective (see ``_pull``); Frobenius loss, with H updated.
    **settings
        Fields of :class:`SolverOptions` (``solver='mu'``, ``tol=0``, ...) overriding
        those of ``options``.

    Returns
    -------
    NMFResult
    """
    options = _options(options, settings, "factorize")
    X = check_input(X)
    n, m = X.shape
    k = v.check_int(n_components, "n_components", low=1)
    rng = v.check_random_state(random_state)
    eng = make_engine(engine)
    if options.init is None and k > min(n, m):
        options = replace(options, init="random")  # NNDSVD needs k <= min(n, m)
    options = options.resolve(default_init="nndsvda")
    init = options.init
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
            W = None  # the loop starts from the least-squares solution (_init.least_squares_start)
        H = H.copy()
    elif init == "custom":
        W = _check_factor(W, (n, k), "W", X.dtype)
        H = _check_factor(H, (k, m), "H", X.dtype)
    else:
        with eng.threading():
            W, H = initialize(X, k, init, rng, eng, v.sketch_state(random_state))

    if max_inner is not None:
        max_inner = v.check_int(max_inner, "max_inner", low=1)
    loop = {}
    if pull is not None:
        if options.beta_loss != "frobenius" or not update_H:
            raise ParameterError("A pull toward target rows of H needs beta_loss='frobenius' and "
                                 "update_H=True; fit without it.")
        loop["pull"] = pull.start(X, W, H)
    return _run(eng, X, W, H, options, update_H=update_H, callback=callback,
                max_inner=max_inner, extrapolate=extrapolate, **loop)


def refine_W(X, W, H, options):
    """Solve for W with H fixed, starting from W, which is updated in place (so the
    caller must own it). Used to make the W of a fit exactly what ``transform`` gives.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    W : ndarray of shape (n_samples, n_components)
    H : ndarray of shape (n_components, n_features)
    options : SolverOptions
        The loss, solver, stopping rule and penalty (``init`` is not used).

    Returns
    -------
    NMFResult
    """
    options = _options(options, {}, "refine_W").resolve()
    return _run(make_engine("fast"), check_input(X), W, H, options, update_H=False,
                callback=None, max_inner=1, extrapolate=False)


def _options(options, settings, owner):
    if options is None:
        options = SolverOptions()
    elif not isinstance(options, SolverOptions):
        raise TypeError(f"{owner}() needs options as a SolverOptions; got {type(options).__name__}.")
    for name in settings:
        if name not in _SETTINGS:
            raise TypeError(f"{owner}() got an unexpected keyword argument {name!r}")
    return replace(options, **settings) if settings else options


def _run(eng, X, W, H, options, **loop):
    """Run the resolved ``options``' solver on arrays the caller owns (they may be written
    into)."""
    return solve(eng, X, W, H, beta_loss=options.beta_loss, solver=options.solver,
                 tol=float(options.tol), max_iter=int(options.max_iter),
                 penalty=options.penalty(X.shape), **loop)


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
