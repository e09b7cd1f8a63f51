"""Each metric against values computed by hand on tiny inputs; matching; sweep."""

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import evaluate
from topicnmf.cli import main

from conftest import BUNDLED

# 4 documents x 3 terms (a, b, c): a b | a b | a | c
X = sp.csr_matrix(np.array([[1, 2, 0], [1, 1, 0], [3, 0, 0], [0, 0, 1]], dtype=float))


def test_npmi_by_hand():
    # P(a) = 3/4, P(b) = 2/4, P(a, b) = 2/4: NPMI = log(0.5 / (0.75 * 0.5)) / -log(0.5)
    ab = np.log(0.5 / 0.375) / -np.log(0.5)
    assert evaluate.npmi(X, [[0, 1]])[0] == pytest.approx(ab)
    # pairs with c never co-occur and score -1
    assert evaluate.npmi(X, [[0, 1, 2]])[0] == pytest.approx((ab - 1 - 1) / 3)


def test_umass_by_hand():
    assert evaluate.umass(X, [[0, 1]])[0] == pytest.approx(np.log(3 / 3))  # (D(a,b) + 1) / D(a)
    assert evaluate.umass(X, [[1, 0]])[0] == pytest.approx(np.log(3 / 2))  # (D(a,b) + 1) / D(b)


def test_diversity_and_overlap_by_hand():
    assert evaluate.diversity([[0, 1], [1, 2]]) == pytest.approx(0.75)
    J = evaluate.overlap([[0, 1], [1, 2], [3, 4]])
    assert J[0, 1] == pytest.approx(1 / 3) and J[0, 2] == 0 and J[1, 1] == 1


def test_average_jaccard_by_hand():
    assert evaluate.average_jaccard([0, 1, 2], [0, 2, 1]) == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert evaluate.average_jaccard([0, 1], [2, 3]) == 0


def test_a_permuted_model_matches_itself_with_agreement_one():
    rng = np.random.default_rng(0)
    H = rng.random((6, 40))
    perm = rng.permutation(6)
    top = evaluate.top_term_indices(H, 10)
    m = evaluate.match_topics(top, top[perm])
    assert m.mean == pytest.approx(1.0)
    assert (perm[m.order] == np.arange(6)).all()


def test_label_agreement():
    perfect = evaluate.label_agreement([1, 1, 2, 2, None], ["a", "a", "b", "b", "c"])
    assert perfect["nmi"] == pytest.approx(1) and perfect["ami"] == pytest.approx(1)
    assert perfect["n_documents"] == 4
    assert evaluate.label_agreement([1], ["a"]) is None


def test_quality_flags():
    W = np.array([[5.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.5, 0.0], [0.0, 0.0, 1.0]])
    top = [[0, 1], [2, 0]]
    q = evaluate.topic_quality(X, W, H, top, ["a", "b", "c"])
    assert "few_documents" in q[0]["flags"] and "few_documents" not in q[1]["flags"]
    assert "low_coherence" in q[1]["flags"]  # c and a never share a document
    assert q[0]["suggested_stop_words"] == ["a", "b"] and "common_words" in q[0]["flags"]


def test_stability_of_the_bundled_corpus_topics():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from topicnmf import factorize

    texts = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED.rglob("*.txt"))]
    Xb = TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True).fit_transform(texts)
    H = factorize(Xb, 6, init="nndsvd", random_state=0).H
    per_topic, mean = evaluate.stability(Xb, H, n_runs=3, init="nndsvd")
    assert per_topic.shape == (6,) and mean > 0.7


def test_sweep_recovers_the_number_of_subjects(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", str(BUNDLED), "--topics", "3:9", "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "recommended: k=6" in printed
    assert {p.name for p in out.iterdir()} == {"sweep.csv", "sweep.json", "sweep.html"}
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Recommended: 6" in html


def test_run_with_topics_auto(tmp_path):
    out = tmp_path / "auto"
    assert main(["run", str(BUNDLED), "--topics", "auto", "--out", str(out), "-q"]) == 0
    import json

    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert data["parameters"]["n_topics"] == 6
    assert (out / "sweep.html").exists()
    assert data["evaluation"]["npmi_mean"] > 0 and 0 < data["evaluation"]["diversity"] <= 1
