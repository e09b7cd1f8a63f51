"""The partitioned fit computes the in-memory fit's iterates: same W and H (to 1e-9
relative), same iterations, same loss history, from the same start and from its own start
made on the blocks, in memory and on disk, on both engines."""

import gc
import os

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import partitions as pt
from topicnmf.errors import ParameterError
from topicnmf.nmf import factorize, factorize_partitioned
from topicnmf.nmf._engine import make_engine
from topicnmf.nmf._init import initialize, randomized_svd
from topicnmf.nmf._blocks import Blocks, LocalExecutor
from topicnmf.nmf._partitioned import PartitionedEngine

ENGINES = ["fast", "reference"]


def matrix(n=240, m=150, density=0.06, seed=0, dtype=np.float64):
    X = sp.random(n, m, density=density, random_state=seed, format="csr", dtype=dtype)
    X.data = np.round(X.data, 3) + 0.01  # no near-ties: what a user's matrix looks like
    return X


def rel(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(a)).max())


def same_fit(a, b, tol=1e-9):
    assert a.n_iter == b.n_iter and a.converged == b.converged
    assert rel(a.W, b.W) < tol and rel(a.H, b.H) < tol
    np.testing.assert_allclose(b.loss_history, a.loss_history, rtol=tol)
    assert b.reconstruction_err == pytest.approx(a.reconstruction_err, rel=tol)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("k", [2, 5, 12])
@pytest.mark.parametrize("extrapolate", [False, True])
def test_partitioned_fit_equals_the_in_memory_fit(engine, k, extrapolate):
    X = matrix(seed=k)
    a = factorize(X, k, random_state=3, engine=engine, extrapolate=extrapolate)
    b = factorize_partitioned(pt.split(X, 5), k, random_state=3, engine=engine,
                              extrapolate=extrapolate)
    assert a.n_iter > 5
    same_fit(a, b)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("settings", [
    dict(alpha_W=0.002, l1_ratio=0.5),
    dict(alpha_W=0.001, alpha_H=0.003, l1_ratio=0.0),
    dict(solver="mu", max_iter=60),
    dict(solver="als", max_iter=40),
    dict(init="random"),
    dict(init="nndsvd"),
    dict(init="nndsvdar"),
])
def test_penalties_solvers_and_starts(engine, settings):
    X = matrix(seed=7)
    a = factorize(X, 6, random_state=1, engine=engine, **settings)
    b = factorize_partitioned(pt.split(X, 3), 6, random_state=1, engine=engine, **settings)
    same_fit(a, b)


@pytest.mark.parametrize("engine", ENGINES)
def test_accelerated_inner_sweeps(engine):
    # With several sweeps per product the inner stopping rule is decided per group of rows
    # (the fast kernels: per 8 rows), so the blocks change when it fires: the same
    # minimum, not the same iterates.
    X = matrix(seed=2)
    a = factorize(X, 5, random_state=0, engine=engine, max_inner=None)
    b = factorize_partitioned(pt.split(X, 4), 5, random_state=0, engine=engine, max_inner=None)
    assert b.loss_history[-1] == pytest.approx(a.loss_history[-1], rel=1e-7)
    assert rel(a.H, b.H) < 1e-2


def test_float32_blocks_stay_float32():
    X = matrix(seed=2, dtype=np.float32)
    a = factorize(X, 5, random_state=0)
    b = factorize_partitioned(pt.split(X, 4), 5, random_state=0)
    assert b.W.dtype == np.float32 and b.H.dtype == np.float32
    # (float32 rounding differs per block sum: the stopping iteration may differ, not the fit)
    assert b.loss_history[-1] == pytest.approx(a.loss_history[-1], rel=1e-6)
    with pytest.raises(ParameterError, match="different dtypes"):
        factorize_partitioned(pt.in_memory([X[:100], X[100:].astype(np.float64)]), 5)


def test_same_custom_start_gives_the_same_fit_from_blocks_on_disk(tmp_path, monkeypatch):
    X = matrix(n=300, seed=4)
    rng = np.random.default_rng(0)
    W0, H0 = rng.random((300, 8)), rng.random((8, 150))
    a = factorize(X, 8, init="custom", W=W0, H=H0)
    on_disk = pt.to_disk(pt.split(X, 6), tmp_path / "blocks")
    b = factorize_partitioned(on_disk, 8, init="custom", W=W0, H=H0)
    monkeypatch.chdir(tmp_path)  # a relative folder is kept as an absolute one (Dask workers
    assert all(os.path.isabs(p) for p in pt.to_disk(pt.split(X, 2), "rel").paths)  # have their own)
    same_fit(a, b)
    # the start given per block, the result kept per block (rows of each partition)
    edges = on_disk.offsets
    c = factorize_partitioned(on_disk, 8, init="custom", H=H0, stack=False,
                              W=[W0[edges[i]:edges[i + 1]] for i in range(len(on_disk))])
    assert isinstance(c.W, tuple) and len(c.W) == 6
    assert rel(a.W, np.vstack(c.W)) < 1e-9


def test_the_start_made_on_blocks_equals_the_in_memory_start():
    X = matrix(n=400, seed=5)
    for init in ("nndsvd", "nndsvda", "nndsvdar", "random"):
        W, H = initialize(X, 7, init, np.random.default_rng(9), make_engine("fast"))
        b = factorize_partitioned(pt.split(X, 7), 7, init=init, random_state=9, max_iter=1, tol=0)
        a = factorize(X, 7, init=init, random_state=9, max_iter=1, tol=0)
        assert rel(a.loss_history[0], b.loss_history[0]) < 1e-12, init
        assert rel(a.W, b.W) < 1e-9 and rel(a.H, b.H) < 1e-9, init


def test_transform_block_by_block_equals_the_in_memory_transform():
    X = matrix(n=260, seed=6)
    H = factorize(X, 5, random_state=0).H
    new = matrix(n=180, seed=11)
    for solver in ("cd", "mu"):
        a = factorize(new, 5, H=H, update_H=False, solver=solver)
        b = factorize_partitioned(pt.split(new, 4), 5, H=H, update_H=False, solver=solver)
        same_fit(a, b)
        np.testing.assert_array_equal(b.H, H)


def test_a_block_with_few_rows_and_tall_skinny_qr():
    X = matrix(n=90, seed=8)
    blocks = [X[:3], X[3:40], X[40:41], X[41:]]
    a = factorize(X, 4, random_state=2)
    b = factorize_partitioned(pt.in_memory(blocks), 4, random_state=2)
    same_fit(a, b)
    eng = PartitionedEngine(LocalExecutor())
    Y = np.random.default_rng(0).random((90, 6))
    parts = [Y[:3], Y[3:40], Y[40:41], Y[41:]]
    Q = eng.qr(Blocks(parts, Y.shape, Y.dtype, eng.executor)).to_numpy()
    np.testing.assert_allclose(Q.T @ Q, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(Q @ (Q.T @ Y), Y, atol=1e-12)  # the same column space


@pytest.mark.parametrize("n", [200, 100])  # (n < m: the range of X^T, sketched on X's rows)
def test_randomized_svd_on_blocks(n):
    X = matrix(n=n, seed=1)
    eng = PartitionedEngine(LocalExecutor())
    Xb = eng.executor.matrix(pt.split(X, 3))
    edges = np.cumsum([0] + list(eng.executor.rows))

    def rows(A):
        return Blocks([A[a:b] for a, b in zip(edges[:-1], edges[1:])], A.shape, A.dtype, eng.executor)

    U, S, Vt = randomized_svd(Xb, 5, np.random.RandomState(0), eng, rows=rows)
    U0, S0, Vt0 = randomized_svd(X, 5, np.random.RandomState(0), make_engine("fast"))
    assert rel(S0, S) < 1e-12 and rel(U0, U.to_numpy()) < 1e-9 and rel(Vt0, Vt) < 1e-9


def test_bad_input_is_named():
    X = matrix()
    with pytest.raises(ParameterError, match="beta_loss='frobenius' only"):
        factorize_partitioned(pt.split(X, 2), 3, beta_loss="kullback-leibler")
    with pytest.raises(ParameterError, match="needs X as topicnmf.partitions.Partitions"):
        factorize_partitioned(X, 3)
    bad = X.copy()
    bad.data[-1] = -1.0
    with pytest.raises(ParameterError, match="Negative values in block 1 of X"):
        factorize_partitioned(pt.split(bad, 2), 3)
    with pytest.raises(ParameterError, match="n_components <= min"):
        factorize_partitioned(pt.split(X, 2), 200, init="nndsvda")
    with pytest.raises(ParameterError, match=r"W \(block 0\) must have shape"):
        factorize_partitioned(pt.split(X, 2), 3, init="custom", H=np.ones((3, 150)),
                              W=[np.ones((5, 3)), np.ones((120, 3))])


def test_out_of_core_W_kept_on_disk_between_steps(tmp_path):
    X = matrix(n=300, seed=12)
    on_disk = pt.to_disk(pt.split(X, 5), tmp_path / "blocks")
    a = factorize(X, 6, random_state=0)
    b = factorize_partitioned(on_disk, 6, random_state=0, scratch=tmp_path / "W", stack=False)
    assert all(isinstance(w, np.memmap) for w in b.W)
    assert rel(a.W, np.vstack(b.W)) < 1e-9 and rel(a.H, b.H) < 1e-9
    assert a.n_iter == b.n_iter
    gc.collect()
    assert list((tmp_path / "W").iterdir()) == []  # every replaced block's file removed


def test_the_pipelines_fit_in_process_takes_partitions():
    from topicnmf.cluster import session

    X = matrix(seed=13)
    with session() as fit:
        a, b = fit(X, 4, random_state=0), fit(pt.split(X, 3), 4, random_state=0)
    same_fit(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blocks_read_back_from_disk_as_written(tmp_path, dtype):
    """A block read back (straight from its uncompressed archive) is the block written: the
    same values, dtypes and shape, an empty block too; a compressed or CSC file is read
    through scipy."""
    X = sp.random(300, 40, density=0.1, format="csr", dtype=dtype, random_state=0)
    parts = pt.to_disk([X[:120], X[120:120], X[120:]], tmp_path / "x")
    for written, read in zip([X[:120], X[120:120], X[120:]], parts):
        assert read.format == "csr" and read.shape == written.shape
        assert read.dtype == written.dtype and read.indices.dtype == written.indices.dtype
        assert (read != written).nnz == 0
    sp.save_npz(tmp_path / "packed.npz", X, compressed=True)
    sp.save_npz(tmp_path / "columns.npz", X.tocsc(), compressed=False)
    for name in ("packed.npz", "columns.npz"):
        read = pt.load_block(str(tmp_path / name))
        assert read.format == "csr" and (read != X).nnz == 0
