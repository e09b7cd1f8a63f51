"""Where the default fit ends: never at a worse error than scikit-learn's 'cd' from the same
start, and a float32 fit stops as a float64 one does.

The matrices are TF-IDF of real text: the bundled corpus always, the shared corpora when
they are present beside the repository (skipped otherwise).
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from topicnmf import factorize
from topicnmf.nmf._engine import ENGINES

from conftest import BUNDLED, read_jsonl, shared_corpus


def tfidf_of(texts, min_df):
    vectorizer = TfidfVectorizer(min_df=min_df, max_df=0.5, stop_words="english", sublinear_tf=True)
    return vectorizer.fit_transform(texts).tocsr()


@pytest.fixture(scope="module")
def bundled_tfidf():
    return tfidf_of([p.read_text(encoding="utf-8") for p in sorted(BUNDLED.rglob("*.txt"))], 2)


def shared_tfidf(name):
    return tfidf_of([row["text"] for row in read_jsonl(shared_corpus(name))], 5)


def sotu_paragraphs():
    """State of the Union addresses cut into passages of five sentences (the file has no
    paragraph breaks)."""
    passages = []
    for row in read_jsonl(shared_corpus("state-of-the-union.jsonl.gz")):
        sentences = re.split(r"(?<=[.!?])\s+", row["text"])
        passages += [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
    return tfidf_of([p for p in passages if len(p.split()) >= 10], 5)


def relative_errors(X, k, start):
    """(topicnmf default, scikit-learn cd default) relative errors from the same start."""
    if start == "nndsvda":
        W0, H0 = _initialize_nmf(X, k, init="nndsvda", random_state=0)
    else:
        W0, H0 = _initialize_nmf(X, k, init="random", random_state=start)
    norm = np.sqrt(X.multiply(X).sum())
    ours = factorize(X, k, init="custom", W=W0.copy(), H=H0.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkNMF(k, init="custom", solver="cd").fit(X, W=W0.copy(), H=H0.copy())
    return ours.reconstruction_err / norm, theirs.reconstruction_err_ / norm


@pytest.mark.parametrize("k", [5, 10, 20])
@pytest.mark.parametrize("start", ["nndsvda", 1])
def test_bundled_corpus_ends_no_worse_than_scikit_learn_cd(bundled_tfidf, k, start):
    ours, theirs = relative_errors(bundled_tfidf, k, start)
    assert ours <= theirs * (1 + 1e-6)


@pytest.mark.parametrize("name, k", [
    ("lee-background.jsonl.gz", 20),  # extrapolating from iteration 10 ended at 0.860940 vs 0.860211
    ("lee-background.jsonl.gz", 50),
    ("bbc-news.jsonl.gz", 10),
])
def test_shared_corpora_end_no_worse_than_scikit_learn_cd(name, k):
    ours, theirs = relative_errors(shared_tfidf(name), k, "nndsvda")
    assert ours <= theirs * (1 + 1e-6)


def test_state_of_the_union_passages_end_no_worse_than_scikit_learn_cd():
    ours, theirs = relative_errors(sotu_paragraphs(), 20, "nndsvda")
    assert ours <= theirs * (1 + 1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", ["wide", "tall"])
def test_nndsvda_start_is_scikit_learns_for_the_same_seed(bundled_tfidf, dtype, shape):
    # The randomized SVD draws scikit-learn's sketch for an int seed (of X^T when X is
    # wider than tall, as scikit-learn does): before, another sketch gave another start,
    # and from it other local minima, some worse than scikit-learn's own defaults reach.
    from topicnmf.nmf._init import initialize

    X = (bundled_tfidf if shape == "wide" else bundled_tfidf.T.tocsr()).astype(dtype)
    W0, H0 = _initialize_nmf(X, 10, init="nndsvda", random_state=3)
    W, H = initialize(X, 10, "nndsvda", None, sketch=np.random.RandomState(3))
    tol = 1e-4 if dtype == np.float32 else 1e-8
    assert np.abs(W - W0).max() <= tol * np.abs(W0).max()
    assert np.abs(H - H0).max() <= tol * np.abs(H0).max()


@pytest.mark.parametrize("shape", ["wide", "tall"])
def test_the_householder_fallback_gives_the_same_start(bundled_tfidf, shape, monkeypatch):
    # Cholesky QR's products are made without the tall basis (fused); where a Gram matrix
    # is too ill-conditioned for it, the explicit Householder path takes over: the same
    # start, so nothing a user sees depends on which ran.
    from topicnmf.nmf import _init

    X = bundled_tfidf if shape == "wide" else bundled_tfidf.T.tocsr()
    W, H = _init.initialize(X, 10, "nndsvda", None, sketch=np.random.RandomState(3))

    def ill_conditioned(*args, **kwargs):
        raise _init._IllConditioned

    monkeypatch.setattr(_init, "_r_inverse", ill_conditioned)
    W2, H2 = _init.initialize(X, 10, "nndsvda", None, sketch=np.random.RandomState(3))
    assert np.abs(W - W2).max() <= 1e-8 * np.abs(W).max()
    assert np.abs(H - H2).max() <= 1e-8 * np.abs(H).max()


def test_a_rank_deficient_matrix_still_gets_a_finite_start():
    # Fewer distinct rows than the sketch's width: Y = X Omega is singular and its Cholesky
    # QR fails, so the start comes from the Householder path.
    rows = np.abs(np.random.default_rng(0).standard_normal((3, 40)))
    X = np.vstack([rows] * 20)
    W = factorize(X, 5, init="nndsvd", max_iter=1).W
    assert np.isfinite(W).all() and (W >= 0).all()


@pytest.mark.parametrize("k", [5, 10, 20])
def test_own_defaults_end_no_worse_than_scikit_learn_cd_defaults(bundled_tfidf, k):
    norm = np.sqrt(bundled_tfidf.multiply(bundled_tfidf).sum())
    ours = factorize(bundled_tfidf, k, random_state=0).reconstruction_err / norm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkNMF(k, solver="cd", random_state=0).fit(bundled_tfidf).reconstruction_err_ / norm
    assert ours <= theirs * (1 + 1e-6)


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("k", [5, 10, 20])
def test_float32_fit_stops_before_max_iter_where_float64_does(bundled_tfidf, k, engine):
    # Before: once converged every extrapolated step was undone (float32 rounding made it
    # look uphill) and the stopping rule ran after taken steps only, so every float32 fit
    # ran all max_iter iterations.
    r64 = factorize(bundled_tfidf, k, random_state=0, engine=engine)
    r32 = factorize(bundled_tfidf.astype(np.float32), k, random_state=0, engine=engine)
    assert r64.converged and r32.converged
    assert r32.n_iter < 2 * r64.n_iter
    assert r32.reconstruction_err == pytest.approx(r64.reconstruction_err, rel=1e-5)


@pytest.mark.parametrize("k", [5, 10, 20])
def test_an_extrapolated_fit_ends_where_plain_hals_has_nothing_left(bundled_tfidf, k):
    # The fit stops once the projected gradient is 3e-4 of the first iteration's (or the
    # objective stalls, then plain iterations finish it): 200 plain HALS iterations more
    # lower its objective by less than 1e-6 (measured: 4e-10 to 1.2e-7). (Before the
    # gradient rule a plain fit from its end stopped within 3 iterations; it now runs
    # 1-16, each lowering the objective by under 1e-8.)
    r = factorize(bundled_tfidf, k, random_state=0)
    more = factorize(bundled_tfidf, k, init="custom", W=r.W, H=r.H, extrapolate=False, tol=0,
                     max_iter=200)
    assert more.n_iter == 200
    assert r.loss_history[-1] * (1 - 1e-6) <= more.loss_history[-1] <= r.loss_history[-1]


def test_float32_objective_is_accumulated_in_float64(bundled_tfidf):
    # The loss recorded for a float32 fit equals the float64 loss of its float32 factors.
    X32 = bundled_tfidf.astype(np.float32)
    r = factorize(X32, 10, random_state=0, max_iter=20)
    W, H = r.W.astype(np.float64), r.H.astype(np.float64)
    exact = 0.5 * float(((bundled_tfidf.toarray() - W @ H) ** 2).sum())
    assert r.loss_history[-1] == pytest.approx(exact, rel=1e-6)


@pytest.mark.parametrize("k", [5, 20])
def test_plain_hals_stops_where_scikit_learn_cd_stops_at_the_same_tolerance(bundled_tfidf, k):
    # The gradient rule is scikit-learn's: its violation (the sum of |projected gradient|
    # over the coordinate updates) at most 3e-4 of the first iteration's. Plain HALS makes
    # scikit-learn's iterates, so it stops at the same iteration as scikit-learn's cd with
    # tol=3e-4, at the same error.
    from topicnmf.nmf._common import GRADIENT_TOL

    W0, H0 = _initialize_nmf(bundled_tfidf, k, init="nndsvda", random_state=0)
    ours = factorize(bundled_tfidf, k, init="custom", W=W0.copy(), H=H0.copy(), extrapolate=False)
    theirs = SkNMF(k, init="custom", solver="cd", tol=GRADIENT_TOL, max_iter=200).fit(
        bundled_tfidf, W=W0.copy(), H=H0.copy())
    assert ours.converged and theirs.n_iter_ < 200
    assert ours.n_iter == theirs.n_iter_
    assert ours.reconstruction_err == pytest.approx(theirs.reconstruction_err_, rel=1e-9)


def test_the_gradient_rule_stops_sooner_at_the_same_error(bundled_tfidf, monkeypatch):
    # Before it, the objective rule alone (decrease <= tol=1e-9 averaged over 3 iterations,
    # then plain iterations) ran these fits 71 and 140 iterations; 61 and 129 now, each
    # ending within 1e-6 of the error it reached then.
    from topicnmf.nmf import _common

    for k in (20, 50):
        W0, H0 = _initialize_nmf(bundled_tfidf, k, init="nndsvda", random_state=0)
        now = factorize(bundled_tfidf, k, init="custom", W=W0.copy(), H=H0.copy())
        with monkeypatch.context() as m:
            m.setattr(_common, "GRADIENT_TOL", 0.0)
            before = factorize(bundled_tfidf, k, init="custom", W=W0.copy(), H=H0.copy())
        assert now.converged and now.n_iter < before.n_iter
        assert now.reconstruction_err <= before.reconstruction_err * (1 + 1e-6)
