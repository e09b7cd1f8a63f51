"""The solver's options: one frozen, validated value, the one owner of their defaults.

:func:`~topicnmf.nmf.factorize`, :func:`~topicnmf.nmf.refine_W`, the estimator
:class:`~topicnmf.nmf.NMF` and the pipeline all build a :class:`SolverOptions`.
"""

from dataclasses import dataclass, fields

from ..errors import ParameterError
from . import _validation as v
from ._common import Penalty
from ._solvers import SOLVERS, solvers_for


@dataclass(frozen=True)
class SolverOptions:
    """How to factorize: the loss, the solver, the start, when to stop, the penalty.

    Every field is validated at construction, so a bad configuration fails before any
    work; dependent defaults (loss -> solver -> init) are resolved by :meth:`resolve`.

    Parameters
    ----------
    solver : {'cd', 'mu', 'als'} or None, default=None
        'cd': hierarchical ALS (coordinate descent on columns); 'mu': Lee-Seung
        multiplicative updates; 'als': projected alternating least squares.
        None: 'mu' for beta_loss='kullback-leibler', else 'cd'.
    beta_loss : {'frobenius', 'kullback-leibler'}, default='frobenius'
        'kullback-leibler' is fitted by solver='mu' only, at X's nonzeros.
    init : {'nndsvd', 'nndsvda', 'nndsvdar', 'random', 'custom'} or None, default=None
        The start; None: chosen by :meth:`resolve` (or by ``factorize`` from the shape).
    tol : float, default=1e-9
        Stop when the iterations lower the objective by ``tol`` or less relative to it
        (on average over the last three); 0 runs all ``max_iter`` iterations (unless the
        fit becomes exact).
    max_iter : int, default=200
    alpha_W : float, default=0.0
        Regularization of W, with scikit-learn's meaning (scaled by n_features).
    alpha_H : float or 'same', default='same'
        Regularization of H (scaled by n_samples); 'same' copies alpha_W.
    l1_ratio : float in [0, 1], default=0.0
        The L1 share of the regularization (the rest is squared L2).
    """

    solver: str | None = None
    beta_loss: str = "frobenius"
    init: str | None = None
    tol: float = 1e-9
    max_iter: int = 200
    alpha_W: float = 0.0
    alpha_H: float | str = "same"
    l1_ratio: float = 0.0

    def __post_init__(self):
        if self.solver is not None:
            v.check_option(self.solver, "solver", v.SOLVERS)
        v.check_option(self.beta_loss, "beta_loss", v.BETA_LOSSES)
        if self.init is not None:
            v.check_option(self.init, "init", v.INITS + ("custom",))
        v.check_real(self.tol, "tol")
        v.check_int(self.max_iter, "max_iter", low=1)
        v.check_real(self.alpha_W, "alpha_W")
        v.check_real(self.alpha_H, "alpha_H", allow=("same",))
        v.check_real(self.l1_ratio, "l1_ratio", high=1.0)
        if self.solver is not None and (self.beta_loss, self.solver) not in SOLVERS:
            fitting = " or ".join(repr(s) for s in solvers_for(self.beta_loss))
            raise ParameterError(
                f"The 'solver' parameter of NMF must be {fitting} (or None) for "
                f"beta_loss={self.beta_loss!r}. Got {self.solver!r} instead; "
                f"use solver={solvers_for(self.beta_loss)[0]!r} or leave solver unset."
            )

    def resolve(self, default_init="nndsvda"):
        """A copy with ``solver`` and ``init`` concrete.

        ``solver`` None becomes the loss's default ('mu' for 'kullback-leibler', else
        'cd'); ``init`` None becomes 'nndsvda' for the multiplicative updates (they cannot
        move an exact zero, and 'nndsvd' starts with many), else ``default_init``. An
        explicit init is kept as given.
        """
        solver = self.solver if self.solver is not None else solvers_for(self.beta_loss)[0]
        init = self.init
        if init is None:
            init = "nndsvda" if SOLVERS[self.beta_loss, solver].multiplicative else default_init
        return SolverOptions(**{**self.to_dict(), "solver": solver, "init": init})

    def penalty(self, shape):
        """The penalty for an X of ``shape`` (n_samples, n_features), scaled as
        scikit-learn does: W's alphas by n_features, H's by n_samples. The one place where
        ``alpha_H='same'`` is resolved."""
        n, m = shape
        alpha_W = float(self.alpha_W)
        alpha_H = alpha_W if isinstance(self.alpha_H, str) else float(self.alpha_H)
        l1_ratio = float(self.l1_ratio)
        return Penalty(
            l1_W=alpha_W * l1_ratio * m,
            l2_W=alpha_W * (1.0 - l1_ratio) * m,
            l1_H=alpha_H * l1_ratio * n,
            l2_H=alpha_H * (1.0 - l1_ratio) * n,
        )

    def to_dict(self):
        """Field name -> value, in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
