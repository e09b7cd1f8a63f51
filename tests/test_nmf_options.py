"""SolverOptions: the one validated value that owns the solver's defaults, and the public
functions and estimator built on it."""

import dataclasses
import inspect

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf.errors import ParameterError
from topicnmf.nmf import NMF, SolverOptions, factorize, refine_W


def random_sparse(n=60, m=40, density=0.3, seed=4):
    return sp.random(n, m, density=density, random_state=seed, format="csr")


def test_kullback_leibler_without_a_solver_is_mu_from_nndsvda():
    X = random_sparse()
    a = factorize(X, 4, beta_loss="kullback-leibler", random_state=0, max_iter=20)
    b = factorize(X, 4, beta_loss="kullback-leibler", solver="mu", init="nndsvda",
                  random_state=0, max_iter=20)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.H, b.H)
    np.testing.assert_array_equal(a.loss_history, b.loss_history)


def test_without_init_more_components_than_min_shape_start_randomly():
    X = random_sparse(n=12, m=9)
    for settings in ({}, {"beta_loss": "kullback-leibler"}, {"solver": "mu"}):
        a = factorize(X, 10, random_state=0, max_iter=5, **settings)
        b = factorize(X, 10, random_state=0, max_iter=5, init="random", **settings)
        np.testing.assert_array_equal(a.W, b.W)


def test_kullback_leibler_with_another_solver_fails_at_construction():
    with pytest.raises(ParameterError, match=r"The 'solver' parameter of NMF must be 'mu' .*"
                                             r"Got 'cd' instead; use solver='mu' or leave solver unset"):
        SolverOptions(beta_loss="kullback-leibler", solver="cd")
    with pytest.raises(ParameterError, match="'solver'"):
        SolverOptions(beta_loss="kullback-leibler", solver="als")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("tol", -1, r"The 'tol' parameter of NMF must be a float in the range \[0.0, inf\)\. Got -1 instead\."),
        ("tol", True, r"The 'tol' parameter of NMF must be a float"),
        ("max_iter", 0, r"The 'max_iter' parameter of NMF must be an int in the range \[1, inf\)\. Got 0"),
        ("max_iter", 2.5, r"The 'max_iter' parameter of NMF must be an int"),
        ("solver", "lbfgs", r"The 'solver' parameter of NMF must be one of 'cd', 'mu', 'als'\. Got 'lbfgs'"),
        ("beta_loss", "itakura-saito", r"The 'beta_loss' parameter of NMF must be one of 'frobenius', "
                                       r"'kullback-leibler'\. Got 'itakura-saito'"),
        ("init", "svd", r"The 'init' parameter of NMF must be one of 'nndsvd', .*'custom'\. Got 'svd'"),
        ("alpha_W", -0.1, r"The 'alpha_W' parameter of NMF must be a float in the range \[0.0, inf\)"),
        ("alpha_H", "other", r"The 'alpha_H' parameter of NMF must be a float .* or 'same'\. Got 'other'"),
        ("l1_ratio", 2.0, r"The 'l1_ratio' parameter of NMF must be a float in the range \[0.0, 1.0\]"),
    ],
)
def test_bad_values_name_the_parameter(field, value, message):
    with pytest.raises(ParameterError, match=message):
        SolverOptions(**{field: value})
    with pytest.raises(ParameterError, match=message):
        factorize(random_sparse(), 3, **{field: value})


def test_the_solver_table_covers_the_parameter_vocabulary():
    from topicnmf.nmf import _validation
    from topicnmf.nmf._solvers import SOLVERS

    assert {solver for _, solver in SOLVERS} == set(_validation.SOLVERS)
    assert {loss for loss, _ in SOLVERS} == set(_validation.BETA_LOSSES)


def test_resolve_makes_solver_and_init_concrete():
    assert SolverOptions(solver="mu").resolve(default_init="nndsvd").init == "nndsvda"
    assert SolverOptions(beta_loss="kullback-leibler").resolve(default_init="nndsvd") == \
        SolverOptions(solver="mu", beta_loss="kullback-leibler", init="nndsvda")
    plain = SolverOptions().resolve(default_init="nndsvd")
    assert (plain.solver, plain.init) == ("cd", "nndsvd")
    assert SolverOptions().resolve().init == "nndsvda"
    assert SolverOptions(solver="mu", init="random").resolve().init == "random"  # kept as given
    assert SolverOptions(solver="als").resolve(default_init="random").init == "random"


def test_penalty_resolves_alpha_H_same_and_scales_like_scikit_learn():
    same = SolverOptions(alpha_W=0.1, l1_ratio=0.25).penalty((30, 20))
    assert same.l1_W == pytest.approx(0.1 * 0.25 * 20) and same.l2_W == pytest.approx(0.1 * 0.75 * 20)
    assert same.l1_H == pytest.approx(0.1 * 0.25 * 30) and same.l2_H == pytest.approx(0.1 * 0.75 * 30)
    own = SolverOptions(alpha_W=0.1, alpha_H=0.0, l1_ratio=0.25).penalty((30, 20))
    assert own.l1_H == 0 and own.l2_H == 0 and own.l1_W == same.l1_W


def test_options_are_frozen_and_round_trip_through_to_dict():
    options = SolverOptions(solver="als", tol=1e-4, alpha_H=0.2)
    as_dict = options.to_dict()
    assert list(as_dict) == [f.name for f in dataclasses.fields(SolverOptions)]
    assert SolverOptions(**as_dict) == options
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.tol = 0.0


def test_factorize_settings_override_options_and_unknown_keywords_are_type_errors():
    X = random_sparse()
    base = SolverOptions(solver="mu", max_iter=7)
    r = factorize(X, 3, options=base, max_iter=4, random_state=0)
    assert r.n_iter <= 4
    same = factorize(X, 3, solver="mu", max_iter=4, random_state=0)
    np.testing.assert_array_equal(r.W, same.W)
    with pytest.raises(TypeError, match=r"factorize\(\) got an unexpected keyword argument 'tolerance'"):
        factorize(X, 3, tolerance=0.1)
    with pytest.raises(TypeError, match="SolverOptions"):
        factorize(X, 3, options={"solver": "mu"})


def test_estimator_defaults_come_from_solver_options():
    parameters = inspect.signature(NMF).parameters
    for field in dataclasses.fields(SolverOptions):
        assert parameters[field.name].default == field.default, field.name


def test_estimator_validates_at_fit_not_at_construction():
    model = NMF(3, tol=-1)  # scikit-learn convention: __init__ only stores
    with pytest.raises(ParameterError, match="The 'tol' parameter of NMF"):
        model.fit(random_sparse())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_fits_kullback_leibler_without_naming_the_solver():
    X = random_sparse()
    model = NMF(4, beta_loss="kullback-leibler", random_state=0, max_iter=30)
    assert model.solver is None
    W = model.fit_transform(X)
    expected = factorize(X, 4, beta_loss="kullback-leibler", solver="mu", init="nndsvda",
                         random_state=0, max_iter=30)
    np.testing.assert_array_equal(model.components_, expected.H)
    assert np.abs(model.transform(X) - W).max() < 0.05  # multiplicative updates: slow to agree


def test_refine_W_takes_options_and_updates_W_in_place():
    X = random_sparse()
    fit = factorize(X, 4, random_state=0, max_iter=30)
    options = SolverOptions(tol=0, max_iter=10)
    W = fit.W.copy()
    refined = refine_W(X, W, fit.H, options)
    np.testing.assert_array_equal(refined.W, W)
    assert refined.loss_history[-1] <= refined.loss_history[0]
    assert refined.n_iter == 10
