"""The partitioned fit: :func:`factorize` on a matrix held as row blocks.

The same loop as the in-memory fit (``_frobenius.fit_frobenius``) runs on the partitioned
engine (``_partitioned``): W is updated block by block given H and H H^T, H from X^T W and
W^T W summed over the blocks, the loss from the same partial sums. So the iterates, the
extrapolation, the stopping rule and the result are the in-memory fit's, up to the
rounding of summing per block. The start is made on the blocks too (:func:`initialize`).
"""

from dataclasses import replace

import numpy as np

from ..errors import ParameterError
from ..partitions import Partitions
from . import _validation as v
from ._factorize import _check_factor, _options
from ._init import (NNDSVD, fill_zeros, nndsvd_fill, power_iterations, randomized_svd, signed_norms,
                    signed_squares, sketch_matrix)
from ._blocks import Blocks, LocalExecutor
from ._partitioned import PartitionedEngine
from ._solvers import solve


def factorize_partitioned(partitions, n_components, *, options=None, random_state=None, W=None,
                          H=None, update_H=True, callback=None, engine="fast", max_inner=1,
                          extrapolate=None, client=None, stack=True, scratch=None, **settings):
    """Factorize X ~ W H for an X given as row blocks: :func:`factorize`'s iterates and
    result, with only one block of X (and of W) worked on at a time, or with the blocks on
    the workers of a Dask cluster.

    Parameters
    ----------
    partitions : topicnmf.partitions.Partitions
        X (n_samples, n_features) as CSR row blocks, in memory or as ``.npz`` files.
    n_components, options, random_state, callback, engine, max_inner, extrapolate, **settings
        As for :func:`factorize` (the Frobenius loss only). With ``max_inner`` > 1 the
        inner sweeps' stopping rule is decided per group of rows, so the blocks' borders
        change when it fires: the same minimum then, not the same iterates.
    W : ndarray (n_samples, n_components) or sequence of per-block arrays, optional
        The start for init='custom' (with ``update_H`` False, optional).
    H : ndarray (n_components, n_features), optional
        The start for init='custom'; with ``update_H`` False, the fixed factor (transform:
        W for the rows of X, block by block).
    client : distributed.Client, optional
        Run the block operations on this Dask cluster (the extra ``topicnmf[dask]``): the
        blocks of X are loaded on the workers and stay there, W's blocks too; only H,
        H H^T and the k x n_features and k x k sums travel per iteration.
    stack : bool, default=True
        The result's W as one array; False: a tuple of per-block arrays (rows
        ``partitions.rows(i)``), so that no n_samples x k array is made in one piece.
    scratch : str or Path, optional
        Out of core (without ``client``): keep W's blocks in ``.npy`` files in this folder
        between steps, so that one block of X and of W is in memory at a time (each removed
        once replaced; with ``stack=False`` the result's blocks are read-only memory maps).

    Returns
    -------
    NMFResult
    """
    options = _options(options, settings, "factorize_partitioned")
    if not isinstance(partitions, Partitions):
        raise ParameterError("factorize_partitioned needs X as topicnmf.partitions.Partitions; "
                             f"got {type(partitions).__name__} (use factorize for one matrix).")
    if options.beta_loss != "frobenius":
        raise ParameterError("The partitioned fit supports beta_loss='frobenius' only; got "
                             f"{options.beta_loss!r}. Fit the Kullback-Leibler loss in memory.")
    k = v.check_int(n_components, "n_components", low=1)
    rng = v.check_random_state(random_state)
    v.check_option(engine, "engine", ("fast", "reference"))
    executor = _executor(client, engine, scratch)
    eng = PartitionedEngine(executor, engine)
    X = executor.matrix(partitions)
    n, m = X.shape
    if options.init is None and k > min(n, m):
        options = replace(options, init="random")
    options = options.resolve(default_init="nndsvda")
    init = options.init
    if init in v.INITS[:3] and k > min(n, m):
        raise ParameterError(
            f"init={init!r} needs n_components <= min(n_samples, n_features) = {min(n, m)}; "
            f"got n_components={k}. Use fewer components or init='random'.")
    with eng.threading():
        if not update_H:
            H = _check_factor(H, (k, m), "H", X.dtype)
            W = _blocks_of(W, X, k, executor) if init == "custom" and W is not None else None
        elif init == "custom":
            W, H = _blocks_of(W, X, k, executor), _check_factor(H, (k, m), "H", X.dtype)
        else:
            W, H = initialize(X, k, init, rng, eng, v.sketch_state(random_state))
    if max_inner is not None:
        max_inner = v.check_int(max_inner, "max_inner", low=1)
    eng.stack = stack
    return solve(eng, X, W, H, beta_loss=options.beta_loss, solver=options.solver,
                 tol=float(options.tol), max_iter=int(options.max_iter),
                 penalty=options.penalty((n, m)), update_H=update_H, callback=callback,
                 max_inner=max_inner, extrapolate=extrapolate)


def _executor(client, engine, scratch):
    if client is None:
        return LocalExecutor(engine, None if scratch is None else str(scratch))
    from ._dask import DaskExecutor  # only with the extra installed

    return DaskExecutor(client, engine)


def _blocks_of(W, X, k, executor):
    """A start W (whole, or per block) as Blocks matching X's blocks, checked and copied."""
    if W is None:
        raise ParameterError(f"init='custom' needs an initial W of shape {(X.shape[0], k)}.")
    rows = executor.rows
    if isinstance(W, (list, tuple)):
        parts = [_check_factor(w, (r, k), f"W (block {i})", X.dtype) for i, (w, r) in
                 enumerate(zip(W, rows))]
        if len(parts) != len(rows):
            raise ParameterError(f"W has {len(W)} blocks; X has {len(rows)}.")
    else:
        W = _check_factor(W, (X.shape[0], k), "W", X.dtype)
        edges = np.cumsum([0] + list(rows))
        parts = [W[a:b].copy() for a, b in zip(edges[:-1], edges[1:])]
    return Blocks(executor.put(parts), (X.shape[0], k), X.dtype, executor)


def initialize(X, k, init, rng, eng, sketch=None):
    """``_init.initialize`` on row blocks: W as Blocks, H (k, n_features) Fortran-ordered.

    The randomized SVD runs on the block products (X Omega = [X_b Omega], X^T Q =
    sum_b X_b^T Q_b, a tall-skinny QR when Cholesky QR fails; on a Dask cluster, the
    executor's own, ``_dask_start``), NNDSVD's sign choices from
    column norms summed over blocks; random draws come in the in-memory fit's order (W's
    rows block after block, then H). So the start equals the in-memory one up to the
    rounding of the block sums.
    """
    dtype, (n, m) = X.dtype, X.shape
    executor = X.executor
    avg = eng.mean(X)
    if init == "random":
        scale = np.sqrt(avg / k)
        parts = ((scale * np.abs(rng.standard_normal((r, k)))).astype(dtype)
                 for r in executor.rows)  # (kept as drawn: out of core, one block in memory)
        W = Blocks(executor.put(parts), (n, k), dtype, executor)
        H = scale * np.abs(rng.standard_normal((k, m)))  # (drawn after W, as in memory)
        return W, np.asfortranarray(H, dtype=dtype)
    edges = np.cumsum([0] + list(executor.rows))

    def rows(A):  # an (n, size) array (the sketch of X^T) as X's row blocks
        return Blocks(executor.put([A[a:b] for a, b in zip(edges[:-1], edges[1:])]),
                      A.shape, A.dtype, executor)

    omega = sketch_matrix(X.shape, k, rng if sketch is None else sketch, dtype)
    fused = eng.fused_svd(X, k, omega, power_iterations(k, X.shape))  # (on a Dask cluster)
    U, S, Vt = fused if fused is not None else randomized_svd(X, k, None, eng, rows=rows, omega=omega)
    start = NNDSVD.of(S, signed_norms(executor.sum(_part_squares, U)),
                      signed_norms(signed_squares(Vt.T)))
    if init == "nndsvdar":  # the zeros' random values drawn here, in row order
        W = U.like(executor.map(_nndsvd_rows, U, start, init, avg, None))
        counts = executor.collect(_zeros, W)
        draws = [rng.standard_normal(c) for c in counts]
        W.parts = executor.map(_fill_drawn, W, W.like(executor.put(draws)), avg)
        W.parts = executor.map(_astype, W, dtype)
    else:
        W = U.like(executor.map(_nndsvd_rows, U, start, init, avg, dtype))
    W.dtype = np.dtype(dtype)
    H = fill_zeros(start.factor(Vt.T, "H", fill=nndsvd_fill(init, avg)).T, init, avg, rng)
    return W, np.asfortranarray(H, dtype=dtype)


def _part_squares(eng, U):
    return signed_squares(U)


def _nndsvd_rows(eng, U, start, init, avg, dtype):
    A = start.factor(U, "W", fill=nndsvd_fill(init, avg))
    return A if dtype is None else A.astype(dtype, copy=False)


def _zeros(eng, A):
    return int((A == 0).sum())


def _fill_drawn(eng, A, draws, avg):
    A = A.copy()
    A[A == 0] = np.abs(avg * draws / 100)
    return A


def _astype(eng, A, dtype):
    return A.astype(dtype, copy=False)
