"""The solver's contract, for every solver, dtype and engine.

Every test taking ``engine`` runs over every engine in the factory's registry: an engine
added there (out-of-core, Dask, GPU) is held to the same contract.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from topicnmf import NMF, factorize
from topicnmf.errors import ParameterError
from topicnmf.nmf._engine import ENGINES
from topicnmf.nmf._init import initialize

from conftest import BUNDLED

SOLVERS = ["cd", "mu", "als"]
DTYPES = [np.float64, np.float32]
ENGINE_NAMES = list(ENGINES)


def planted(n=60, m=40, k=4, seed=0, density=0.5):
    """X = W H exactly, with sparse nonnegative W and H (so the factors are identifiable)."""
    rng = np.random.default_rng(seed)
    W = rng.random((n, k)) * (rng.random((n, k)) < density)
    H = rng.random((k, m)) * (rng.random((k, m)) < density)
    W[np.arange(n), np.arange(n) % k] += 1.0  # every row uses some component
    H[np.arange(k), np.arange(k)] += 1.0
    return W @ H, W, H


def random_sparse(n=80, m=50, density=0.2, seed=1, dtype=np.float64):
    return sp.random(n, m, density=density, random_state=seed, format="csr", dtype=dtype)


def slow_loss(X, W, H):
    """0.5 ||X - W H||^2 computed the obvious (dense) way, for reference only."""
    D = (X.toarray() if sp.issparse(X) else X) - W @ H
    return 0.5 * float((D * D).sum())


@pytest.fixture(scope="module")
def tfidf():
    texts = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED.rglob("*.txt"))]
    return TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True).fit_transform(texts)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_factors_nonnegative_finite_and_dtype_kept(solver, dtype, engine):
    X = random_sparse(dtype=dtype)
    r = factorize(X, 5, solver=solver, random_state=0, max_iter=50, engine=engine)
    for A in (r.W, r.H):
        assert A.dtype == dtype
        assert np.all(np.isfinite(A)) and A.min() >= 0
    assert r.W.shape == (80, 5) and r.H.shape == (5, 50)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["cd", "mu"])
def test_loss_never_increases(solver, dtype, engine):
    X = random_sparse(dtype=dtype)
    r = factorize(X, 6, solver=solver, init="random", random_state=3, tol=0, max_iter=100,
                  engine=engine)
    h = r.loss_history
    slack = 1e-5 if dtype == np.float32 else 1e-12
    assert np.all(np.diff(h) <= slack * h[0])
    assert h[-1] < h[0]


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_loss_history_matches_a_dense_reference(solver, engine):
    X = random_sparse()
    r = factorize(X, 4, solver=solver, random_state=0, max_iter=30, engine=engine)
    assert r.loss_history[-1] == pytest.approx(slow_loss(X, r.W, r.H), rel=1e-8)
    assert r.reconstruction_err == pytest.approx(np.sqrt(2 * slow_loss(X, r.W, r.H)), rel=1e-8)
    assert len(r.loss_history) == r.n_iter + 1


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("solver", ["cd", "als"])
@pytest.mark.parametrize("sparse", [False, True])
def test_planted_factors_are_recovered(solver, sparse, engine):
    X, _, _ = planted()
    Xin = sp.csr_matrix(X) if sparse else X
    r = factorize(Xin, 4, solver=solver, init="nndsvd", tol=1e-12, max_iter=3000, random_state=0,
                  engine=engine)
    rel = np.linalg.norm(X - r.W @ r.H) / np.linalg.norm(X)
    assert rel < 1e-3


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_planted_factors_are_recovered_by_multiplicative_updates(engine):
    # MU converges slowly (it is the classic, not the fast, method): give it more sweeps.
    X, _, _ = planted()
    r = factorize(X, 4, solver="mu", init="nndsvda", tol=0, max_iter=8000, random_state=0,
                  engine=engine)
    assert np.linalg.norm(X - r.W @ r.H) / np.linalg.norm(X) < 1e-3


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_and_dense_input_agree(solver, engine):
    X = random_sparse()
    a = factorize(X, 5, solver=solver, random_state=0, max_iter=40, engine=engine)
    b = factorize(X.toarray(), 5, solver=solver, random_state=0, max_iter=40, engine=engine)
    np.testing.assert_allclose(a.W, b.W, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(a.H, b.H, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_same_seed_same_result_and_seeds_differ(engine):
    X = random_sparse()
    a = factorize(X, 5, init="random", random_state=7, max_iter=20, engine=engine)
    b = factorize(X, 5, init="random", random_state=7, max_iter=20, engine=engine)
    c = factorize(X, 5, init="random", random_state=8, max_iter=20, engine=engine)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.allclose(a.W, c.W)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_hals_iterates_equal_scikit_learn_cd(tfidf, engine):
    """Same init and update order as scikit-learn's 'cd': the same iterates."""
    from sklearn.decomposition import NMF as SkNMF

    W0, H0 = initialize(tfidf, 6, "nndsvda", np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkNMF(6, init="custom", solver="cd", tol=0, max_iter=10).fit(tfidf, W=W0.copy(), H=H0.copy())
    ours = factorize(tfidf, 6, init="custom", W=W0, H=H0, tol=0, max_iter=10, max_inner=1,
                     extrapolate=False, engine=engine)
    np.testing.assert_allclose(ours.H, sk.components_, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("solver, beta_loss", [("cd", "frobenius"), ("mu", "frobenius"),
                                               ("als", "frobenius"), ("mu", "kullback-leibler")])
def test_fixed_H_solve_keeps_H_and_lowers_the_loss(solver, beta_loss, engine):
    """update_H=False (what transform does): H comes back unchanged, W nonnegative, and the
    loss never increases."""
    X = random_sparse(n=70, m=45, density=0.25, seed=2)
    fit = factorize(X, 4, random_state=0, max_iter=30, engine=engine)
    H = fit.H.copy()
    r = factorize(X, 4, solver=solver, beta_loss=beta_loss, H=fit.H, update_H=False, tol=0,
                  max_iter=20, engine=engine)
    np.testing.assert_array_equal(r.H, H)
    np.testing.assert_array_equal(fit.H, H)  # the caller's H is not written into
    assert r.W.shape == (70, 4) and r.W.min() >= 0 and np.all(np.isfinite(r.W))
    h = r.loss_history
    assert np.all(np.diff(h) <= 1e-12 * h[0])
    if beta_loss == "frobenius":
        assert h[-1] == pytest.approx(slow_loss(X, r.W, H), rel=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_kernels_agree_with_the_reference(dtype):
    from topicnmf.nmf import _kernels, _sweeps, _updates

    rng = np.random.default_rng(5)
    X = random_sparse(n=300, m=120, density=0.05, dtype=dtype)
    B = rng.random((120, 7)).astype(dtype)
    out = np.empty((300, 7), dtype=dtype)
    _kernels.csr_dot(X.indptr, X.indices, X.data, B, out, 0, 150)  # two row ranges
    _kernels.csr_dot(X.indptr, X.indices, X.data, B, out, 150, 300)
    np.testing.assert_allclose(out, X @ B, rtol=1e-5 if dtype == np.float32 else 1e-12)

    # the sweeps run 64 rows side by side: ranges that end inside a block (padded) and k
    # not a multiple of the transposes' 8 x 8 tiles
    for k in (7, 21):
        B = rng.random((120, k)).astype(dtype)
        A = rng.random((300, k)).astype(dtype)
        P = ((X @ B) * 3).astype(dtype)
        G = (B.T @ B).astype(dtype)
        fast, slow = A.copy(), A.copy()
        step, violation = np.sum([_sweeps.hals_sweep(fast, P, G, dtype(0.01), dtype(0.1), r0, r1)
                                  for r0, r1 in [(0, 64), (64, 100), (100, 300)]], axis=0)
        expected = _updates.hals(slow, P, G, 0.01, 0.1)
        rtol = 1e-4 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(fast, slow, rtol=rtol, atol=1e-6)
        assert step == pytest.approx(float(((slow - A.astype(np.float64)) ** 2).sum()), rel=rtol)
        assert violation == pytest.approx(expected, rel=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_fused_update_sweeps_blocks_of_rows_side_by_side(dtype):
    # rows 0..299 in ranges that cut the 64-row blocks, k = 21 (8 x 8 tiles and a rest):
    # the update, its extrapolation and the cross term <A_out, X B> of the reference
    from topicnmf.nmf import _sweeps, _updates

    rng = np.random.default_rng(6)
    X = random_sparse(n=300, m=120, density=0.05, dtype=dtype)
    B = rng.random((120, 21)).astype(dtype)
    G = (B.T.astype(np.float64) @ B).astype(dtype)
    A_in = rng.random((300, 21)).astype(dtype)
    A_out = np.empty_like(A_in)
    t = np.dtype(dtype).type
    cross, violation = np.sum([
        _sweeps.hals_rows_fused(X.indptr, X.indices, X.data, B, G, A_in, A_out, t(0.01), t(0.1),
                                1, t(0.01), t(0.3), r0, r1)
        for r0, r1 in [(0, 70), (70, 128), (128, 300)]], axis=0)
    P = X.astype(np.float64) @ B.astype(np.float64)
    expected = A_in.astype(np.float64)
    expected_violation = _updates.hals(expected, P, G.astype(np.float64), 0.01, 0.1)
    expected = np.maximum(expected + 0.3 * (expected - A_in), 0)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(A_out, expected, rtol=rtol, atol=1e-6)
    assert cross == pytest.approx(float((A_out.astype(np.float64) * P).sum()), rel=rtol)
    assert violation == pytest.approx(expected_violation, rel=rtol)


@pytest.mark.parametrize("engine", [e for e in ENGINE_NAMES if e != "reference"])
@pytest.mark.parametrize("extrapolate", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_engines_give_the_reference_factorization(extrapolate, dtype, engine):
    X = random_sparse(n=200, m=90, density=0.1, dtype=dtype)
    options = dict(random_state=0, max_iter=30, tol=0, max_inner=1, extrapolate=extrapolate)
    a = factorize(X, 6, engine=engine, **options)
    b = factorize(X, 6, engine="reference", **options)
    rtol = 1e-3 if dtype == np.float32 else 1e-7
    np.testing.assert_allclose(a.W, b.W, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(a.H, b.H, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(a.loss_history, b.loss_history, rtol=rtol * 1e-3)


@pytest.mark.parametrize("k", [6, 12])
def test_final_error_within_half_percent_of_scikit_learn(tfidf, k):
    from sklearn.decomposition import NMF as SkNMF

    W0, H0 = initialize(tfidf, k, "nndsvda", np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkNMF(k, init="custom", solver="cd", max_iter=1000).fit(tfidf, W=W0.copy(), H=H0.copy())
    ours = NMF(k, init="custom").fit(tfidf, W=W0, H=H0)
    assert ours.reconstruction_err_ <= 1.005 * sk.reconstruction_err_


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_regularization_shrinks_factors(engine):
    X = random_sparse()
    plain = factorize(X, 5, random_state=0, max_iter=100, engine=engine)
    l1 = factorize(X, 5, random_state=0, max_iter=100, alpha_W=0.01, l1_ratio=1.0, engine=engine)
    assert (l1.W == 0).mean() > (plain.W == 0).mean()
    assert l1.loss_history[-1] <= l1.loss_history[0]


def test_estimator_transform_agrees_with_fit_transform(tfidf):
    model = NMF(6, random_state=0)
    W = model.fit_transform(tfidf)
    np.testing.assert_allclose(model.transform(tfidf), W, atol=1e-3)
    assert model.components_.shape == (6, tfidf.shape[1])
    assert model.n_iter_ == len(model.loss_history_) - 1
    assert model.reconstruction_err_ > 0


def test_estimator_in_a_scikit_learn_pipeline():
    from sklearn.pipeline import make_pipeline

    texts = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED.rglob("*.txt"))]
    pipe = make_pipeline(TfidfVectorizer(stop_words="english"), NMF(6, random_state=0))
    W = pipe.fit_transform(texts)
    assert W.shape == (len(texts), 6)
    assert list(pipe.get_feature_names_out()) == [f"nmf{i}" for i in range(6)]


def test_check_estimator_passes():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results = check_estimator(NMF(), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed
    assert sum(r["status"] == "passed" for r in results) >= 40


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tol": -1}, r"The 'tol' parameter of NMF must be a float in the range \[0.0, inf\)\. Got -1 instead\."),
        ({"solver": "lbfgs"}, r"The 'solver' parameter of NMF must be one of 'cd', 'mu', 'als'\. Got 'lbfgs'"),
        ({"init": "svd"}, r"The 'init' parameter of NMF must be one of"),
        ({"max_iter": 0}, r"The 'max_iter' parameter of NMF must be an int in the range \[1, inf\)"),
        ({"l1_ratio": 2.0}, r"The 'l1_ratio' parameter of NMF must be a float in the range \[0.0, 1.0\]"),
        ({"n_components": 0}, r"The 'n_components' parameter of NMF must be an int"),
        ({"n_components": 20, "init": "nndsvd"}, r"needs n_components <= min\(n_samples, n_features\)"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs, message):
    X = random_sparse(n=15, m=12)
    kwargs = {"n_components": 3} | kwargs
    with pytest.raises(ParameterError, match=message):
        factorize(X, **kwargs)


def test_negative_or_nonfinite_input_is_refused():
    with pytest.raises(ParameterError, match="Negative values"):
        factorize(-np.eye(4), 2)
    X = np.eye(4)
    X[0, 0] = np.nan
    with pytest.raises(ParameterError, match="NaN or infinity"):
        factorize(X, 2)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_kl_loss_never_increases_and_matches_a_dense_reference(engine):
    X = random_sparse(n=60, m=40, density=0.3)
    r = factorize(X, 4, solver="mu", beta_loss="kullback-leibler", init="nndsvda",
                  random_state=0, tol=0, max_iter=60, engine=engine)
    h = r.loss_history
    assert np.all(np.diff(h) <= 1e-12 * h[0])
    D = X.toarray()
    WH = r.W @ r.H
    nz = D > 0
    dense_kl = float((D[nz] * np.log(D[nz] / WH[nz])).sum() - D.sum() + WH.sum())
    assert h[-1] == pytest.approx(dense_kl, rel=1e-9)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_kl_equals_scikit_learn_multiplicative_updates(engine):
    from sklearn.decomposition import NMF as SkNMF

    X = random_sparse(n=70, m=50, density=0.3, seed=4)
    W0, H0 = initialize(X, 5, "nndsvda", np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkNMF(5, init="custom", solver="mu", beta_loss="kullback-leibler", tol=0,
                   max_iter=30).fit(X, W=W0.copy(), H=H0.copy())
    ours = factorize(X, 5, solver="mu", beta_loss="kullback-leibler", init="custom",
                     W=W0, H=H0, tol=0, max_iter=30, engine=engine)
    np.testing.assert_allclose(ours.H, sk.components_, rtol=1e-6, atol=1e-10)
    assert ours.reconstruction_err == pytest.approx(sk.reconstruction_err_, rel=1e-6)


@pytest.mark.parametrize("engine", [e for e in ENGINE_NAMES if e != "reference"])
def test_kl_engines_agree_with_the_reference(engine):
    X = random_sparse(n=80, m=60, density=0.2, seed=9)
    a = factorize(X, 4, solver="mu", beta_loss="kullback-leibler", random_state=1, max_iter=25, tol=0,
                  engine=engine)
    b = factorize(X, 4, solver="mu", beta_loss="kullback-leibler", random_state=1, max_iter=25, tol=0,
                  engine="reference")
    np.testing.assert_allclose(a.W, b.W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.loss_history, b.loss_history, rtol=1e-10)


def test_kl_never_builds_an_nnz_by_k_array():
    """The fast engine's promise (the reference engine gathers nnz x k rows, obviously)."""
    import tracemalloc

    X = sp.random(20000, 4000, density=0.0025, random_state=0, format="csr")  # 200k nonzeros
    k = 50
    tracemalloc.start()
    factorize(X, k, solver="mu", beta_loss="kullback-leibler", init="random", random_state=0,
              max_iter=3, engine="fast")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nnz * k * 8 / 2  # an nnz x k float64 temporary alone would be 80 MB


def test_kl_needs_multiplicative_updates():
    with pytest.raises(ParameterError, match="The 'solver' parameter.*use solver='mu'"):
        factorize(random_sparse(), 3, beta_loss="kullback-leibler", solver="cd")
