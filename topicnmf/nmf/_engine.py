"""The array-engine contract and the one factory that makes engines.

The solvers (``_frobenius``, ``_kl``) are written once against :class:`ArrayEngine`: every
operation they make on X and on the factors goes through it, so an engine that keeps the
arrays elsewhere (partitioned, out of core, on a GPU) runs the same algorithm. Two engines
implement it today:

- ``'reference'`` (:class:`~._reference.ReferenceEngine`): numpy and scipy, slow and
  obvious, the yardstick;
- ``'fast'`` (:class:`~._fast.FastEngine`): numba kernels parallel over rows, with BLAS
  pinned to one thread while they run.

Both give the same iterates up to rounding. The factors stay in X's dtype (float32 or
float64); every reduction the objective is read from (Gram matrices, inner products, norms)
is accumulated in float64 (the fast engine's float32 Gram matrices: float32 products over a
few hundred rows, added up in float64), so that the stopping rule sees real decreases, not
float32 rounding. Conventions: X is (rows, columns), sparse or
dense; a factor A is row-major (rows, k), so both W (n_samples, k) and H^T (n_features, k)
are updated the same way; B is the other factor in the same layout, P = X B, G = B^T B.
"""

from typing import Protocol, runtime_checkable

from ._fast import FastEngine
from ._reference import ReferenceEngine
from ._validation import check_option


@runtime_checkable
class ArrayEngine(Protocol):
    """Every array operation an NMF solver makes, on X and on the factors."""

    name: str

    # -- where and how the arrays live --
    def threading(self):
        """A context manager the whole fit runs in (fast: BLAS pinned to one thread)."""

    def as_matrix(self, X):
        """X in the layout the products use (CSR when sparse); may be X itself."""

    def as_sparse(self, X):
        """X as CSR with duplicates summed: the nonzeros the KL loss is evaluated at."""

    def asfactor(self, A):
        """A factor in the engine's row-major working layout; may be A itself."""

    def copy(self, A):
        """A row-major copy of a factor."""

    def empty_like(self, A):
        """An uninitialized array shaped like A."""

    def copy_into(self, out, A):
        """out[...] = A."""

    def to_numpy(self, A):
        """A as a numpy array (for the result)."""

    # -- products --
    def dot(self, X, B):
        """X @ B, dense (rows of X, k)."""

    def tdot(self, X, A, dtype=None):
        """X^T @ A, dense (columns of X, k), in ``dtype`` (default: A's)."""

    def range_products(self, X, Q, scratch=None):
        """(Y^T Y in float64, X^T Y) for Y = X Q, Y itself not kept: a power iteration's
        products (an engine holding X in blocks makes both from each block's Y_b).
        ``scratch``: a dict the caller keeps across its calls, where the engine may keep
        Y's buffer for the next call (a fresh n x size array each time is mostly page
        faults: at 794k rows, 36 of the product's 100 ms are the product)."""

    def gram(self, A):
        """A^T A (k, k), accumulated and returned in float64 whatever A's dtype (the
        objective is read from these; the updates take them in the factor's dtype). The
        fast engine forms a float32 A's products in float32 a few hundred rows at a time."""

    def matmul(self, A, M):
        """A @ M for a tall A and a small M."""

    def fused_transpose(self, X, A):
        """X^T in CSR when the H update should gather X^T A inside :meth:`hals_rows`
        (A: the current W), or None to compute X^T A with :meth:`tdot`."""

    def fused_steps(self, X, W, H, penalty):
        """The iterations of a plain HALS fit (one sweep per update) as one exchange per
        iteration with wherever the arrays live (a ``_frobenius.Steps`` of the engine's
        own), or None: the loop then makes its steps with the operations below."""

    # -- updates of one factor, in place --
    def hals(self, A, P, G, l1, l2):
        """One HALS sweep; returns the squared size of the step."""

    def hals_descent(self, A, P, G, l1, l2):
        """One HALS sweep; returns how much it lowered 0.5 ||X - A B^T||^2 + the penalty of
        A (exactly, so a W-only loop needs no objective of its own)."""

    def hals_rows(self, X, B, G, A_in, A_out, l1, l2, max_sweeps, delta, beta):
        """A_out = up to ``max_sweeps`` HALS sweeps from A_in with P = X B (stopping once a
        sweep's squared step is at most ``delta``^2 times the first's), then extrapolated:
        max(0, A_out + beta (A_out - A_in)). Returns <A_out, X B>."""

    def multiplicative(self, A, P, G, l1, l2):
        """The Frobenius multiplicative update (``_updates.multiplicative``)."""

    def alternating_least_squares(self, A, P, G, l1, l2):
        """The projected ALS update (``_updates.alternating_least_squares``)."""

    def kl_multiplicative(self, A, N, s, l1, l2):
        """The KL multiplicative update (``_updates.kl_multiplicative``)."""

    def extrapolate(self, out, new, old, beta):
        """out = max(0, new + beta (new - old)); out may be new."""

    # -- reductions and loss pieces --
    def vdot(self, A, B):
        """<A, B> = sum_ij A_ij B_ij, a float accumulated in float64."""

    def clip(self, A, floor):
        """A = max(A, floor), in place."""

    def mean(self, X):
        """The mean of all entries of X (zeros included), a float."""

    def qr(self, Y):
        """An orthonormal basis of the columns of a tall Y (Householder QR's Q, economic)."""

    def total(self, A):
        """sum_ij A_ij, a float accumulated in float64."""

    def colsum(self, A):
        """Column sums of A, (k,)."""

    def nnz(self, X):
        """How many entries of X are stored (dense X: nonzero), an int."""

    def squared_norm(self, X):
        """||X||_F^2 from X's stored entries, a float accumulated in float64."""

    def all_finite(self, A):
        """Whether every entry of A is finite."""

    def empty_pattern(self, X):
        """A sparse matrix with X's pattern, for :meth:`kl_ratio` to fill."""

    def kl_ratio(self, X, W, Ht, eps, R):
        """At X's nonzeros only: R = X / max(W H, eps); returns sum x log(x / wh) - x."""


# The registry: every engine by name. ``make_engine`` is the one place that picks one.
ENGINES = {"fast": FastEngine, "reference": ReferenceEngine}


def make_engine(name, threads=None):
    """The engine called ``name`` (a key of ``ENGINES``), on ``threads`` threads (None:
    every core this process may use)."""
    return ENGINES[check_option(name, "engine", tuple(ENGINES))](threads=threads)
