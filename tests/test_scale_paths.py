"""The fast paths around the fit at scale give exactly what the plain code gave.

Each speedup of issue 10's "everything but the fit" (reading, topics, reports) is pinned
here against the straightforward computation it replaced, on inputs with the awkward cases
(ties, zeros, NaN, float32, quoting, odd rows).
"""

import numpy as np
import pytest

from topicnmf.corpus import from_texts
from topicnmf.docweights import column_top, top_rows
from topicnmf.errors import CorpusError


def _plain_column_top(W, n):
    return [top_rows(W[:, t], n) for t in range(W.shape[1])]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_top_equals_a_stable_sort_per_column(dtype):
    rng = np.random.default_rng(0)
    for trial in range(200):
        rows, k = int(rng.integers(2, 80)), int(rng.integers(1, 7))
        W = (rng.random((rows, k)) if trial % 2 else rng.integers(0, 4, size=(rows, k))).astype(dtype)
        if trial % 5 == 0:
            W[:, 0] = 0  # a topic with no weight: every row ties at the threshold
        n = int(rng.integers(1, rows + 3))
        for got, column in zip(column_top(W, n), W.T):
            np.testing.assert_array_equal(got, np.argsort(-column, kind="stable")[:n])
            assert got.dtype == np.int64


def test_column_top_with_nan_falls_back_to_each_column():
    W = np.random.default_rng(1).random((300, 4))
    W[17, 2] = np.nan
    for got, want in zip(column_top(W, 10), _plain_column_top(W, 10)):
        np.testing.assert_array_equal(got, want)


def test_column_top_of_a_strided_view_and_few_rows():
    W = np.random.default_rng(2).random((50, 8))[:, ::2]  # not contiguous
    for n in (1, 3, 49, 50, 60):
        for got, want in zip(column_top(W, n), _plain_column_top(W, n)):
            np.testing.assert_array_equal(got, want)


def test_texts_of_fetches_by_id_in_the_order_asked():
    corpus = from_texts(["alpha text", "beta text", "gamma text"], ids=["a", "b", "c"])
    assert corpus.texts_of(["c", "a", "c"]) == ["gamma text", "alpha text", "gamma text"]
    with pytest.raises(CorpusError, match="no document with id 'zz'"):
        corpus.texts_of(["a", "zz"])
