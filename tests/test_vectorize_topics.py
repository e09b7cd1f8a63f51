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
    m = build_topics(W, H, doc_ids=["a", "b", "c", "d"],
                     display_terms=["t0", "t1", "t2"], top_terms=2, n_representative=2)
    # component 1 carries the most weight, so it becomes topic 1
    assert m.top_terms(1) == ["t0", "t2"]
    assert m.top_terms(2) == ["t1", "t2"]
    assert list(m.doc_topics.dominant_topic[:3]) == [1, 1, 2]
    assert pd.isna(m.doc_topics.dominant_topic[3])
    assert m.doc_topics[["topic_1", "topic_2"]].iloc[3].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(m.doc_topics[["topic_1", "topic_2"]].iloc[:3].sum(axis=1), 1.0)
    # balanced: component 1's weights times ||H_1|| = sqrt(5), component 0's times sqrt(10)
    big, small = 3 * np.sqrt(5), 0.6 * np.sqrt(10)
    assert m.prevalence.share.tolist() == pytest.approx([big / (big + small), small / (big + small)])
    assert m.prevalence.n_documents.tolist() == [2, 1]
    assert m.representative[m.representative.topic == 1].doc_id.tolist() == ["b", "a"]
    np.testing.assert_allclose(np.linalg.norm(m.H, axis=1), 1.0)
    np.testing.assert_allclose(m.W @ m.H, W @ H, atol=1e-12)


def test_topics_do_not_depend_on_the_arbitrary_scaling_of_the_factors():
    """W D and D^-1 H are the same fit; raw W would call a different topic dominant."""
    W = np.array([[1.0, 0.8], [0.2, 1.0], [0.9, 0.1]])
    H = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    D = np.array([0.5, 4.0])
    kwargs = dict(doc_ids=["a", "b", "c"], display_terms=["t0", "t1", "t2"])
    m = build_topics(W, H, **kwargs)
    scaled = build_topics(W * D, H / D[:, None], **kwargs)
    pd.testing.assert_frame_equal(m.doc_topics, scaled.doc_topics)
    pd.testing.assert_frame_equal(m.prevalence, scaled.prevalence)
    # document a: 1.0 * |H_0| = 1.0 against 0.8 * |H_1| = 1.13 -> the second component
    assert m.doc_topics.set_index("doc_id").loc["a", "dominant_topic"] == m.order.tolist().index(1) + 1


def test_normalized_weights_never_nan_and_snippet_cut():
    assert not np.isnan(normalized_weights(np.zeros((2, 3)))).any()
    s = snippet("word " * 100, limit=20)
    assert s.endswith("\u2026") and len(s) <= 22 and "\n" not in s


def test_a_documents_copies_are_listed_once_among_the_representatives():
    import numpy as np

    from topicnmf.topics import build_topics

    W = np.array([[3.0, 0.1], [3.0, 0.1], [2.0, 0.2], [1.0, 1.0], [0.0, 2.0]])  # rows 0 and 1: one text twice
    H = np.array([[1.0, 0.0], [0.0, 1.0]])
    topics = build_topics(W, H, doc_ids=list("abcde"), display_terms=["x", "y"], n_representative=2)
    first = topics.representative[topics.representative.topic == 1].doc_id.tolist()
    assert first == ["a", "c"]
