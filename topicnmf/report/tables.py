"""CSV outputs: each a function of the result, returning text."""


def topics_csv(result):
    """topic, rank, term, weight: one row per top term of each topic."""
    return result.topics.terms.to_csv(index=False, lineterminator="\n", float_format="%.6g")


def doc_topics_csv(doc_topics):
    """doc_id, dominant_topic, topic_1 ... topic_k (weights summing to 1 per document)."""
    return doc_topics.to_csv(index=False, lineterminator="\n", float_format="%.6g")
