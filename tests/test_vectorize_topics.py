import numpy as np
import pandas as pd
import pytest

from topicnmf.errors import VocabularyError
from topicnmf.preprocess import Analyzer, analyze
from topicnmf.topics import build_topics, normalized_weights, snippet
from topicnmf.vectorize import VectorizeOptions, vectorize, vectorize_with

TEXTS = ["apples and pears", "pears and plums", "boats and sails", "sails on boats", "apples"]


def test_vectorize_keeps_sparse_rows_normalized_and_terms():
    analyzed = analyze(TEXTS, Analyzer())
    dtm = vectorize(analyzed, list("abcde"), VectorizeOptions(min_df=1, max_df=1.0))
    assert dtm.X.format == "csr"
    assert dtm.terms == ("apples", "boats", "pears", "plums", "sails")
    np.testing.assert_allclose(np.sqrt(dtm.X.multiply(dtm.X).sum(axis=1)).A1, 1.0)
    again = vectorize_with(analyzed, list("abcde"), terms=dtm.terms, idf=dtm.idf,
                           display_terms=dtm.display_terms, options=VectorizeOptions(min_df=1, max_df=1.0))
    assert abs(again.X - dtm.X).max() == 0


def test_everything_filtered_gives_clear_errors():
    with pytest.raises(VocabularyError, match="no terms left after preprocessing"):
        vectorize(analyze(["the and of", "it is"], Analyzer()), ["a", "b"])
    with pytest.raises(VocabularyError, match="filtered out by min_df=5"):
        vectorize(analyze(TEXTS, Analyzer()), list("abcde"), VectorizeOptions(min_df=5))


def test_build_topics_orders_by_prevalence_and_normalizes():
    W = np.array([[0.1, 1.0], [0.0, 2.0], [0.5, 0.0], [0.0, 0.0]])
    H = np.array([[0.0, 3.0, 1.0], [2.0, 0.0, 1.0]])
    m = build_topics(W, H, doc_ids=["a", "b", "c", "d"], texts=["x"] * 4,
                     display_terms=["t0", "t1", "t2"], top_terms=2, n_representative=2)
    # component 1 carries the most weight, so it becomes topic 1
    assert m.top_terms(1) == ["t0", "t2"]
    assert m.top_terms(2) == ["t1", "t2"]
    assert list(m.doc_topics.dominant_topic[:3]) == [1, 1, 2]
    assert pd.isna(m.doc_topics.dominant_topic[3])
    assert m.doc_topics[["topic_1", "topic_2"]].iloc[3].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(m.doc_topics[["topic_1", "topic_2"]].iloc[:3].sum(axis=1), 1.0)
    assert m.prevalence.share.tolist() == pytest.approx([3 / 3.6, 0.6 / 3.6])
    assert m.prevalence.n_documents.tolist() == [2, 1]
    assert m.representative[m.representative.topic == 1].doc_id.tolist() == ["b", "a"]


def test_normalized_weights_never_nan_and_snippet_cut():
    assert not np.isnan(normalized_weights(np.zeros((2, 3)))).any()
    s = snippet("word " * 100, limit=20)
    assert s.endswith("\u2026") and len(s) <= 22 and "\n" not in s
