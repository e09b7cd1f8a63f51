"""``topicnmf.NMF``: a scikit-learn-compatible estimator over :func:`factorize`."""

import sys
import warnings
from dataclasses import fields, replace

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._factorize import factorize, refine_W
from ._options import SolverOptions


class NMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Non-negative matrix factorization X ~ W H with topicnmf's sparse solvers.

    Parameter names and meanings follow ``sklearn.decomposition.NMF``, so it drops into
    a scikit-learn Pipeline. The solver's parameters and their defaults are those of
    :class:`~topicnmf.nmf.SolverOptions`, checked when fitting.

    Parameters
    ----------
    n_components : int or 'auto', default='auto'
        Number of components; 'auto' takes it from a custom W/H, else n_features.
    init : {'nndsvd', 'nndsvda', 'nndsvdar', 'random', 'custom'} or None, default=None
    solver : {'cd', 'mu', 'als'} or None, default=None
        None: 'mu' for beta_loss='kullback-leibler', else 'cd'.
    beta_loss : {'frobenius', 'kullback-leibler'}, default='frobenius'
        'kullback-leibler' is fitted by solver='mu' only.
    tol : float, default=1e-9
        Fitting stops once the objective falls by no more than this, relative to it, per
        iteration (averaged over the last three).
    max_iter : int, default=200
    random_state : int, Generator or None, default=None
    alpha_W, alpha_H, l1_ratio : float, default=0.0, 'same', 0.0
    verbose : int, default=0
        When positive, print the loss per iteration to stderr.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        H, the factor that ``transform`` holds fixed.
    n_components_ : int
    n_iter_ : int
    reconstruction_err_ : float
        ||X - W H||_F of the fit.
    loss_history_ : ndarray of shape (n_iter_ + 1,)
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components="auto",
        *,
        init=SolverOptions.init,
        solver=SolverOptions.solver,
        beta_loss=SolverOptions.beta_loss,
        tol=SolverOptions.tol,
        max_iter=SolverOptions.max_iter,
        random_state=None,
        alpha_W=SolverOptions.alpha_W,
        alpha_H=SolverOptions.alpha_H,
        l1_ratio=SolverOptions.l1_ratio,
        verbose=0,
    ):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.verbose = verbose

    def _options(self):
        """The solver's options from this estimator's parameters (validated here)."""
        return SolverOptions(**{f.name: getattr(self, f.name) for f in fields(SolverOptions)})

    def _callback(self):
        if not self.verbose:
            return None

        def report(iteration, elapsed, loss):
            print(f"NMF iteration {iteration}: loss {loss:.6g} ({elapsed:.2f}s)", file=sys.stderr)

        return report

    def _n_components(self, X, W, H):
        if self.n_components != "auto":
            return self.n_components
        if self.init == "custom" and H is not None:
            return np.shape(H)[0]
        if self.init == "custom" and W is not None:
            return np.shape(W)[1]
        return X.shape[1]

    def _fit(self, X, W, H):
        # (finite and nonnegative: checked by factorize, in one pass of two reductions)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32],
                          ensure_all_finite=False)
        result = factorize(X, self._n_components(X, W, H), options=self._options(), W=W, H=H,
                           random_state=self.random_state, callback=self._callback())
        self._warn_if_not_converged(result)
        self.components_ = np.ascontiguousarray(result.H)
        self.n_components_ = result.H.shape[0]
        self.n_iter_ = result.n_iter
        self.reconstruction_err_ = result.reconstruction_err
        self.loss_history_ = result.loss_history
        return X, result.W

    def fit_transform(self, X, y=None, W=None, H=None):
        """Learn the factorization and return W of shape (n_samples, n_components).

        W is solved once more with the final H held fixed (cheap: X H^T is computed once),
        so that ``fit_transform(X)`` agrees with ``fit(X).transform(X)``.
        """
        X, W = self._fit(X, W, H)
        return refine_W(X, W, self.components_, self._options()).W

    def fit(self, X, y=None, W=None, H=None):
        """Learn the factorization of X; returns self."""
        self._fit(X, W, H)
        return self

    def transform(self, X):
        """W for new rows of X with H = ``components_`` held fixed."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32],
                          reset=False, ensure_all_finite=False)  # (checked by factorize)
        H = self.components_.astype(X.dtype, copy=False)
        # (the start is solved from H: the fit's init does not apply)
        options = replace(self._options(), init=None)
        result = factorize(X, self.n_components_, options=options, H=H, update_H=False,
                           random_state=self.random_state, callback=self._callback())
        return result.W

    def inverse_transform(self, X):
        """X approximated back from W: W @ components_ (dense, n_samples x n_features)."""
        check_is_fitted(self)
        W = check_array(X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
        return np.asarray(W @ self.components_)

    def _warn_if_not_converged(self, result):
        if not result.converged:
            warnings.warn(
                f"Maximum number of iterations {self.max_iter} reached. "
                "Increase it to improve convergence.",
                ConvergenceWarning,
            )

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
