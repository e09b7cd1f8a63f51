"""Update rules for one factor, written once in plain numpy (the readable reference).

Every rule solves, for a factor ``A`` (rows, k) with the other factor ``B`` held fixed,

    min_{A >= 0}  0.5 ||X - A B^T||_F^2 + l1 * sum(A) + 0.5 * l2 * ||A||_F^2

given only the two products it needs, ``P = X B`` (rows, k) and the Gram matrix
``G = B^T B`` (k, k). The W step is ``A = W, B = H^T``; the H step is ``A = H^T, B = W``.
So one function updates both factors, and X never appears here: the sparse products are
computed by the caller.

All rules update ``A`` in place (``hals`` returns its violation, scikit-learn's measure of
how far A is from optimal; the engines also measure its step). ``kl_multiplicative`` is the Kullback-Leibler rule, which needs other products (see
``_kl``).
"""

import numpy as np
import scipy.linalg


def hals(A, P, G, l1, l2):
    """Hierarchical ALS: exact coordinate minimization, one column of A at a time.

    A[:, j] <- max(0, (P[:, j] - sum_{l != j} A[:, l] G[l, j] - l1) / (G[j, j] + l2))

    Cichocki & Phan (2009); the same update order as scikit-learn's 'cd' solver.

    Returns the violation, as scikit-learn's 'cd' measures it: the sum of |projected
    gradient| of each coordinate just before its update (the gradient A G - P + l1 + l2 A
    of the objective above, set to min(0, gradient) where the coordinate is 0), in float64.
    """
    k = A.shape[1]
    violation = 0.0
    for j in range(k):
        denom = G[j, j] + l2
        if denom <= 0:  # the matching row of B is all zero: column j does not matter
            continue
        # A @ G[:, j] includes the l == j term, added back with A[:, j] * G[j, j].
        numer = P[:, j] - A @ G[:, j] + A[:, j] * G[j, j] - l1
        grad = denom * A[:, j] - numer
        violation += float(np.abs(np.where(A[:, j] > 0, grad, np.minimum(grad, 0)),
                                  dtype=np.float64).sum(dtype=np.float64))
        A[:, j] = np.maximum(numer / denom, 0)
    return violation


def multiplicative(A, P, G, l1, l2):
    """Lee & Seung (2001) multiplicative update for the Frobenius loss.

    A <- A * P / (A G + l1 + l2 A)        (elementwise; W <- W * (X H^T) / (W H H^T))
    """
    eps = np.finfo(A.dtype).eps
    denom = A @ G
    denom += l1
    if l2:
        denom += l2 * A
    np.maximum(denom, eps, out=denom)
    A *= P / denom


def alternating_least_squares(A, P, G, l1, l2):
    """Projected ALS: solve the normal equations, then clip to the nonnegative orthant.

    A <- max(0, (P - l1) (G + l2 I)^-1)       (G is symmetric)
    """
    k = G.shape[0]
    # A tiny ridge keeps the solve defined when a column of B is zero.
    ridge = l2 + 1e-10 * max(np.trace(G) / k, np.finfo(A.dtype).tiny)
    lhs = G + ridge * np.eye(k, dtype=G.dtype)
    rhs = (P - l1).T
    sol = scipy.linalg.solve(lhs, rhs, assume_a="pos", check_finite=False)
    np.maximum(sol.T, 0, out=A)


def kl_multiplicative(A, N, s, l1, l2):
    """Lee & Seung (2001) multiplicative update for the Kullback-Leibler divergence.

    A <- A * N / (s + l1 + l2 A)      (elementwise; s broadcast over the rows of A)

    with N = R B (R = X / (A B^T) at X's nonzeros) and s = 1^T B, the column sums of B:
    W <- W * (R H^T) / (1 H^T) and H^T <- H^T * (R^T W) / (1^T W).
    """
    eps = np.finfo(A.dtype).eps
    denom = s + l1 + (l2 * A if l2 else 0.0)
    A *= N / np.maximum(denom, eps)


def partial_objective(A, P, G, l1, l2):
    """0.5 <A G, A> - <A, P> + l1 sum(A) + 0.5 l2 ||A||^2, in float64: the objective
    0.5 ||X - A B^T||^2 + penalty of A up to the constant 0.5 ||X||^2."""
    A = A.astype(np.float64)
    return float(0.5 * np.vdot(A @ G, A) - np.vdot(A, P) + l1 * A.sum() + 0.5 * l2 * np.vdot(A, A))


def repeat_sweeps(sweep, A, P, G, l1, l2, max_sweeps, delta):
    """Up to ``max_sweeps`` sweeps ``sweep(A, P, G, l1, l2)`` (each returning its squared
    step and its violation, or None: a rule that makes one update), stopping once one moves
    A by at most ``delta``^2 times the first's squared step (Gillis & Glineur 2012: the
    products P and G are reused while that buys progress). Returns the first sweep's
    violation (None for a rule without one)."""
    first = sweep(A, P, G, l1, l2)
    if first is None:
        return None
    for _ in range(max_sweeps - 1):
        if sweep(A, P, G, l1, l2)[0] <= delta * delta * first[0]:
            break
    return first[1]
