"""The pull toward target rows of H (anchored topics), held to the solver's contract: the
factors stay nonnegative, the loss (with the pull's ridge) never increases, every engine
gives the reference's iterates, and the pull holds a row that a seeded start lets drift."""

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import factorize
from topicnmf.errors import ParameterError
from topicnmf.nmf import Pull
from topicnmf.nmf._engine import ENGINES

ENGINE_NAMES = list(ENGINES)
DTYPES = [np.float64, np.float32]


def problem(dtype=np.float64, n=200, m=90, k=6):
    X = sp.random(n, m, density=0.1, random_state=4, format="csr", dtype=dtype)
    target = np.zeros((k, m))
    target[k - 1, [1, 2, 3]] = 1.0  # the last row anchored to three columns
    target[k - 2, [10, 11]] = [2.0, 1.0]
    return X, target


def cosine(h, t):
    return float(h @ t / (np.linalg.norm(h) * np.linalg.norm(t)))


def slow_objective(X, W, H, ridge):
    D = X.toarray() - W @ H
    pulled = (ridge.weight[:, None] * (H - ridge.target_t.T) ** 2).sum()
    return 0.5 * float((D * D).sum()) + 0.5 * float(pulled)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["cd", "mu"])
@pytest.mark.parametrize("strength", [0.0, 1.0, 100.0])
def test_pulled_loss_never_increases_and_factors_stay_nonnegative(solver, dtype, engine, strength):
    X, target = problem(dtype)
    r = factorize(X, 6, solver=solver, tol=0, max_iter=80, engine=engine,
                  pull=Pull(target, strength))
    h = r.loss_history
    slack = 1e-5 if dtype == np.float32 else 1e-12
    assert np.all(np.diff(h) <= slack * h[0])
    assert h[-1] < h[0]
    for A in (r.W, r.H):
        assert A.dtype == dtype and np.all(np.isfinite(A)) and A.min() >= 0


@pytest.mark.parametrize("solver", ["cd", "mu", "als"])
def test_the_recorded_loss_is_the_pulled_objective(solver):
    X, target = problem()
    pull = Pull(target, 2.0)
    rng = np.random.default_rng(0)
    W0, H0 = rng.random((200, 6)), rng.random((6, 90))
    r = factorize(X, 6, solver=solver, max_iter=25, engine="reference", pull=pull,
                  init="custom", W=W0, H=H0)
    ridge = pull.start(X, W0.copy(), H0.copy())  # the ridge the fit resolved from that start
    assert r.loss_history[-1] == pytest.approx(slow_objective(X, r.W, r.H, ridge), rel=1e-8)


@pytest.mark.parametrize("engine", [e for e in ENGINE_NAMES if e != "reference"])
@pytest.mark.parametrize("extrapolate", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_engines_give_the_reference_pulled_factorization(extrapolate, dtype, engine):
    X, target = problem(dtype)
    options = dict(random_state=0, max_iter=30, tol=0, max_inner=1, extrapolate=extrapolate,
                   pull=Pull(target, 1.0))
    a = factorize(X, 6, engine=engine, **options)
    b = factorize(X, 6, engine="reference", **options)
    rtol = 1e-3 if dtype == np.float32 else 1e-7
    np.testing.assert_allclose(a.W, b.W, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(a.H, b.H, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(a.loss_history, b.loss_history, rtol=rtol * 1e-3)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_a_seeded_start_drifts_and_the_pull_holds(engine):
    X, target = problem()
    seeded = factorize(X, 6, random_state=0, max_iter=300, engine=engine, pull=Pull(target, 0.0))
    held = factorize(X, 6, random_state=0, max_iter=300, engine=engine, pull=Pull(target, 1.0))
    hard = factorize(X, 6, random_state=0, max_iter=300, engine=engine, pull=Pull(target, 1000.0))
    for row in (4, 5):
        drift = cosine(seeded.H[row], target[row])
        assert drift < 0.5  # the data took the seeded row elsewhere
        assert cosine(held.H[row], target[row]) > drift + 0.3
        assert cosine(hard.H[row], target[row]) > 0.999
    free = factorize(X, 6, random_state=0, max_iter=300, engine=engine)
    assert held.reconstruction_err < 1.05 * free.reconstruction_err  # still a fit of X


def test_pull_errors_name_the_problem():
    X, target = problem()
    with pytest.raises(ParameterError, match=r"target must have the shape of H \(6, 90\); got \(6, 5\)"):
        factorize(X, 6, pull=Pull(target[:, :5]))
    with pytest.raises(ParameterError, match="strength must be finite and >= 0; got -1"):
        factorize(X, 6, pull=Pull(target, -1))
    with pytest.raises(ParameterError, match="needs beta_loss='frobenius'"):
        factorize(X, 6, pull=Pull(target), beta_loss="kullback-leibler")
