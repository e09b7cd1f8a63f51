"""A pull of chosen rows of H toward target rows: guided (anchored) NMF.

The objective of the Frobenius loss gains, for each pulled row t of H,

    0.5 * weight[t] * ||H[t] - target[t]||^2

a ridge centred on the target instead of on zero. In the H step (A = H^T, B = W, P = X^T W,
G = W^T W) it only changes the two products every H rule already takes:

    P <- P + target^T diag(weight),    G <- G + diag(weight)

so HALS, the multiplicative update and ALS each solve the pulled problem exactly as they
solve the plain one (HALS: H[t, j] <- max(0, (P[j, t] + w_t T[t, j] - sum_{l != t} G[t, l]
H[l, j]) / (G[t, t] + w_t)), the coordinate minimizer), the factors stay nonnegative and the
loss still never increases. Weight 0 leaves a row free; a large weight holds it at its target.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError


@dataclass(frozen=True)
class Pull:
    """Rows of H started at, and pulled toward, target rows.

    Parameters
    ----------
    target : ndarray of shape (n_components, n_features)
        Nonnegative; a row with any positive entry is *anchored*: it starts at its target
        direction and is pulled toward it. All-zero rows are free.
    strength : float or ndarray of shape (n_components,), default=1.0
        The pull of each anchored row, relative to the data: the weight is ``strength``
        times the mean squared norm of the start's W columns (what a row of H is fitted
        to), so 1 weighs the target like a typical topic's documents; 0 only starts the row
        at its target (a seeded start, free to drift); 100 or more holds it there.

    The targets are directions: :meth:`start` scales them to the mean norm of the start's
    free rows of H.
    """

    target: np.ndarray
    strength: object = 1.0

    def rows(self):
        """Indices of the anchored rows."""
        return np.flatnonzero(np.asarray(self.target).max(axis=1) > 0)

    def check(self, shape):
        target = np.asarray(self.target)
        if target.shape != shape:
            raise ParameterError(f"The pull's target must have the shape of H {shape}; got {target.shape}.")
        if not np.all(np.isfinite(target)) or target.min() < 0:
            raise ParameterError("The pull's target must be finite and nonnegative.")
        strength = np.broadcast_to(np.asarray(self.strength, dtype=np.float64), shape[:1])
        if not np.all(np.isfinite(strength)) or strength.min() < 0:
            raise ParameterError(f"The pull's strength must be finite and >= 0; got {self.strength!r}.")
        return strength

    def start(self, X, W, H):
        """Write the anchored rows' start into W and H (arrays the caller owns) and return
        the :class:`Ridge` the loop adds to the H step.

        H[t] <- the target direction at the free rows' mean norm; W[:, t] <- the
        least-squares weights of the documents for that row alone, max(0, X h) / ||h||^2.
        """
        strength = self.check(H.shape)
        rows = self.rows()
        free = np.setdiff1d(np.arange(H.shape[0]), rows)
        norms = np.linalg.norm(H[free if free.size else rows], axis=1)
        scale = float(norms.mean()) if norms.size and norms.mean() > 0 else 1.0
        target = np.zeros(H.shape, dtype=np.float64)
        for t in rows:
            h = np.asarray(self.target[t], dtype=np.float64)
            h = h * (scale / np.linalg.norm(h))
            target[t] = h
            H[t] = h
            W[:, t] = np.maximum(np.asarray(X @ h).ravel(), 0) / (scale * scale)
        columns = (W[:, free] if free.size else W).astype(np.float64)
        typical = float((columns * columns).sum(axis=0).mean()) if columns.size else 1.0
        weight = np.zeros(H.shape[0])
        weight[rows] = strength[rows] * (typical if typical > 0 else 1.0)
        return Ridge(target_t=np.ascontiguousarray(target.T, dtype=H.dtype), weight=weight)


@dataclass(frozen=True)
class Ridge:
    """The pull as the loop uses it: targets as H^T (n_features, k) in the factors' dtype,
    and the absolute weight of each row (k,), 0 for a free row."""

    target_t: np.ndarray
    weight: np.ndarray

    def products(self, P, G):
        """(P + target^T diag(weight), G + diag(weight)): the H step's products, pulled."""
        return P + self.target_t * self.weight.astype(P.dtype), G + np.diag(self.weight)

    def penalty(self, Ht):
        """0.5 sum_t weight[t] ||H[t] - target[t]||^2, in float64."""
        rows = np.flatnonzero(self.weight)
        if not rows.size:
            return 0.0
        diff = Ht[:, rows].astype(np.float64) - self.target_t[:, rows]
        return float(0.5 * (self.weight[rows] * (diff * diff).sum(axis=0)).sum())
