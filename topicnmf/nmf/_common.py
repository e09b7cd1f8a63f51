"""What every solver loop shares: the result it returns, the penalty it adds, the rule that
stops it, and the adaptive extrapolation of the Frobenius loop.

Shapes: X (n_samples, n_features), W (n_samples, k), H (k, n_features).
"""

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError

STOP_WINDOW = 3  # the stopping rule averages the decrease over this many iterations


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
        ||X - W H||_F at the end (for the KL loss: sqrt(2 D(X || WH))).
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
    """Elementwise L1 and squared-L2 weights on W and H, already scaled (see
    :meth:`SolverOptions.penalty <topicnmf.nmf.SolverOptions.penalty>`).

    The penalty of a factor A is ``l1 * sum(A) + 0.5 * l2 * ||A||_F^2``.
    """

    l1_W: float = 0.0
    l2_W: float = 0.0
    l1_H: float = 0.0
    l2_H: float = 0.0

    def on_W(self, engine, W):
        """The penalty of W (n_samples, k), summed by ``engine``."""
        return _penalty(engine, W, self.l1_W, self.l2_W)

    def on_H(self, engine, Ht):
        """The penalty of H, given as H^T (n_features, k), summed by ``engine``."""
        return _penalty(engine, Ht, self.l1_H, self.l2_H)


def _penalty(engine, A, l1, l2):
    if not (l1 or l2):
        return 0.0
    return l1 * engine.total(A) + 0.5 * l2 * engine.vdot(A, A)


def _stalled(accepted, tol):
    """True when the objective fell by at most ``tol`` per iteration, relative to it, on
    average over the last ``STOP_WINDOW`` iterations (one noisy step does not stop a run).
    With tol == 0 only a zero objective stops the run before max_iter."""
    if len(accepted) < 2:
        return False
    w = min(STOP_WINDOW, len(accepted) - 1)
    old, new = accepted[-1 - w], accepted[-1]
    return old <= 0 or (tol > 0 and abs(old - new) <= w * tol * old)


def _check_finite(loss, solver, n_iter):
    if not np.isfinite(loss):
        raise ConvergenceError(
            f"NMF ({solver}) produced non-finite values at iteration {n_iter}; "
            "check the input for inf/NaN or lower the regularization."
        )


def _record(losses, loss, *, solver, n_iter, start, callback):
    """Check, keep and report one iteration's objective (every solver loop does this)."""
    _check_finite(loss, solver, n_iter)
    losses.append(loss)
    if callback is not None:
        callback(n_iter, time.perf_counter() - start, loss)


@dataclass
class Extrapolation:
    """Adaptive extrapolation (Ang & Gillis 2019, "Accelerating nonnegative matrix
    factorization algorithms using extrapolation"): after each update the factor is pushed
    further along its last step, Y = A_new + beta (A_new - A_old). beta grows while the
    objective keeps falling and shrinks (the step is undone) when it rises.
    """

    beta: float = 0.5
    warmup: int = 10  # plain HALS iterations first: extrapolating from the very start
    # often lands in a worse local minimum (measured on the Debian and BBC matrices)
    beta_max: float = 1.0
    grow: float = 1.05  # gamma
    grow_max: float = 1.01  # gamma bar
    shrink: float = 1.5  # eta

    def accepted(self):
        self.beta = min(self.beta_max, self.grow * self.beta)
        self.beta_max = min(1.0, self.grow_max * self.beta_max)

    def rejected(self):
        self.beta_max = self.beta
        self.beta = self.beta / self.shrink
