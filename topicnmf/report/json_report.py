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
        q = result.quality[t - 1] if result.quality else {}
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
            "quality": {
                "npmi": _round(q.get("npmi", 0.0)),
                **({"npmi_reference": _round(q["npmi_reference"])} if "npmi_reference" in q else {}),
                "umass": _round(q.get("umass", 0.0)),
                "flags": q.get("flags", []),
                "duplicate_of": q.get("duplicate_of", []),
                "suggested_stop_words": q.get("suggested_stop_words", []),
            },
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
        "evaluation": _rounded(result.evaluation),
        "topics": out,
    }


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return _round(value)
    return value


def topics_json(result):
    return json.dumps(report_data(result), indent=2, ensure_ascii=False) + "\n"
