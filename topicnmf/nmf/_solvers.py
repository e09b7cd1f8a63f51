"""The solver table: the one place that says how each (loss, solver) pair is fitted.

A row names the loop of the loss (one per loss: ``_frobenius.fit_frobenius``,
``_kl.fit_kl``) and the engine's update of one factor from its products (a method of
``_engine.ArrayEngine``). Adding a solver is adding a row; adding a loss is adding a loop.
"""

from dataclasses import dataclass
from typing import Callable

from ._frobenius import fit_frobenius
from ._kl import fit_kl


@dataclass(frozen=True)
class Solver:
    """How one (loss, solver) pair is fitted.

    Attributes
    ----------
    name : str
        The ``solver`` option ('cd', 'mu', 'als'), as error messages name it.
    fit : callable
        The loop of the loss: ``fit(engine, X, W, H, *, solver, tol, max_iter, penalty,
        update_H, callback, max_inner, extrapolate) -> NMFResult``.
    update : str
        The :class:`~._engine.ArrayEngine` method updating one factor in place.
    rows : bool
        HALS: the W update is the engine's fused row update (``hals_rows``: X B computed
        inside the sweep, then extrapolated), with ``max_inner`` sweeps per product.
    extrapolate : bool
        What ``extrapolate=None`` means for this solver.
    multiplicative : bool
        The update multiplies: an exact zero in a start never moves, so starts need none.
    """

    name: str
    fit: Callable
    update: str
    rows: bool = False
    extrapolate: bool = False
    multiplicative: bool = False


# Each loss's default solver (solver=None) is its first row.
SOLVERS = {
    ("frobenius", "cd"): Solver("cd", fit_frobenius, "hals", rows=True, extrapolate=True),
    ("frobenius", "mu"): Solver("mu", fit_frobenius, "multiplicative", multiplicative=True),
    ("frobenius", "als"): Solver("als", fit_frobenius, "alternating_least_squares"),
    ("kullback-leibler", "mu"): Solver("mu", fit_kl, "kl_multiplicative", multiplicative=True),
}


def solvers_for(beta_loss):
    """The solvers that fit ``beta_loss``, in table order."""
    return tuple(solver for loss, solver in SOLVERS if loss == beta_loss)


def solve(engine, X, W, H, *, beta_loss, solver, **options):
    """Fit (W, H) from the given start with the row of the table for (beta_loss, solver).

    W and H must be arrays the caller owns: they may be written into. ``options`` are
    those of the loop (tol, max_iter, penalty, update_H, callback, max_inner, extrapolate).
    """
    spec = SOLVERS[beta_loss, solver]
    return spec.fit(engine, X, W, H, solver=spec, **options)
