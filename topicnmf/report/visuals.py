"""What the HTML report shows beyond the tables, computed from a result as plain data.

- term relevance (Sievert & Shirley 2014, as in pyLDAvis):
  ``r(w, t | lambda) = lambda log p(w|t) + (1 - lambda) log(p(w|t) / p(w))``, with p(w|t) the
  row t of H normalized to sum 1 and p(w) the term's share of the corpus's TF-IDF weight
  (column sums of X, normalized);
- the intertopic map: Jensen-Shannon distances between the topic-term distributions p(.|t),
  placed in two dimensions by classical multidimensional scaling (principal coordinates);
- topic-to-topic similarity: cosine of the rows of H;
- the topic-by-label table: documents per (label, dominant topic);
- the documents a page lists when the corpus is too large to list all.

Shapes: X (n_documents, n_terms), W (n_documents, n_topics), H (n_topics, n_terms).
"""

import numpy as np

from ..topics import top_rows
from .divergence import js_distances
import pandas as pd

LAMBDAS = np.round(np.linspace(0.0, 1.0, 11), 1)  # the slider's steps
MAX_LABELS = 30  # labels listed in the topic-by-label table; the rest are summed in one row


def topic_term_distributions(H):
    """p(w|t): the rows of H scaled to sum 1 (an all-zero row stays zero). (n_topics, n_terms)"""
    H = np.asarray(H, dtype=float)
    totals = H.sum(axis=1, keepdims=True)
    return np.divide(H, totals, out=np.zeros_like(H), where=totals > 0)


def term_marginal(X):
    """p(w): each term's share of the total TF-IDF weight of the corpus (column sums of X)."""
    mass = np.asarray(X.sum(axis=0), dtype=float).ravel()
    total = mass.sum()
    return mass / total if total > 0 else mass


def document_frequency(X):
    """The number of documents each term occurs in. (n_terms,)"""
    return np.diff(X.tocsc().indptr) if hasattr(X, "tocsc") else (np.asarray(X) > 0).sum(axis=0)


def relevance(p_wt, p_w, lam):
    """Relevance of every term for one topic; -inf where p(w|t) is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pwt = np.log(p_wt)
        return lam * log_pwt + (1 - lam) * (log_pwt - np.log(p_w))


def relevance_candidates(p_wt, p_w, n_show, lambdas=LAMBDAS):
    """Per topic the terms the slider can show: the union over ``lambdas`` of the ``n_show``
    most relevant terms (so that at every slider step the page ranks exactly), listed by
    p(w|t), largest first. A list of index arrays, one per topic."""
    out = []
    for row in p_wt:
        positive = np.flatnonzero(row > 0)
        chosen = set()
        for lam in lambdas:
            scores = relevance(row[positive], p_w[positive], lam)
            n = min(n_show, positive.size)
            best = (np.argsort(-scores, kind="stable")[:n] if np.isnan(scores).any()
                    else top_rows(scores, n))  # the same n, without sorting every term
            chosen.update(positive[best].tolist())
        ids = np.array(sorted(chosen), dtype=int)
        out.append(ids[np.argsort(-row[ids], kind="stable")])
    return out


def principal_coordinates(D, n_components=2):
    """Classical MDS of a distance matrix D (k, k): coordinates (k, n_components) whose
    Euclidean distances best match D. Each axis is signed so that its largest coordinate is
    positive (a deterministic orientation)."""
    k = D.shape[0]
    coords = np.zeros((k, n_components))
    if k < 2:
        return coords
    values, vectors = np.linalg.eigh(_double_centred(D))
    top = np.argsort(-values)[:n_components]
    for axis, i in enumerate(top):
        v = vectors[:, i] * np.sqrt(max(values[i], 0.0))
        if v[np.argmax(np.abs(v))] < 0:
            v = -v
        coords[:, axis] = v
    return coords


def _double_centred(D):
    """-1/2 J D^2 J, J the centring matrix: the Gram matrix classical MDS factorizes."""
    k = D.shape[0]
    J = np.eye(k) - np.ones((k, k)) / k
    return -0.5 * J @ (D ** 2) @ J


def intertopic_map(p_wt):
    """(coordinates (k, 2), distances (k, k)): Jensen-Shannon distances (base 2, in [0, 1])
    between topic-term distributions, then principal coordinates."""
    k = p_wt.shape[0]
    if k < 2:
        return np.zeros((k, 2)), np.zeros((k, k))
    safe = p_wt.copy()
    safe[safe.sum(axis=1) == 0] = 1.0 / p_wt.shape[1]  # an empty topic: uniform, far from all
    D = np.nan_to_num(js_distances(safe))
    return principal_coordinates(D), D


def topic_similarity(H):
    """Cosine similarity of the topics' term weights (k, k); 0 for an empty topic."""
    norms = np.linalg.norm(H, axis=1)
    unit = np.divide(H, norms[:, None], out=np.zeros_like(H, dtype=float), where=norms[:, None] > 0)
    return np.clip(unit @ unit.T, 0.0, 1.0)


def label_table(dominant, labels, n_topics, max_labels=MAX_LABELS):
    """Documents per label (rows, most frequent first) and dominant topic (columns 1..k).

    Documents without a label or without a dominant topic are left out; past ``max_labels``
    labels the rest are summed into one row named '(N other labels)'.
    """
    frame = pd.DataFrame({"label": list(labels), "topic": list(dominant)}).dropna()
    if frame.empty:
        return pd.DataFrame(columns=range(1, n_topics + 1))
    frame["label"] = frame["label"].astype(str)
    table = pd.crosstab(frame["label"], frame["topic"].astype(int))
    table = table.reindex(columns=range(1, n_topics + 1), fill_value=0)
    totals = table.sum(axis=1)
    table = table.loc[totals.sort_values(ascending=False, kind="stable").index]
    if len(table) > max_labels:
        rest = table.iloc[max_labels:].sum(axis=0).rename(f"({len(table) - max_labels} other labels)")
        table = pd.concat([table.iloc[:max_labels], rest.to_frame().T])
    return table


def shown_share(D, n_components=2):
    """The share of the distances' variation that the map's ``n_components`` principal
    coordinates show: their eigenvalues over the sum of the positive ones (1.0 when the
    distances fit in that many dimensions)."""
    k = D.shape[0]
    if k < 3:
        return 1.0
    values = np.linalg.eigvalsh(_double_centred(D))
    positive = values[values > 0]
    return float(np.sort(positive)[::-1][:n_components].sum() / positive.sum()) if positive.size else 1.0


def separated(cx, cy, radii, size, rounds=200):
    """Centres moved apart, as little as they need, until none lies inside another circle
    (where its number would be hidden): two topics far apart in the directions the map does
    not show can land on one spot. Each round pushes every such pair apart along the line
    between them, half the shortfall each (centres that coincide: a fixed direction per
    pair), then keeps each circle in the size x size box; centres clear of every other
    circle stay where they are."""
    cx, cy = np.array(cx, dtype=float), np.array(cy, dtype=float)
    radii = np.asarray(radii, dtype=float)
    k = radii.size
    need = np.maximum.outer(radii, radii) + 1.0
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    angle = 2.4 * np.add.outer(np.arange(k), 7 * np.arange(k))
    for _ in range(rounds):
        dx, dy = np.subtract.outer(cx, cx).T, np.subtract.outer(cy, cy).T  # (a, b): b - a
        d = np.hypot(dx, dy)
        close = upper & (d < need)
        if not close.any():
            break
        same = d < 1e-9
        ux = np.where(same, np.cos(angle), dx / np.where(same, 1.0, d))
        uy = np.where(same, np.sin(angle), dy / np.where(same, 1.0, d))
        push = np.where(close, (need - d) / 2, 0.0)
        cx = np.clip(cx + (ux * push).sum(axis=0) - (ux * push).sum(axis=1), radii, size - radii)
        cy = np.clip(cy + (uy * push).sum(axis=0) - (uy * push).sum(axis=1), radii, size - radii)
    return cx, cy


def layout_map(coords, shares, *, size=360, pad=14, max_radius=None):
    """Circles for the map: centres in a size x size box (both axes on one scale, so
    distances read true) and radii with area proportional to prevalence; centres that
    would hide one another's number moved apart (see :func:`separated`)."""
    k = len(shares)
    max_radius = max_radius or max(14.0, min(60.0, size / (1.6 + 0.35 * k)))
    shares = np.asarray(shares, dtype=float)
    top = shares.max() if k and shares.max() > 0 else 1.0
    radii = np.maximum(max_radius * np.sqrt(shares / top), 4.0)
    span = float(np.abs(coords).max()) if coords.size else 0.0
    inner = size / 2 - pad - radii.max() if k else 0
    scale = inner / span if span > 0 else 0.0
    cx, cy = separated(size / 2 + coords[:, 0] * scale, size / 2 - coords[:, 1] * scale, radii, size)
    return [{"topic": t + 1, "x": round(float(cx[t]), 1), "y": round(float(cy[t]), 1),
             "r": round(float(radii[t]), 1)} for t in range(k)], scale
