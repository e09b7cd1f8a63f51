"""How a topic's vocabulary drifts: its terms re-estimated period by period with W fixed.

For the documents of one period (rows ``X_p`` of X, their topic weights ``W_p``), the
period's topic terms are the nonnegative least-squares fit

    H_p = argmin_{H >= 0} ||X_p - W_p H||_F^2

solved by the NMF solver itself with one factor fixed (``refine_W`` on the transposed
problem X_p^T ~ H^T W_p^T), warm-started from the whole corpus's H. Only the terms that occur
in the period are solved for: a term absent from X_p has its optimum at 0 (the gradient
W_p^T (W_p H - X_p) is nonnegative there), so a period costs in proportion to its nonzeros.
A topic with less than ``MIN_SHARE`` of a period's weight has no terms there (too little
of it to re-estimate).
"""

import numpy as np
import pandas as pd

from .nmf import SolverOptions, refine_W
from .period_rows import period_rows

MIN_SHARE = 0.02
DRIFT_SOLVER = SolverOptions(tol=1e-4, max_iter=100)


def period_terms(X, W, H, period_index, labels, display_terms, *, top_terms=10,
                 options=DRIFT_SOLVER, budget=None):
    """period, topic, rank, term, weight: each topic's top terms re-estimated per period.

    Parameters
    ----------
    X : sparse matrix or Partitions (n_documents, n_terms)
    W : ndarray or DocWeights (n_documents, n_topics); H : ndarray (n_topics, n_terms), topics
        in order. Partitions and DocWeights (an out-of-core run) are read a group of periods
        per pass over their blocks, at most ``budget`` bytes of them at a time.
    period_index : ndarray of int (n_documents,)
        Each document's period (an index into ``labels``; -1 for an undated one).
    labels : sequence of str, the periods
    display_terms : sequence of str (n_terms,)

    Weights are those of the period's H rows scaled to unit length, as in topics.csv.
    """
    display = np.asarray(display_terms, dtype=object)
    rows_out = []
    for p, Xp, Wp in period_rows(X, W, period_index, len(labels), budget):
        label = labels[p]
        Wp = np.ascontiguousarray(Wp, dtype=float)
        mass = Wp.sum(axis=0)
        keep = np.flatnonzero(mass > MIN_SHARE * max(mass.sum(), 1e-300))
        columns = np.unique(Xp.indices)
        if not len(keep) or not len(columns):
            continue
        Xt = Xp[:, columns].T.tocsr()  # (terms of the period, documents)
        start = np.ascontiguousarray(H[np.ix_(keep, columns)].T, dtype=float)
        fitted = refine_W(Xt, start, np.ascontiguousarray(Wp[:, keep].T), options).W.T
        for t, row in zip(keep, fitted):
            norm = np.linalg.norm(row)
            if norm <= 0:
                continue
            best = np.argsort(-row, kind="stable")[:top_terms]
            for rank, j in enumerate(best[row[best] > 0], start=1):
                rows_out.append((label, int(t) + 1, rank, display[columns[j]], float(row[j] / norm)))
    return pd.DataFrame(rows_out, columns=["period", "topic", "rank", "term", "weight"])
