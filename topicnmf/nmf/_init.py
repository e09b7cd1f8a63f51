"""Initial factors for NMF: NNDSVD (and its variants) and scaled random.

References: C. Boutsidis, E. Gallopoulos, "SVD based initialization: A head start for
nonnegative matrix factorization", Pattern Recognition 41 (2008).
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ._engine import make_engine
from ._reference import mean_of  # noqa: F401 (re-exported)


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
    W = engine.matmul(P, G_inv.astype(P.dtype))  # (C-ordered, in X's dtype like P)
    engine.clip(W, 1e-2 * np.sqrt(engine.mean(X) / k) if multiplicative else 0.0)
    return W, P, G


def _orthonormalize(Y, engine):
    """An orthonormal basis of Y's columns by Cholesky QR: Y^T Y = R^T R, Q = Y R^-1 (two
    matrix products on the tall Y), falling back to Householder QR when Y is too
    ill-conditioned for it."""
    G = engine.gram(Y)
    R_inv = inverse_factor(G)
    if R_inv is not None:
        Q = engine.matmul(Y, R_inv.astype(Y.dtype, copy=False))
        if _bounded(G, R_inv, Q.dtype) or engine.all_finite(Q):
            return Q
    return engine.qr(Y)


def inverse_factor(G):
    """R^-1 (float64) of the Cholesky factor of G = Y^T Y = R^T R, or None when G is not
    (numerically) positive definite."""
    try:
        R = scipy.linalg.cholesky(G, lower=False, check_finite=False)
        return scipy.linalg.solve_triangular(R, np.eye(R.shape[0], dtype=R.dtype), check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return None


def _bounded(G, R_inv, dtype):
    """Whether Y R_inv is finite for certain, from Y^T Y = G: every entry (and partial
    sum) of it is at most ||Y||_F ||R_inv||_F in size (Cauchy-Schwarz), which spares a
    pass over the tall product (794k x 60: 40 ms) in all but ill-conditioned cases."""
    if not (np.isfinite(G).all() and np.isfinite(R_inv).all()):
        return False
    return bool(np.sqrt(max(np.trace(G), 0.0)) * np.linalg.norm(R_inv) < 0.25 * np.finfo(dtype).max)


def sketch_matrix(shape, k, sketch, dtype, n_oversamples=10):
    """The randomized SVD's Gaussian sketch Omega, (min(n, m), size) in ``dtype``: for X's
    shorter side (n < m: X^T's range is found), drawn as scikit-learn draws it."""
    n, m = shape
    size = min(k + n_oversamples, n, m)
    omega = sketch.normal(size=(n if n < m else m, k + n_oversamples))[:, :size]
    return omega.astype(dtype)


def power_iterations(k, shape):
    """scikit-learn's choice: 7 when k < 0.1 min(n, m), else 4."""
    return 7 if k < 0.1 * min(shape) else 4


def randomized_svd(X, k, sketch, engine, *, n_oversamples=10, n_power_iter=None, rows=None,
                   omega=None):
    """Truncated SVD X ~ U diag(S) Vt by randomized subspace iteration (Halko, Martinsson &
    Tropp 2011), with the engine's parallel sparse products.

    As scikit-learn's ``randomized_svd``: the Gaussian sketch is drawn by ``sketch.normal``
    (a ``numpy.random.RandomState`` from the same seed draws scikit-learn's numbers) for
    the shorter side of X (X^T's range is found when n < m); ``n_power_iter`` None is 7 when
    k < 0.1 min(n, m), else 4. The same sketch spans the same subspace whatever the
    normalization between products, so the SVD, and the NNDSVD start made from it, is
    scikit-learn's for the same seed up to rounding: a randomized SVD is accurate in its
    leading terms only, and another sketch gives another start (and often another local
    minimum of the fit). ``rows`` turns an (n, size) array into the engine's layout of
    X's rows (None: kept as is). ``omega``: the sketch drawn already (``sketch_matrix``).
    Returns U (n, k), S (k,), Vt (k, m).
    """
    if n_power_iter is None:
        n_power_iter = power_iterations(k, X.shape)
    transpose = X.shape[0] < X.shape[1]
    if omega is None:
        omega = sketch_matrix(X.shape, k, sketch, X.dtype, n_oversamples)
    try:
        return _fused_svd(X, k, omega, n_power_iter, engine, rows, transpose)
    except _IllConditioned:
        return _explicit_svd(X, k, omega, n_power_iter, engine, rows, transpose)


class _IllConditioned(Exception):
    """A Gram matrix too ill-conditioned for Cholesky QR."""


def _fused_svd(X, k, omega, n_power_iter, engine, rows, transpose):
    """The randomized SVD with the tall side never formed: each orthonormalization of a
    tall Y = X Q is Cholesky QR's Q_Y = Y R^-1, and every product with Q_Y is made from
    ``engine.range_products(X, Q, scratch)`` (Y^T Y and X^T Y, in one pass over X, Y made and
    dropped a block of rows at a time), R^-1 applied on the small side. A tall Q_Y formed
    whole cost two passes over it and n size^2 multiplications a time, and out of core
    (X on disk) a write of it: more than the sparse products themselves."""
    dtype = X.dtype
    scratch = {}  # (the engine's buffer for X Q, reused by each call below)
    if transpose:  # the range of X^T: Q (m, size) with X ~ (X Q) Q^T
        Q = _orthonormalize(engine.tdot(X, omega if rows is None else rows(omega)), engine)
        for _ in range(n_power_iter):  # Q <- orth(X^T orth(X Q))
            G, P = engine.range_products(X, Q, scratch)
            Q = _orthonormalize(_times(P, _r_inverse(G, dtype), dtype, engine), engine)
        Q = _orthonormalize(Q, engine)
        # X ~ C Q^T with C = X Q (n, size) = Q_C R; R = Q_C^T X Q = Ur S Vr^T
        G, P = engine.range_products(X, Q, scratch)
        M = _r_inverse(G, dtype, twice=True)  # Q_C = C M
        R = _times(P, M, np.float64, engine).T @ Q
        Ur, S, Vrt = scipy.linalg.svd(R, full_matrices=False, check_finite=False)
        return engine.dot(X, _times(Q, M @ Ur[:, :k], dtype, engine)), S[:k], (Q @ Vrt.T[:, :k]).T
    Q = omega
    G, P = engine.range_products(X, Q, scratch)
    for _ in range(n_power_iter):  # Q_Y <- orth(X X^T Q_Y): sharpens the leading subspace
        Q = _orthonormalize(_times(P, _r_inverse(G, dtype), dtype, engine), engine)
        G, P = engine.range_products(X, Q, scratch)
    M = _r_inverse(G, dtype, twice=True)  # (CholeskyQR2: orthogonal to rounding)
    Ub, S, Vt = _wide_svd(_times(P, M, np.float64, engine))  # of B = Q_Y^T X, (size, m)
    return engine.dot(X, _times(Q, M @ Ub[:, :k], dtype, engine)), S[:k], Vt[:k]


def _wide_svd(Bt):
    """The economic SVD of a wide B = Bt^T (size, m), from Householder QR of the tall Bt
    (B = R^T Q^T, so B's SVD is R^T's, its right vectors taken through Q): the same
    factors to rounding, and 2-3x faster than LAPACK's SVD of B itself (60 x 87,890:
    0.46-0.72 -> 0.2 s)."""
    Q, R = scipy.linalg.qr(Bt, mode="economic", check_finite=False)
    Ur, S, Vrt = scipy.linalg.svd(R.T, full_matrices=False, check_finite=False)
    return Ur, S, (Q @ Vrt.T).T


def _r_inverse(G, dtype, twice=False):
    """R^-1 of Cholesky QR for the Gram matrix G = Y^T Y (Y R^-1 orthonormal), in float64;
    ``twice``: R^-1 of the second pass too (CholeskyQR2), from Q_Y's Gram matrix
    M^T G M. Raises _IllConditioned where Y is too ill-conditioned for it."""
    M = np.eye(G.shape[0])
    for _ in range(2 if twice else 1):
        R_inv = inverse_factor(M.T @ G @ M)
        if R_inv is None or not _bounded(G, M @ R_inv, dtype):
            raise _IllConditioned
        M = M @ R_inv
    return M


def _times(A, M, dtype, engine):
    """A @ M (a small M, in float64) in ``dtype``, by the engine (the fast one: rows over
    its threads, 40-230 -> 30 ms for 87,890 x 60 float32 with BLAS on one thread)."""
    return engine.matmul(A, M).astype(dtype, copy=False)


def _explicit_svd(X, k, omega, n_power_iter, engine, rows, transpose):
    """The randomized SVD with each tall Q formed (:func:`_orthonormalize`, Householder QR
    where Cholesky QR fails): where Y is too ill-conditioned for :func:`_fused_svd`."""
    if transpose:
        Q = _orthonormalize(engine.tdot(X, omega if rows is None else rows(omega)), engine)
        for _ in range(n_power_iter):
            Q = _orthonormalize(engine.tdot(X, _orthonormalize(engine.dot(X, Q), engine)), engine)
        Q = _orthonormalize(Q, engine)
        Q_C = _orthonormalize(_orthonormalize(engine.dot(X, Q), engine), engine)
        R = engine.tdot(X, Q_C).T @ Q
        Ur, S, Vrt = scipy.linalg.svd(R, full_matrices=False, check_finite=False)
        return engine.matmul(Q_C, Ur[:, :k].astype(Q_C.dtype)), S[:k], (Q @ Vrt.T[:, :k]).T
    Q = _orthonormalize(engine.dot(X, omega), engine)
    for _ in range(n_power_iter):
        Q = _orthonormalize(engine.dot(X, _orthonormalize(engine.tdot(X, Q), engine)), engine)
    Q = _orthonormalize(Q, engine)
    B = engine.tdot(X, Q).T
    Ub, S, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False)
    return engine.matmul(Q, Ub[:, :k].astype(Q.dtype)), S[:k], Vt[:k]


def initialize(X, n_components, init, rng, engine=None, sketch=None):
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
    sketch : numpy.random.RandomState, optional
        Draws the randomized SVD's sketch (see ``randomized_svd``); None: ``rng``.
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
    U, S, Vt = randomized_svd(Xs, k, rng if sketch is None else sketch, engine)
    start = NNDSVD.of(S, signed_norms(signed_squares(U)), signed_norms(signed_squares(Vt.T)))
    W = start.factor(U, "W", fill=nndsvd_fill(init, avg))
    H = start.factor(Vt.T, "H", fill=nndsvd_fill(init, avg)).T
    W = fill_zeros(W, init, avg, rng)
    H = fill_zeros(H, init, avg, rng)  # (drawn after W's, in H's row order)
    return W.astype(dtype, copy=False), np.asfortranarray(H, dtype=dtype)


CHUNK_ROWS = 8192  # the start's passes over U: a cache-sized block of rows at a time


def signed_squares(U):
    """(2, k) float64: row 0 the sums of squares of max(U[:, j], 0), row 1 of max(-U[:, j],
    0), in float64, in one pass over U's rows a block at a time (no transposed copy, no
    strided column reads; per-block sums add up over row blocks, as out of core)."""
    squares = np.zeros((2, U.shape[1]))
    for i in range(0, U.shape[0], CHUNK_ROWS):
        u = U[i:i + CHUNK_ROWS].astype(np.float64)
        part = np.maximum(u, 0.0)
        squares[0] += np.einsum("ij,ij->j", part, part)
        np.minimum(u, 0.0, out=part)
        squares[1] += np.einsum("ij,ij->j", part, part)
    return squares


def signed_norms(squares):
    """Per column j: (||max(U[:, j], 0)||, ||max(-U[:, j], 0)||) from :func:`signed_squares`."""
    norms = np.sqrt(squares)
    return [(norms[0, j], norms[1, j]) for j in range(squares.shape[1])]


def nndsvd_fill(init, avg):
    """What NNDSVD's zeros become in :meth:`NNDSVD.factor` itself: X's mean for 'nndsvda'."""
    return avg if init == "nndsvda" else 0.0


@dataclass(frozen=True)
class NNDSVD:
    """The rank-one terms of NNDSVD from a truncated SVD X ~ U diag(S) Vt: for each j >= 1,
    which sign pattern of the j-th term dominates and its scale, decided from the norms of
    the positive and negative parts of U[:, j] and Vt[j] (so the rows of a factor can then
    be made a block at a time)."""

    S: np.ndarray
    positive: tuple  # per term j: keep the positive parts (else the negative)
    lam: tuple  # per term j: its scale
    norm_U: tuple  # per term j: the norm of the kept part of U[:, j]
    norm_V: tuple  # ... and of Vt[j]
    # (scalars as computed, in the SVD's dtype: a float32 fit's start is made in float32)

    @classmethod
    def of(cls, S, norms_U, norms_V):
        """``norms_U[j]`` = (||max(U[:, j], 0)||, ||max(-U[:, j], 0)||); the same for Vt[j]."""
        positive, lam, norm_U, norm_V = [True], [None], [None], [None]
        for j in range(1, len(S)):
            (xp_norm, xn_norm), (yp_norm, yn_norm) = norms_U[j], norms_V[j]
            mp, mn = xp_norm * yp_norm, xn_norm * yn_norm
            # Keep the dominant sign pattern of the j-th rank-one term.
            keep = bool(mp > mn)
            positive.append(keep)
            norm_U.append(max(xp_norm if keep else xn_norm, 1e-300))
            norm_V.append(max(yp_norm if keep else yn_norm, 1e-300))
            lam.append(np.sqrt(S[j] * (mp if keep else mn)))
        return cls(S, tuple(positive), tuple(lam), tuple(norm_U), tuple(norm_V))

    def factor(self, U, side, fill=0.0):
        """Rows of W from rows of U (rows, k); of H^T from rows of Vt.T: column j is
        lam_j * (the kept part of column j) / its norm; column 0, the leading singular
        pair of a nonnegative matrix, taken nonnegative. Entries below 1e-6 become
        ``fill`` (0, or X's mean for 'nndsvda'). ``side``: 'W' or 'H'. Made in U's dtype,
        all columns at once, a block of rows at a time (794k x 50 float32: 0.9 -> 0.2 s;
        each entry by the same operations whatever the blocks)."""
        norm = self.norm_U if side == "W" else self.norm_V
        dtype = U.dtype
        signs = np.array([1] + [1 if p else -1 for p in self.positive[1:]], dtype=dtype)
        norms = np.array([1] + list(norm[1:]), dtype=dtype)  # (column 0: / 1, exact)
        scales = np.array([np.sqrt(self.S[0])] + list(self.lam[1:]), dtype=dtype)
        below, fill = _below(dtype, 1e-6), dtype.type(fill)
        A = np.empty_like(U)
        for i in range(0, U.shape[0], CHUNK_ROWS):
            a = A[i:i + CHUNK_ROWS]
            np.multiply(U[i:i + CHUNK_ROWS], signs, out=a)  # (exact: a sign flip) the kept
            np.abs(a[:, 0], out=a[:, 0])  # part of each column, below made >= 0
            np.maximum(a, 0, out=a)
            a /= norms
            a *= scales
            keep = a >= below  # (a multiplication by 0 or 1, exact and branch-free:
            a *= keep  # 3x faster than a masked copy where half the entries are cut)
            if fill:
                a += ~keep * fill
        return A

def _below(dtype, bound):
    """The threshold t in ``dtype`` with (a < t) == (float64(a) < bound) for every a of
    ``dtype`` (a float32 comparison with 1e-6 itself would keep float32(1e-6) < 1e-6)."""
    t = dtype.type(bound)
    return np.nextafter(t, dtype.type(np.inf)) if t < bound else t


def fill_zeros(A, init, avg, rng):
    """'nndsvdar': NNDSVD's zeros in A filled with small random values, drawn in A's
    row-major order; other starts: A as it is ('nndsvda' fills its zeros in
    :meth:`NNDSVD.factor`). In place; returns A."""
    if init == "nndsvdar":
        zeros = A == 0
        A[zeros] = np.abs(avg * rng.standard_normal(zeros.sum()) / 100)
    return A
