"""topics.json: the whole run as one versioned, deterministic JSON document.

Timings are left out so that the same run with the same seed gives the same bytes.
"""

import json

SCHEMA = "topicnmf.topics/1"


def _round(x):
    return float(f"{x:.6g}")


def report_data(result):
    """The report as plain Python data (also what the Markdown and HTML are made from)."""
    topics = result.topics
    out = []
    for row in topics.prevalence.itertuples(index=False):
        t = row.topic
        terms = topics.terms[topics.terms.topic == t]
        reps = topics.representative[topics.representative.topic == t]
        out.append({
            "topic": int(t),
            "label": row.label,
            "share": _round(row.share),
            "n_documents": int(row.n_documents),
            "terms": [{"term": r.term, "weight": _round(r.weight)} for r in terms.itertuples()],
            "representative_documents": [
                {"doc_id": r.doc_id, "weight": _round(r.weight), "snippet": r.snippet}
                for r in reps.itertuples()
            ],
        })
    return {
        "schema": SCHEMA,
        "parameters": result.parameters,
        "corpus": result.corpus_stats(),
        "fit": {
            "n_iter": int(result.n_iter),
            "converged": bool(result.converged),
            "reconstruction_error": _round(result.reconstruction_err),
            "relative_error": _round(result.relative_error),
            "loss_history": [_round(x) for x in result.loss_history],
        },
        "topics": out,
    }


def topics_json(result):
    return json.dumps(report_data(result), indent=2, ensure_ascii=False) + "\n"
