"""report.html and sweep.html without a browser: the policy, the inert data, the numbers
for people, and the math behind the map and the relevance slider."""

import base64
import hashlib
import json
import re

import numpy as np
import pytest

from topicnmf import pipeline
from topicnmf.report import html_report
from topicnmf.report import visuals
from topicnmf.report.charts import nice_ticks, tick_label
from topicnmf.report.formatting import inert_json, parameter_rows, pct, weight
from topicnmf.report.sweep_report import sweep_html

from conftest import BUNDLED


@pytest.fixture(scope="module")
def result():
    return pipeline.run(BUNDLED, n_topics=6).result


@pytest.fixture(scope="module")
def page(result):
    return html_report(result)


def test_the_policy_allows_exactly_the_inline_script(page):
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy and "http" not in policy
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_the_page_loads_nothing_from_outside(page):
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_page_data_cannot_close_its_element():
    text = inert_json({"t": "</script><!-- & \u2028\u2029 >"})
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"t": "</script><!-- & \u2028\u2029 >"}


def test_numbers_for_people(page):
    assert pct(0.025318673026652652, 2) == "2.53%" and pct(0.176) == "17.6%"
    assert weight(0.19) == "0.190" and weight(0.335) == "0.335"
    assert "0.025318673026652652" not in page and "legacy_decoded" not in page
    assert "{'" not in page and "Matrix density" in page
    sections = dict(parameter_rows({"n_topics": 6, "vectorize": {"max_df": 0.95, "min_df": 2}}))
    assert ("Terms must occur in at most", "--max-df", "95% of documents") in sections["TF-IDF"]


def test_relevance_candidates_rank_exactly_at_every_slider_step():
    rng = np.random.default_rng(0)
    H = rng.gamma(0.3, size=(4, 200))
    p_wt = visuals.topic_term_distributions(H)
    p_w = rng.dirichlet(np.ones(200))
    for t, ids in enumerate(visuals.relevance_candidates(p_wt, p_w, 10)):
        assert list(ids) == sorted(ids, key=lambda j: -p_wt[t, j])  # listed by weight
        for lam in visuals.LAMBDAS:
            full = np.argsort(-visuals.relevance(p_wt[t], p_w, lam), kind="stable")[:10]
            assert set(full) <= set(ids)


def test_principal_coordinates_recover_planar_distances():
    points = np.array([[0, 0], [3, 0], [0, 4], [3, 4], [1, 2.0]])
    D = np.linalg.norm(points[:, None] - points[None], axis=2)
    coords = visuals.principal_coordinates(D)
    assert np.allclose(np.linalg.norm(coords[:, None] - coords[None], axis=2), D)


@pytest.mark.parametrize("k", [3, 12, 50])
def test_map_never_hides_a_topic_inside_another_circle(k):
    # topics far apart in directions the two axes do not show land on one spot (a stranger's
    # crawl: sport, film and business stacked); their circles are moved apart, in the box
    rng = np.random.default_rng(k)
    coords = rng.random((k, 2))
    coords[k // 2:] = coords[0]  # half of them on one point
    size, radius = 360, min(36, 0.28 * 360 / np.sqrt(k))
    circles, _ = visuals.layout_map(coords, rng.random(k), size=size, max_radius=radius)
    xy = np.array([[c["x"], c["y"]] for c in circles])
    r = np.array([c["r"] for c in circles])
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    assert all(d[a, b] >= max(r[a], r[b]) - 0.2 for a in range(k) for b in range(a + 1, k))
    assert ((xy - r[:, None] >= -0.1) & (xy + r[:, None] <= size + 0.1)).all()


def test_map_says_how_much_of_the_distances_it_shows():
    planar = np.array([[0, 0], [3, 0], [0, 4], [3, 4], [1, 2.0]])
    assert np.isclose(visuals.shown_share(np.linalg.norm(planar[:, None] - planar[None], axis=2)), 1.0)
    simplex = 1.0 - np.eye(6)  # six equidistant topics: two axes show 2 of 5 dimensions
    assert np.isclose(visuals.shown_share(simplex), 0.4)


def test_map_distances_are_jensen_shannon(result):
    p_wt = visuals.topic_term_distributions(result.topics.H)
    _, D = visuals.intertopic_map(p_wt)
    assert np.allclose(D, D.T) and np.allclose(np.diag(D), 0) and (D <= 1).all()
    m = 0.5 * (p_wt[0] + p_wt[1])
    kl = lambda p, q: np.sum(p[p > 0] * np.log2(p[p > 0] / q[p > 0]))  # noqa: E731
    assert np.isclose(D[0, 1], np.sqrt(0.5 * kl(p_wt[0], m) + 0.5 * kl(p_wt[1], m)))


def test_label_table_counts_documents_per_label_and_topic():
    table = visuals.label_table([1, 1, 2, None, 2], ["a", "a", "a", "b", None], 3)
    assert table.loc["a"].tolist() == [2, 1, 0] and "b" not in table.index


def test_listed_documents_cover_every_topic_within_the_limit():
    from topicnmf.topics import listed_documents
    W = np.zeros((10, 2))
    W[:8, 0] = np.linspace(1, 2, 8)
    W[8:, 1] = [0.1, 0.2]
    rows = listed_documents(W, limit=4)
    assert len(rows) == 4 and {8, 9} <= set(rows.tolist())


def test_ticks_are_round():
    assert nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1.0]
    assert [tick_label(t, 0.25) for t in (0, 0.5)] == ["0.00", "0.50"]


def test_sweep_page_compares_scores_on_one_zero_to_one_axis():
    import pandas as pd
    from topicnmf.sweep import SweepResult
    scores = pd.DataFrame({"k": [3, 4], "stability": [0.8, 0.9], "npmi": [0.2, 0.3],
                           "umass": [-1.0, -0.9], "diversity": [0.96, 0.98],
                           "relative_error": [0.9, 0.8], "recommended": [False, True]})
    page = sweep_html(SweepResult(scores, 4, "k=4 <b>", {}))
    assert "k=4 &lt;b&gt;" in page and "<script" not in page
    assert ">0.00</text>" in page and ">1.00</text>" in page and "number of topics k" in page
