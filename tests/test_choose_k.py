"""Choosing k: stability at small n (document agreement, more refits, bootstrap intervals),
planted subjects recovered, and a best k at the top of the range extended or named."""

import json

import numpy as np
import pytest

from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.corpus import from_texts, read_corpus
from topicnmf.stability import bootstrap_interval, partition_agreement, refits

from conftest import BUNDLED


@pytest.fixture(scope="module")
def guides():
    corpus = read_corpus(BUNDLED, folder_labels=True)
    return corpus.texts, corpus.metadata()["label"]


def test_bundled_corpus_auto_recommends_its_six_subjects_without_a_caution(tmp_path, capsys):
    out = tmp_path / "auto"
    assert main(["run", str(BUNDLED), "--topics", "auto", "--out", str(out), "-q"]) == 0
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert sweep["recommended"] == 6, sweep["reason"]
    assert "Caution" not in sweep["reason"] and "largest count tried" not in sweep["reason"]
    best = max(sweep["scores"], key=lambda row: row["stability"])
    assert best["k"] == 6 and best["stability"] > 0.9
    assert best["stability_low"] <= best["stability"] <= best["stability_high"]
    assert sweep["parameters"]["refits"] > 3  # a small corpus gets more refits
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert 'class="whisker"' in html and "bootstrap interval" in html


@pytest.mark.parametrize("subjects", [("astronomy", "baking", "finance"),
                                      ("finance", "gardening", "programming", "sailing"),
                                      ("baking", "finance", "gardening", "programming", "sailing")])
def test_planted_subjects_are_the_recommended_count(guides, subjects):
    texts, labels = guides
    rows = [i for i, label in enumerate(labels) if label in subjects]
    result = pipeline.sweep(from_texts([texts[i] for i in rows]), n_topics="auto")
    assert result.recommended == len(subjects), result.reason


def test_auto_extends_a_range_whose_top_is_best(tmp_path):
    out = tmp_path / "auto"
    assert main(["run", str(BUNDLED), "--topics", "auto", "--topic-range", "3:5", "--out", str(out),
                 "-q", "--formats", "json"]) == 0
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert sweep["recommended"] == 6
    assert [row["k"] for row in sweep["scores"]] == [3, 4, 5, 6, 7, 8]
    assert "The range ended at k=5, the best there; extended to 8." in sweep["reason"]


def test_sweep_says_when_its_best_is_the_top_of_the_range(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", str(BUNDLED), "--topics", "3:5", "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "recommended: k=5" in printed
    assert "k=5 is the largest count tried: a larger one may be better; try --topics 5:10, " \
           "past it." in printed
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert [row["k"] for row in sweep["scores"]] == [3, 4, 5]  # a sweep's range is as asked


def test_more_refits_for_small_corpora():
    assert refits(126, 3) == 20 and refits(300, 3) == 17 and refits(2225, 3) == 3
    assert refits(57343, 5) == 5 and refits(126, 30) == 30


def test_partition_agreement_ignores_topic_numbering_and_counts_chance_as_zero():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 4, 400)
    W = np.eye(4)[groups]
    assert partition_agreement(W, W[:, [2, 0, 3, 1]]) == pytest.approx(1.0)
    assert abs(partition_agreement(W, np.eye(4)[rng.integers(0, 4, 400)])) < 0.05
    assert partition_agreement(np.zeros((5, 2)), np.zeros((5, 2))) == 0.0


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_agreement():
    low, high = bootstrap_interval([0.9, 0.92, 0.91, 0.93, 0.9])
    assert low <= 0.912 <= high and high - low < 0.03
    wide = bootstrap_interval([0.5, 0.9, 0.6, 0.95, 0.55])
    assert wide[1] - wide[0] > 0.1
    assert bootstrap_interval([0.7]) == (0.7, 0.7)


def test_the_default_range_grows_with_the_corpus_and_a_large_one_is_read_by_term_stability():
    import pandas as pd

    from topicnmf.config import auto_range, parse_range
    from topicnmf.sweep import measure, recommend

    assert auto_range(126) == auto_range(2225) == (3, 12, 1)  # the planted corpora: as before
    assert auto_range(57343) == (15, 42, 3)  # Debian's descriptions
    assert parse_range("auto", upper=57343) == range(15, 43, 3) and parse_range("auto") == range(3, 13)
    assert measure(2225) == "stability" and measure(57343) == "term_stability"
    # Debian at 15:42:3 (measured): the documents' agreement is low and noisy, the terms' is not
    scores = pd.DataFrame({"k": [15, 18, 24, 39], "stability": [0.29, 0.56, 0.57, 0.58],
                           "term_stability": [0.823, 0.836, 0.839, 0.785], "npmi": [0.41, 0.39, 0.34, 0.34]})
    k, reason = recommend(scores, by="term_stability")
    assert k == 24 and reason.startswith("k=24: the most stable count by its topics' top terms")
    assert "Caution" not in reason and "close behind: 15 (0.82), 18 (0.84)" in reason
    assert recommend(scores)[0] == 39 and "Caution" in recommend(scores)[1]


def test_a_large_corpus_sweeps_the_grown_range_and_says_so():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choice(words[(i % 20) * 20:(i % 20) * 20 + 20], 12)) for i in range(3000)]
    result = pipeline.sweep(from_texts(texts), n_topics="auto", sweep_runs=1)
    assert list(result.scores["k"])[:2] == [3, 4]  # 3,000 documents: sqrt(3000 / 250) = 3.5 -> 3
    result = pipeline.sweep(from_texts(texts * 2), n_topics="auto", sweep_runs=1)
    assert list(result.scores["k"])[:3] == [5, 6, 7]
    assert "are the default range for 6,000 documents" in result.reason
