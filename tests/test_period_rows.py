"""period_rows: each period's rows of X and W, sliced in memory or gathered from blocks on
disk a group of periods per pass, are the same arrays."""

import numpy as np
import scipy.sparse as sp

from topicnmf import period_rows as module
from topicnmf.docweights import DocWeights
from topicnmf.partitions import to_disk


def _data(rng, n=300, m=40, k=3, n_periods=7):
    X = sp.random(n, m, density=0.1, format="csr", random_state=1, dtype=np.float32)
    W = rng.random((n, k))
    index = rng.integers(-1, n_periods, n)
    index[index == 3] = 4  # a period without documents
    return X, W, index, n_periods


def test_blocks_on_disk_give_the_rows_sliced_in_memory(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    X, W, index, n_periods = _data(rng)
    edges = [0, 70, 71, 200, 300]
    parts = to_disk([X[a:b] for a, b in zip(edges, edges[1:])], tmp_path / "X")
    weights = DocWeights(W[a:b] for a, b in zip(edges, edges[1:]))
    passes = []
    gathered = module._gathered
    monkeypatch.setattr(module, "_gathered", lambda *a: passes.append(a[3]) or gathered(*a))
    memory = list(module.period_rows(X, W, index, n_periods))
    disk = list(module.period_rows(parts, weights, index, n_periods, budget=2000))
    assert [p for p, _, _ in memory] == [0, 1, 2, 4, 5, 6]  # period 3 has no documents
    assert len(passes) > 2 and sum(passes, []) == [0, 1, 2, 4, 5, 6]
    for (p, Xm, Wm), (q, Xd, Wd) in zip(memory, disk, strict=True):
        assert p == q and Xd.dtype == np.float32
        assert (Xd != Xm).nnz == 0 and Xd.shape == Xm.shape
        np.testing.assert_array_equal(Wd, Wm)
    before = len(passes)
    assert len(list(module.period_rows(parts, None, index, n_periods))) == 6
    assert len(passes) == before + 1  # no budget: every period in one pass
