"""Sparse nonnegative matrix factorization. Knows nothing about text.

Shapes: X (n_samples, n_features), W (n_samples, n_components), H (n_components, n_features).
"""

from ._estimator import NMF
from ._factorize import factorize
from ._solve import NMFResult

__all__ = ["NMF", "NMFResult", "factorize"]
