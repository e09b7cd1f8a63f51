"""Sparse nonnegative matrix factorization. Knows nothing about text.

Shapes: X (n_samples, n_features), W (n_samples, n_components), H (n_components, n_features).
"""

from ._common import NMFResult
from ._estimator import NMF
from ._factorize import factorize, refine_W
from ._factorize_partitioned import factorize_partitioned
from ._options import SolverOptions
from ._pull import Pull

__all__ = ["NMF", "NMFResult", "Pull", "SolverOptions", "factorize", "factorize_partitioned",
           "refine_W"]
