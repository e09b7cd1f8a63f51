"""What every solver loop shares: the result it returns, the penalty it adds, the rule that
stops it, and the adaptive extrapolation of the Frobenius loop.

Shapes: X (n_samples, n_features), W (n_samples, k), H (k, n_features).
"""

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError

STOP_WINDOW = 3  # the stopping rule averages the decrease over this many iterations
GRADIENT_TOL = 3e-4  # HALS also stops at this fraction of its first violation (see Violation)


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


def _stalled(losses, tol, rounding=False):
    """True when the objective fell by at most ``tol`` per iteration, relative to it, on
    average over the last ``STOP_WINDOW`` iterations (one noisy step does not stop a run).
    ``losses`` holds one value per iteration, an undone step repeating the previous one,
    so the rule runs after every iteration. With tol == 0 only a zero objective stops the
    run before max_iter.

    ``rounding``: the objective is read from float32 factors and products, rounded at
    about 1e-7 of it (measured on 200k PyPI summaries, k=50), so a smaller decrease cannot
    be seen: there a monotone method's objective goes up as often as down, and a rise over
    the window counts as no decrease (without this a float32 fit at tol=1e-9 ran to
    max_iter, or stopped by chance: 99 iterations against float64's 44, the same error)."""
    if len(losses) < 2:
        return False
    w = min(STOP_WINDOW, len(losses) - 1)
    old, new = losses[-1 - w], losses[-1]
    drop = old - new if rounding else abs(old - new)
    return old <= 0 or (tol > 0 and drop <= w * tol * old)


@dataclass
class Violation:
    """The projected-gradient stopping rule of HALS (scikit-learn's 'cd'): stop once an
    iteration's violation is at most ``fraction`` of the first iteration's.

    The violation of an iteration is the sum of |projected gradient| of every coordinate
    of W and H just before its update (``_updates.hals``), made inside the sweeps from the
    numbers they compute anyway, so it costs no product. An undone step's violation is
    dropped. In an extrapolated step the sweeps start from extrapolated factors, whose
    gradient is larger than the accepted point's (3-10x on the matrix set): the rule then
    fires later than on plain steps, not sooner.

    The fraction is measured, not tuned per matrix (``benchmarks/bench_stopping.py``): over
    the matrix set (bundled, Lee, Wikipedia, BBC, SOTU and inaugural passages,
    synth:10000; k 5-50; nndsvda and two random starts) 3e-4 is the largest of 1e-4,
    3e-4, 5e-4, 7e-4, 1e-3 with a 2x margin to the first cell that ends above scikit-learn
    cd's error (7e-4: Lee k=50 seed 1); with plain HALS (``extrapolate=False``) the rule
    is scikit-learn's own at ``tol=3e-4`` (the same iterates, the same stop)."""

    fraction: float
    first: float | None = None
    last: float | None = None

    def taken(self, violation):
        """An iteration was taken with ``violation`` (None: its rule has none)."""
        if violation is None:
            return
        if self.first is None:
            self.first = violation
        self.last = violation

    def small(self):
        """Whether the last taken iteration's violation is small enough to stop."""
        return bool(self.fraction and self.last is not None
                    and self.last <= self.fraction * self.first)


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
    objective keeps falling and shrinks when it rises; a step that rises is undone and the
    next iteration is a plain one (a restart from the last accepted point).

    When it runs: not before ``warmup`` plain iterations, and not before a plain iteration
    lowers the objective by at most ``settle`` (relative): extrapolating while the iterates
    still travel moves them into another local minimum, often a worse one than plain HALS
    (scikit-learn's 'cd') reaches from the same start (Lee k=20 from scikit-learn's
    nndsvda: 0.860940 against 0.860211 with a fixed warm-up of 10 iterations). Once the
    objective stalls under extrapolation the loop finishes with plain iterations
    (:meth:`polish`), so that the end point is a point where plain HALS stalls too.
    """

    beta: float = 0.5
    warmup: int = 10  # plain HALS iterations first, at least
    settle: float = 3e-5  # ... and until one of them lowers the objective by at most this
    beta_max: float = 1.0
    grow: float = 1.05  # gamma
    grow_max: float = 1.01  # gamma bar
    shrink: float = 1.5  # eta
    on: bool = field(default=False, init=False)  # extrapolating now
    restart: bool = field(default=False, init=False)  # the last step was undone
    polishing: bool = field(default=False, init=False)  # plain iterations to the end

    def step(self, n_iter):
        """beta for this iteration: 0 for a plain HALS iteration."""
        if self.on and not self.restart and not self.polishing:
            return self.beta
        return 0.0

    def after_plain(self, n_iter, decrease):
        """A plain iteration lowered the objective by ``decrease`` (relative)."""
        self.restart = False
        if not self.on and not self.polishing and n_iter >= self.warmup and decrease <= self.settle:
            self.on = True

    def accepted(self):
        self.beta = min(self.beta_max, self.grow * self.beta)
        self.beta_max = min(1.0, self.grow_max * self.beta_max)

    def rejected(self):
        self.beta_max = self.beta
        self.beta = self.beta / self.shrink
        self.restart = True

    def polish(self):
        """Stop extrapolating; returns whether this switched it off (False: it was off)."""
        if self.polishing or not self.on:
            return False
        self.polishing = True
        return True
