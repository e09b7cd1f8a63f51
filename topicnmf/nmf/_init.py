"""Initial factors for NMF: NNDSVD (and its variants) and scaled random.

References: C. Boutsidis, E. Gallopoulos, "SVD based initialization: A head start for
nonnegative matrix factorization", Pattern Recognition 41 (2008).
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ._engine import make_engine


def mean_of(X):
    """Mean of all entries of X (zeros included), without densifying a sparse X."""
    n, m = X.shape
    return float(X.sum()) / (n * m)


def least_squares_start(engine, X, Ht, multiplicative=False):
    """The start of the W-only problem (H fixed, given as H^T (n_features, k)):
    W0 = max(0, X H^T (H H^T)^-1), the unconstrained solution projected, so that
    ``transform`` converges in a few sweeps. Multiplicative updates cannot move an exact
    zero, so for them W0 is raised to at least 1e-2 sqrt(mean(X) / k).

    Returns W0 and the products it was solved from, P = X H^T (n_samples, k) and
    G = H H^T (k, k, float64), which the solver reuses.
    """
    k = Ht.shape[1]
    P = engine.dot(X, Ht)
    G = engine.gram(Ht)
    ridge = 1e-10 * max(np.trace(G) / k, 1e-300)
    G_inv = scipy.linalg.inv(G + ridge * np.eye(k), check_finite=False)
    W = engine.matmul(P, G_inv.astype(P.dtype))
    floor = 1e-2 * np.sqrt(mean_of(X) / k) if multiplicative else 0.0
    np.maximum(W, floor, out=W)
    return np.ascontiguousarray(W, dtype=X.dtype), P, G


def _orthonormalize(Y, engine):
    """An orthonormal basis of Y's columns by Cholesky QR: Y^T Y = R^T R, Q = Y R^-1 (two
    matrix products on the tall Y), falling back to Householder QR when Y is too
    ill-conditioned for it."""
    try:
        R = scipy.linalg.cholesky(engine.gram(Y), lower=False, check_finite=False)
        R_inv = scipy.linalg.solve_triangular(R, np.eye(R.shape[0], dtype=R.dtype), check_finite=False)
        Q = engine.matmul(Y, R_inv.astype(Y.dtype, copy=False))
        if np.all(np.isfinite(Q)):
            return Q
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        pass
    Q, _ = scipy.linalg.qr(Y, mode="economic", check_finite=False)
    return np.ascontiguousarray(Q)


def randomized_svd(X, k, rng, engine, *, n_oversamples=10, n_power_iter=None):
    """Truncated SVD X ~ U diag(S) Vt by randomized subspace iteration (Halko, Martinsson &
    Tropp 2011), with the engine's parallel sparse products.

    ``n_power_iter`` None uses scikit-learn's choice: 7 when k < 0.1 min(n, m), else 4.
    Returns U (n, k), S (k,), Vt (k, m).
    """
    n, m = X.shape
    size = min(k + n_oversamples, n, m)
    if n_power_iter is None:
        n_power_iter = 7 if k < 0.1 * min(n, m) else 4
    Q = _orthonormalize(engine.dot(X, rng.standard_normal((m, size)).astype(X.dtype)), engine)
    for _ in range(n_power_iter):  # Q <- orth(X X^T Q): sharpens the leading subspace
        Q = _orthonormalize(engine.dot(X, _orthonormalize(engine.tdot(X, Q), engine)), engine)
    Q = _orthonormalize(Q, engine)  # twice (CholeskyQR2): orthogonal to rounding
    B = engine.tdot(X, Q).T  # Q^T X, (size, m)
    Ub, S, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False)
    return (Q @ Ub)[:, :k], S[:k], Vt[:k]


def initialize(X, n_components, init, rng, engine=None):
    """Initial W (n_samples, k) and H (k, n_features) in X's dtype.

    H comes Fortran-ordered, so that H.T, the layout the solver works in, is contiguous.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features), nonnegative
    n_components : int
    init : {'nndsvd', 'nndsvda', 'nndsvdar', 'random'}
    rng : numpy.random.Generator
    engine : ArrayEngine, optional
        For the products of the randomized SVD; None: the fast engine.
    """
    dtype = X.dtype
    n, m = X.shape
    k = n_components
    avg = mean_of(X)
    if init == "random":
        scale = np.sqrt(avg / k)
        W = scale * np.abs(rng.standard_normal((n, k)))
        H = scale * np.abs(rng.standard_normal((k, m)))
        return W.astype(dtype), np.asfortranarray(H, dtype=dtype)

    if engine is None:
        engine = make_engine("fast")
    Xs = X.tocsr() if sp.issparse(X) else X
    U, S, Vt = randomized_svd(Xs, k, rng, engine)
    W = np.zeros((n, k), dtype=np.float64)
    H = np.zeros((k, m), dtype=np.float64)
    # The leading singular pair of a nonnegative matrix can be taken nonnegative.
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0, :] = np.sqrt(S[0]) * np.abs(Vt[0, :])
    for j in range(1, k):
        x, y = U[:, j], Vt[j, :]
        xp, yp = np.maximum(x, 0), np.maximum(y, 0)
        xn, yn = np.maximum(-x, 0), np.maximum(-y, 0)
        xp_norm, yp_norm = np.linalg.norm(xp), np.linalg.norm(yp)
        xn_norm, yn_norm = np.linalg.norm(xn), np.linalg.norm(yn)
        mp, mn = xp_norm * yp_norm, xn_norm * yn_norm
        # Keep the dominant sign pattern of the j-th rank-one term.
        if mp > mn:
            u, v, sigma = xp / max(xp_norm, 1e-300), yp / max(yp_norm, 1e-300), mp
        else:
            u, v, sigma = xn / max(xn_norm, 1e-300), yn / max(yn_norm, 1e-300), mn
        lam = np.sqrt(S[j] * sigma)
        W[:, j] = lam * u
        H[j, :] = lam * v
    eps = 1e-6
    W[W < eps] = 0
    H[H < eps] = 0
    if init == "nndsvda":
        W[W == 0] = avg
        H[H == 0] = avg
    elif init == "nndsvdar":
        zw, zh = W == 0, H == 0
        W[zw] = np.abs(avg * rng.standard_normal(zw.sum()) / 100)
        H[zh] = np.abs(avg * rng.standard_normal(zh.sum()) / 100)
    return W.astype(dtype, copy=False), np.asfortranarray(H, dtype=dtype)
