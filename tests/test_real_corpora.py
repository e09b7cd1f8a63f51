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
    assert data["recommended"] == 5, data["reason"]  # its five sections
    assert "the most stable count" in data["reason"]
    assert all("nmi" in row for row in data["scores"])  # labels carried into the sweep


def _against_scikit_learn(texts, labels, k):
    """(topicnmf result, {system: (NPMI, NMI)}) scored as benchmarks/bench_quality.py does:
    NPMI of the top 10 terms in each system's own tokens with nothing removed."""
    import warnings

    import numpy as np
    from sklearn.decomposition import NMF as SkNMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    from topicnmf import evaluate, pipeline
    from topicnmf.corpus import from_texts
    from topicnmf.preprocess import Analyzer, PreprocessOptions, analyze
    from topicnmf.vectorize import VectorizeOptions, vectorize

    result = pipeline.fit(from_texts(texts, labels=labels), n_topics=k)
    options = PreprocessOptions(stop_words=frozenset(), keep_numbers=True, min_token_length=1)
    ref = vectorize(analyze(texts, Analyzer(options)), result.dtm.doc_ids, VectorizeOptions(min_df=1, max_df=1.0))
    index = {t: i for i, t in enumerate(ref.terms)}
    top = evaluate.top_term_indices(result.topics.H, 10)
    ours = (evaluate.npmi(ref.X, np.array([[index[result.dtm.terms[j]] for j in r] for r in top])).mean(),
            result.evaluation.labels.nmi)

    vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.95)
    X = vec.fit_transform(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkNMF(k, init="nndsvda", random_state=0)
        W = sk.fit_transform(X)
    count = CountVectorizer(binary=True)
    R = count.fit_transform(texts)
    terms = vec.get_feature_names_out()
    sk_top = np.array([[count.vocabulary_[terms[j]] for j in r] for r in evaluate.top_term_indices(sk.components_, 10)])
    theirs = (evaluate.npmi(R, sk_top).mean(), evaluate.label_agreement(list(W.argmax(axis=1)), labels).nmi)
    return result, {"topicnmf": ours, "sklearn": theirs}


def test_bbc_defaults_beat_scikit_learn_nmf_and_agree_across_seeds():
    """The issue's target on BBC k=5: higher NPMI and NMI than scikit-learn's TF-IDF + NMF,
    and 10 random starts whose matched top-10 terms agree at least 0.9 on average."""
    import numpy as np

    from topicnmf import evaluate
    from topicnmf.nmf import factorize

    rows = read_jsonl(shared_corpus("bbc-news.jsonl.gz"))
    result, s = _against_scikit_learn([r["text"] for r in rows], [r["label"] for r in rows], 5)
    # measured: NPMI 0.364 vs 0.297, NMI 0.862 vs 0.776
    assert s["topicnmf"][0] > s["sklearn"][0] + 0.03 and s["topicnmf"][1] > s["sklearn"][1] + 0.05, s

    tops = [evaluate.top_term_indices(factorize(result.dtm.X, 5, init="random", random_state=seed).H, 10)
            for seed in range(10)]
    A = evaluate.pairwise_agreement(tops)
    assert A[np.triu_indices(10, 1)].mean() >= 0.9  # measured 1.00


def test_debian_defaults_beat_scikit_learn_nmf():
    """The same on the 57,343 Debian package descriptions at k=20 (58 sections as labels)."""
    rows = read_jsonl(shared_corpus("debian-packages.jsonl.gz"))
    _, s = _against_scikit_learn([r["text"] for r in rows], [r["label"] for r in rows], 20)
    # measured: NPMI 0.385 vs 0.353, NMI 0.332 vs 0.323
    assert s["topicnmf"][0] > s["sklearn"][0] and s["topicnmf"][1] > s["sklearn"][1], s
