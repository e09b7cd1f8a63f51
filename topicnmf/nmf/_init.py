"""Initial factors for NMF: NNDSVD (and its variants) and scaled random.

References: C. Boutsidis, E. Gallopoulos, "SVD based initialization: A head start for
nonnegative matrix factorization", Pattern Recognition 41 (2008).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd


def mean_of(X):
    """Mean of all entries of X (zeros included), without densifying a sparse X."""
    n, m = X.shape
    return float(X.sum()) / (n * m)


def initialize(X, n_components, init, rng):
    """Initial W (n_samples, k) and H (k, n_features) in X's dtype.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features), nonnegative
    n_components : int
    init : {'nndsvd', 'nndsvda', 'nndsvdar', 'random'}
    rng : numpy.random.Generator
    """
    dtype = X.dtype
    n, m = X.shape
    k = n_components
    avg = mean_of(X)
    if init == "random":
        scale = np.sqrt(avg / k)
        W = scale * np.abs(rng.standard_normal((n, k)))
        H = scale * np.abs(rng.standard_normal((k, m)))
        return W.astype(dtype), H.astype(dtype)

    seed = int(rng.integers(np.iinfo(np.int32).max))
    Xs = X.tocsr() if sp.issparse(X) else X
    U, S, Vt = randomized_svd(Xs, k, random_state=seed)
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
    return W.astype(dtype), H.astype(dtype)
