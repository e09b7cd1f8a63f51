"""The array-engine contract: every engine in the registry implements ``ArrayEngine`` and
each operation means what the protocol says, checked against plain numpy."""

from contextlib import AbstractContextManager

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import factorize
from topicnmf.errors import ParameterError
from topicnmf.nmf import _updates
from topicnmf.nmf._engine import ENGINES, ArrayEngine, make_engine

ENGINE_NAMES = list(ENGINES)
DTYPES = [np.float64, np.float32]


def tol(dtype):
    return 1e-4 if dtype == np.float32 else 1e-10


def problem(dtype=np.float64, sparse=True, n=130, m=70, k=5, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, m, density=0.15, random_state=seed, format="csr", dtype=dtype)
    X = X if sparse else X.toarray()
    W = rng.random((n, k)).astype(dtype)
    Ht = rng.random((m, k)).astype(dtype)
    return X, W, Ht


def dense(X):
    return X.toarray() if sp.issparse(X) else X


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_every_registered_engine_satisfies_the_protocol(name):
    engine = make_engine(name)
    assert isinstance(engine, ArrayEngine)
    assert engine.name == name


def test_the_protocol_check_is_not_vacuous():
    class Partial:
        name = "partial"

        def dot(self, X, B):
            return X @ B

    assert not isinstance(Partial(), ArrayEngine)


def test_an_unknown_engine_names_the_parameter():
    with pytest.raises(ParameterError, match=r"The 'engine' parameter of NMF must be one of 'fast', "
                                             r"'reference'\. Got 'gpu' instead\."):
        make_engine("gpu")
    with pytest.raises(ParameterError, match="'engine' parameter"):
        factorize(sp.random(10, 8, density=0.5, random_state=0), 2, engine="gpu")


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_products(name, dtype, sparse):
    eng = make_engine(name)
    X, W, Ht = problem(dtype, sparse)
    X = eng.as_matrix(X)
    np.testing.assert_allclose(eng.dot(X, Ht), dense(X) @ Ht, rtol=tol(dtype))
    np.testing.assert_allclose(eng.tdot(X, W), dense(X).T @ W, rtol=tol(dtype))
    np.testing.assert_allclose(eng.gram(W), W.T @ W, rtol=tol(dtype))
    M = np.eye(5, dtype=dtype) * 2
    np.testing.assert_allclose(eng.matmul(W, M), 2 * W, rtol=tol(dtype))
    assert eng.squared_norm(X) == pytest.approx(float((dense(X) ** 2).sum()), rel=tol(dtype))
    assert eng.nnz(X) == np.count_nonzero(dense(X))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_reductions_and_layout(name, dtype):
    eng = make_engine(name)
    _, W, Ht = problem(dtype)
    assert eng.vdot(W, W) == pytest.approx(float((W.astype(np.float64) ** 2).sum()), rel=tol(dtype))
    assert eng.total(W) == pytest.approx(float(W.sum(dtype=np.float64)), rel=tol(dtype))
    np.testing.assert_allclose(eng.to_numpy(eng.colsum(W)), W.sum(axis=0), rtol=tol(dtype))
    assert eng.all_finite(W) and not eng.all_finite(np.array([[1.0, np.inf]], dtype=dtype))
    F = np.asfortranarray(W)
    A = eng.asfactor(F)
    assert eng.to_numpy(A).flags.c_contiguous and np.array_equal(eng.to_numpy(A), W)
    C = eng.copy(W)
    assert C is not W and np.array_equal(eng.to_numpy(C), W)
    out = eng.empty_like(W)
    eng.copy_into(out, W)
    assert np.array_equal(eng.to_numpy(out), W) and out.dtype == W.dtype
    assert isinstance(eng.threading(), AbstractContextManager)
    with eng.threading():
        pass


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_updates_match_the_numpy_rules(name, dtype):
    eng = make_engine(name)
    X, W, Ht = problem(dtype)
    P = (X @ Ht).astype(dtype)
    G = Ht.T @ Ht
    for method, rule in [("hals", _updates.hals), ("multiplicative", _updates.multiplicative),
                         ("alternating_least_squares", _updates.alternating_least_squares)]:
        mine, theirs = W.copy(), W.copy()
        step = getattr(eng, method)(mine, P, G, 0.01, 0.1)
        rule(theirs, P, G, 0.01, 0.1)
        np.testing.assert_allclose(mine, theirs, rtol=100 * tol(dtype), atol=1e-6)
        if method == "hals":
            step = step[0]  # (the squared step; its violation: see the test below)
            assert step == pytest.approx(float(((theirs - W.astype(np.float64)) ** 2).sum()),
                                         rel=1e-3 if dtype == np.float32 else 1e-8)
    s = Ht.sum(axis=0)
    mine, theirs = W.copy(), W.copy()
    eng.kl_multiplicative(mine, P, s, 0.01, 0.1)
    _updates.kl_multiplicative(theirs, P, s, 0.01, 0.1)
    np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_hals_descent_is_the_sweep_and_its_exact_decrease(name, dtype):
    eng = make_engine(name)
    X, W, Ht = problem(dtype)
    P = (X @ Ht).astype(dtype)
    G = Ht.T.astype(np.float64) @ Ht
    mine, theirs = W.copy(), W.copy()
    decrease = eng.hals_descent(mine, P, G, 0.01, 0.1)
    _updates.hals(theirs, P, G, 0.01, 0.1)
    np.testing.assert_allclose(mine, theirs, rtol=100 * tol(dtype), atol=1e-6)

    def f(A):  # 0.5 ||X - A Ht^T||^2 + 0.01 |A| + 0.05 ||A||^2, densely
        A = A.astype(np.float64)
        return (0.5 * ((dense(X) - A @ Ht.T.astype(np.float64)) ** 2).sum() + 0.01 * A.sum()
                + 0.05 * (A * A).sum())

    assert decrease == pytest.approx(f(W) - f(mine), rel=1e-3 if dtype == np.float32 else 1e-8)


@pytest.mark.parametrize("beta", [0.0, 0.4])
@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_hals_rows_is_sweeps_then_extrapolation(name, sparse, beta):
    eng = make_engine(name)
    X, A_in, Ht = problem(sparse=sparse)
    X = eng.as_matrix(X)
    G = Ht.T @ Ht
    A_out = np.empty_like(A_in)
    cross, violation = eng.hals_rows(X, Ht, G, A_in, A_out, 0.0, 0.0, 1, 0.1, beta)
    P = dense(X) @ Ht
    expected = A_in.copy()
    expected_violation = _updates.hals(expected, P, G, 0.0, 0.0)
    expected = np.maximum(expected + beta * (expected - A_in), 0)
    np.testing.assert_allclose(A_out, expected, rtol=1e-9, atol=1e-12)
    assert cross == pytest.approx(float((A_out * P).sum()), rel=1e-10)
    assert violation == pytest.approx(expected_violation, rel=1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_the_sweeps_violation_is_scikit_learns(name, dtype):
    # scikit-learn's 'cd' stops on this measure: the sum of |projected gradient| of each
    # coordinate just before its update, with the penalties in the gradient
    from sklearn.decomposition._nmf import _update_coordinate_descent

    eng = make_engine(name)
    X, W, Ht = problem(dtype)
    W[W < np.median(W)] = 0  # coordinates at the bound: only a negative gradient counts
    theirs = W.astype(np.float64)
    expected = _update_coordinate_descent(dense(X).astype(np.float64), theirs,
                                          Ht.astype(np.float64), 0.01, 0.1, False, None)
    P = (X @ Ht).astype(dtype)
    _, violation = eng.hals(W, P, Ht.T.astype(np.float64) @ Ht, 0.01, 0.1)
    assert violation == pytest.approx(expected, rel=1e-4 if dtype == np.float32 else 1e-10)
    np.testing.assert_allclose(W, theirs, rtol=100 * tol(dtype), atol=1e-6)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_extrapolate_and_fused_transpose(name):
    eng = make_engine(name)
    X, W, Ht = problem()
    old = W * 0.5
    out = np.empty_like(W)
    eng.extrapolate(out, W, old, 0.7)
    np.testing.assert_allclose(out, np.maximum(W + 0.7 * (W - old), 0), rtol=1e-12)
    eng.extrapolate(W, W, old, 0.7)  # out may be new
    np.testing.assert_allclose(W, out, rtol=1e-12)
    Xt = eng.fused_transpose(eng.as_matrix(X), W)
    assert Xt is None or (sp.isspmatrix_csr(Xt) and np.array_equal(Xt.toarray(), X.toarray().T))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_kl_ratio_at_the_nonzeros(name, dtype):
    eng = make_engine(name)
    X, W, Ht = problem(dtype)
    X = eng.as_sparse(X)
    R = eng.empty_pattern(X)
    eps = np.finfo(dtype).eps
    partial = eng.kl_ratio(X, W, Ht, eps, R)
    D = X.toarray().astype(np.float64)
    WH = np.maximum(W.astype(np.float64) @ Ht.T.astype(np.float64), eps)
    nz = D > 0
    np.testing.assert_allclose(R.toarray()[nz], (D / WH)[nz], rtol=tol(dtype) * 10)
    assert np.array_equal(R.indices, X.indices) and np.array_equal(R.indptr, X.indptr)
    expected = float((D[nz] * np.log(D[nz] / WH[nz]) - D[nz]).sum())
    assert partial == pytest.approx(expected, rel=tol(dtype) * 10)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_products_and_fits_repeat_bit_for_bit(name):
    # The fast engine hands row ranges to whichever thread is free; what it sums must not
    # depend on which thread ran what (a golden report hashes the factors).
    eng = make_engine(name)
    X = sp.random(20000, 2000, density=0.005, random_state=3, format="csr")
    A = np.random.default_rng(3).random((20000, 10))
    first = eng.tdot(X, A)
    for _ in range(3):
        np.testing.assert_array_equal(eng.tdot(X, A), first)
    fits = [factorize(X, 10, random_state=0, max_iter=15, engine=name) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].W, fits[1].W)
    np.testing.assert_array_equal(fits[0].H, fits[1].H)


def test_the_h_update_gathers_from_a_copy_of_x_when_the_scatter_needs_more_memory(monkeypatch):
    # Beyond the cache rule, the fast engine copies X transposed only when the copy is no
    # larger than what scattering X^T W needs (its accumulators and the result): a large k
    # then fits in less memory, with the same fit either way.
    from topicnmf.nmf import _fast

    monkeypatch.setattr(_fast, "FUSED_H_MAX_BYTES", 0)
    eng = make_engine("fast", threads=2)
    X = sp.random(2000, 300, density=0.05, random_state=1, format="csr")
    rng = np.random.default_rng(1)
    copy = X.data.nbytes + X.indices.nbytes + 301 * X.indptr.itemsize
    small, large = rng.random((2000, 2)), rng.random((2000, 40))
    assert eng._scatter_bytes(X, small) < copy and eng.fused_transpose(X, small) is None
    assert eng._scatter_bytes(X, large) > copy
    Xt = eng.fused_transpose(X, large)
    assert sp.isspmatrix_csr(Xt) and np.array_equal(Xt.toarray(), X.toarray().T)
    gathered = factorize(X, 40, random_state=0, max_iter=30)
    monkeypatch.setattr(_fast.FastEngine, "fused_transpose", lambda self, X, A: None)
    scattered = factorize(X, 40, random_state=0, max_iter=30)
    assert gathered.n_iter == scattered.n_iter
    np.testing.assert_allclose(gathered.H, scattered.H, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gathered.loss_history, scattered.loss_history, rtol=1e-10)
