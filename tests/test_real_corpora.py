"""On real text nobody here wrote (skipped when ../shared/corpora is absent)."""

import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

from topicnmf.cli import main

from conftest import read_jsonl, shared_corpus


def test_bbc_news_five_topics_recover_the_five_sections(tmp_path):
    path = shared_corpus("bbc-news.jsonl.gz")
    out = tmp_path / "bbc"
    assert main(["run", str(path), "--topics", "5", "--out", str(out), "-q", "--formats", "csv"]) == 0
    doc_topics = pd.read_csv(out / "doc_topics.csv")
    truth = {row["id"]: row["label"] for row in read_jsonl(path)}
    assert len(doc_topics) == len(truth) == 2225
    assert doc_topics.label.tolist() == [truth[i] for i in doc_topics.doc_id]  # label carried through
    nmi = normalized_mutual_info_score(doc_topics.label, doc_topics.dominant_topic)
    assert nmi >= 0.75, nmi


def test_bbc_sweep_recommends_about_five_topics(tmp_path, capsys):
    import json

    path = shared_corpus("bbc-news.jsonl.gz")
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--topics", "3:9", "--out", str(out), "-q"]) == 0
    data = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert 4 <= data["recommended"] <= 7, data["reason"]
    assert "stable" in data["reason"] and "coherent" in data["reason"]
    assert all("nmi" in row for row in data["scores"])  # labels carried into the sweep
