"""Each metric against values computed by hand on tiny inputs; matching; sweep."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

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


def test_pairwise_agreement_of_runs():
    a = np.array([[0, 1], [2, 3]])
    b = a[::-1]                      # the same topics in another order
    c = np.array([[0, 4], [2, 3]])   # topic 1 keeps its first term only
    A = evaluate.pairwise_agreement([a, b, c])
    assert A[0, 1] == pytest.approx(1.0)
    # a vs c: topic (2, 3) agrees fully; (0, 1) vs (0, 4): depth 1 -> 1, depth 2 -> 1/3
    assert A[0, 2] == pytest.approx((1 + (1 + 1 / 3) / 2) / 2)
    assert A[2, 0] == A[0, 2] and (np.diag(A) == 1).all()


def test_label_agreement():
    perfect = evaluate.label_agreement([1, 1, 2, 2, None], ["a", "a", "b", "b", "c"])
    assert perfect.nmi == pytest.approx(1) and perfect.ami == pytest.approx(1)
    assert perfect.n_documents == 4
    assert evaluate.label_agreement([1], ["a"]) is None
    # a document without a dominant topic is <NA> in doc_topics' nullable column
    missing = pd.Series([1, 1, None, 2, 2], dtype="Int64").tolist()
    assert evaluate.label_agreement(missing, ["a", "a", "b", "b", "b"]).n_documents == 4


def test_matched_agreement_is_average_jaccard_of_every_pair():
    rng = np.random.default_rng(0)
    a, b = (np.array([rng.choice(40, 10, replace=False) for _ in range(12)]) for _ in range(2))
    each = np.array([[evaluate.average_jaccard(list(x), list(y)) for y in b] for x in a])
    matching = evaluate.match_topics(a, b)
    assert np.array_equal(matching.agreement, each[np.arange(12), matching.order])
    rows, cols = linear_sum_assignment(each, maximize=True)  # the best one-to-one matching
    assert matching.agreement.sum() == pytest.approx(each[rows, cols].sum())


def test_quality_flags():
    W = np.array([[5.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.5, 0.0], [0.0, 0.0, 1.0]])
    top = [[0, 1], [2, 0]]
    q = evaluate.topic_quality(X, W, H, top, ["a", "b", "c"])
    assert "few_documents" in q[0].flags and "few_documents" not in q[1].flags
    assert "low_coherence" in q[1].flags  # c and a never share a document
    assert q[0].flags == ("few_documents",)  # a and b are in 3 and 2 of 4 documents, as common as c
    # common words: a and b in 8 and 7 of 10 documents, where the top terms' median is in 4.5
    Xc = sp.csr_matrix(np.array([[1, 1, 0, 0]] * 7 + [[1, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float))
    Wc, Hc = np.ones((10, 2)), np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    qc = evaluate.topic_quality(Xc, Wc, Hc, [[0, 1], [2, 3]], ["a", "b", "c", "d"])
    assert qc[0].suggested_stop_words == ("a", "b") and "common_words" in qc[0].flags
    assert "common_words" not in qc[1].flags


def test_stability_is_high_for_real_structure_and_low_for_noise():
    from topicnmf import factorize

    rng = np.random.default_rng(0)
    k, terms_per_topic = 4, 15
    H = np.zeros((k, k * terms_per_topic))
    for t in range(k):  # four topics over disjoint vocabularies
        H[t, t * terms_per_topic:(t + 1) * terms_per_topic] = rng.random(terms_per_topic) + 0.5
    W = rng.random((200, k)) * (rng.random((200, k)) < 0.4) + np.eye(k)[rng.integers(0, k, 200)]
    planted = sp.csr_matrix(W @ H)
    noise = sp.random(200, k * terms_per_topic, density=0.3, random_state=1, format="csr")
    scores = {}
    for name, M in (("planted", planted), ("noise", noise)):
        fit = factorize(M, k, random_state=0).H
        per_topic, scores[name] = evaluate.stability(M, fit, n_runs=3)
        assert per_topic.shape == (k,)
    assert scores["planted"] > 0.9 and scores["noise"] < 0.6, scores


def test_sweep_writes_its_table_and_explains_its_choice(tmp_path, capsys):
    import json

    out = tmp_path / "sweep"
    assert main(["sweep", str(BUNDLED), "--topics", "3:9", "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == {"sweep.csv", "sweep.json", "sweep.html", "manifest.json"}
    data = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert [row["k"] for row in data["scores"]] == list(range(3, 10))
    k = data["recommended"]
    assert k == 6 and "recommended: k=6: the most stable count" in printed
    assert "Caution" not in printed
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert "<svg" in html and f"Recommended: {k}" in html


def test_run_with_topics_auto(tmp_path):
    import json

    out = tmp_path / "auto"
    assert main(["run", str(BUNDLED), "--topics", "auto", "--out", str(out), "-q"]) == 0
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert data["parameters"]["n_topics"] == sweep["recommended"]
    assert len(data["topics"]) == sweep["recommended"]
    assert data["evaluation"]["npmi_mean"] > 0 and 0 < data["evaluation"]["diversity"] <= 1


def test_consensus_of_restarts(tmp_path):
    import json

    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["run", str(BUNDLED), "-k", "6", "--init", "random", "--restarts", "4",
                     "--out", str(out), "-q", "--formats", "json"]) == 0
        runs.append(json.loads((out / "topics.json").read_text(encoding="utf-8")))
    consensus = runs[0]["evaluation"]["consensus"]
    assert consensus["runs"] == 4 and 0 <= consensus["chosen_seed"] <= 3
    assert consensus["agreement"] >= consensus["mean_agreement"]
    assert runs[0]["topics"] == runs[1]["topics"]  # the same corpus gives the same topics


def test_recommendation_rule_and_its_caution():
    import pandas as pd

    from topicnmf.sweep import recommend

    scores = pd.DataFrame({"k": [3, 4, 5, 6], "stability": [0.80, 0.92, 0.90, 0.60],
                           "npmi": [0.30, 0.36, 0.34, 0.40]})
    k, reason = recommend(scores)
    # the most stable count; 5 is within 0.02 of it and named
    assert k == 4 and "close behind: 5 (0.90)" in reason and "Caution" not in reason
    k, reason = recommend(scores.assign(stability=scores.stability - 0.4))
    assert k == 4 and "Caution: no k is stable (best 0.52" in reason
    k, _ = recommend(scores.assign(stability=[0.8, 0.92, 0.92, 0.6]))
    assert k == 5  # a tie goes to the larger count


def test_coherence_against_a_reference_corpus(tmp_path, capsys):
    import json

    same, baking = tmp_path / "same", tmp_path / "baking"
    args = ["run", str(BUNDLED), "--topics", "6", "-q", "--out"]
    assert main([*args, str(same), "--coherence-reference", str(BUNDLED)]) == 0
    data = json.loads((same / "topics.json").read_text(encoding="utf-8"))
    # the corpus as its own reference: the same document co-occurrences, the same NPMI
    for t in data["topics"]:
        assert t["quality"]["npmi_reference"] == pytest.approx(t["quality"]["npmi"], abs=1e-6)
    assert data["evaluation"]["reference"]["n_documents"] == 126
    assert "NPMI against the reference" in (same / "report.md").read_text(encoding="utf-8")

    assert main([*args, str(baking), "--coherence-reference", str(BUNDLED / "baking")]) == 0
    topics = json.loads((baking / "topics.json").read_text(encoding="utf-8"))["topics"]
    ref = {t["label"]: t["quality"]["npmi_reference"] for t in topics}
    bread = next(v for label, v in ref.items() if "dough" in label or "flour" in label or "butter" in label)
    # in baking articles only the baking topic's terms ever meet: the others score about -1
    assert bread > -0.1 and sorted(ref.values())[-2] < -0.9

    assert main([*args, str(tmp_path / "x"), "--coherence-reference", str(tmp_path / "absent")]) == 1
    assert "absent" in capsys.readouterr().err


def test_regularizing_one_factor_only_is_warned(caplog):
    from topicnmf import pipeline
    from topicnmf.corpus import read_corpus
    from topicnmf.nmf import SolverOptions

    corpus = read_corpus(BUNDLED)
    with caplog.at_level("WARNING", logger="topicnmf"):
        pipeline.fit(corpus, n_topics=6, nmf=SolverOptions(alpha_W=0.0, alpha_H=1e-5, l1_ratio=1.0))
    assert "only H is regularized" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="topicnmf"):
        pipeline.fit(corpus, n_topics=6, nmf=SolverOptions(alpha_W=1e-6))
    assert "regularized" not in caplog.text


@pytest.mark.parametrize("text, escaped", [
    ("01-finding-saturn.txt", "01-finding-saturn.txt"),  # nothing to escape mid-line
    ("# not a heading", "\\# not a heading"),
    ("- not a list", "\\- not a list"),
    ("1. not a list", "1\\. not a list"),
    ("[click](http://evil.example)", "\\[click\\](http\\://evil.example)"),
    ("www.evil.example mail me@evil.example", "www\\.evil.example mail me\\@evil.example"),
    ("*bold* _it_ `code` a|b ~~s~~", "\\*bold\\* \\_it\\_ \\`code\\` a\\|b \\~\\~s\\~\\~"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("two\nlines", "two lines"),
])
def test_markdown_escapes_only_what_is_markup_where_it_stands(text, escaped):
    from topicnmf.report import md_escape

    assert md_escape(text) == escaped
