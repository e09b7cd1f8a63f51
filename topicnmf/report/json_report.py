"""topics.json: the whole run as one versioned, deterministic JSON document.

Timings are left out so that the same run with the same seed gives the same bytes.
"""

import json

from .compare_report import comparison_data
from .timeline_report import timeline_data

SCHEMA = "topicnmf.topics/1"


def _round(x):
    return float(f"{x:.6g}")


def _quality(q):
    reference = {} if q.npmi_reference is None else {"npmi_reference": _round(q.npmi_reference)}
    return {"npmi": _round(q.npmi), **reference, "umass": _round(q.umass), "flags": list(q.flags),
            "duplicate_of": list(q.duplicate_of),
            "suggested_stop_words": list(q.suggested_stop_words)} | _advice(q)


def _advice(q):
    """What each flag means and what to do, and the junk flags' characteristic terms (when flagged)."""
    advice = {"advice": [{"flag": f, "advice": a} for f, a in q.advice]} if q.advice else {}
    return advice | ({"junk_terms": list(q.junk_terms)} if q.junk_terms else {})


def corpus_data(result):
    """What was read and how the matrix came out: the report's corpus statistics."""
    stats, dtm = result.corpus, result.dtm
    n, m = dtm.shape
    return {
        "source": stats.source,
        "n_documents": n,
        "n_terms": m,
        "nonzeros": dtm.nnz,
        "density": float(dtm.nnz / (n * m)) if n and m else 0.0,
        "documents_without_terms": result.dtm.empty_rows,
        "skipped": len(stats.skipped),
        "skipped_files": [{"source": s.source, "reason": s.reason} for s in stats.skipped],
        "legacy_decoded": len(stats.decoded),
        "decoded_files": [{"source": d, "encoding": e} for d, e in stats.decoded],
        "duplicate_ids_renamed": len(stats.renamed),
        "hidden_left_out": stats.hidden,
        "output_folders_left_out": stats.outputs,
        "repaired_characters": stats.repaired,
        "boilerplate_lines": sorted(result.preprocessing.boilerplate_lines),
        "empty_topics": [int(t) for t in result.topics.empty_topics()],
    } | _mail_cleaning(result.preprocessing.cleaning) | _language(result.preprocessing.language, result.preprocessing.options.stem)


def _mail_cleaning(cleaning):
    """{'mail_cleaning': what the e-mail cleaning removed, by rule}, or {} when it found no mail."""
    return {} if cleaning is None else {"mail_cleaning": _rounded(cleaning.to_dict())}


def _language(choice, stem=False):
    """The corpus's language(s), unless plain English (reports before languages existed)."""
    if choice.languages == ("english",):
        return {}
    return {"language": choice.to_dict() | {"description": choice.describe(stem)}}


def report_data(result):
    """The report as plain Python data (also what the Markdown and HTML are made from)."""
    topics = result.topics
    out = []
    anchored = {c.topic: c.to_dict() for c in getattr(result, "anchors", ())}
    for row, quality in zip(topics.prevalence.itertuples(index=False), result.quality, strict=True):
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
            "quality": _quality(quality),
        } | ({"anchor": anchored[int(t)]} if int(t) in anchored else {})
          | ({"phrases": list(row.phrases)} if hasattr(row, "phrases") else {}))
    fit = result.fit
    data = {
        "schema": SCHEMA,
        "parameters": result.parameters,
        "corpus": corpus_data(result),
        "fit": {
            "n_iter": int(fit.n_iter),
            "converged": bool(fit.converged),
            "reconstruction_error": _round(fit.reconstruction_err),
            "relative_error": _round(fit.relative_error),
            "loss_history": [_round(x) for x in fit.loss_history],
        },
        "evaluation": _rounded(result.evaluation.to_dict()),
        "topics": out,
    } | ({"groups": [g.to_dict() for g in result.groups]} if getattr(result, "groups", ()) else {}) | (
        {"dropped_terms": [{"topic": t, "terms": list(terms)} for t, terms in result.dropped]}
        if getattr(result, "dropped", ()) else {})
    if getattr(result, "timeline", None) is not None:  # only for dated documents
        data["timeline"] = timeline_data(result.timeline)
    if getattr(result, "alignment", None) is not None:  # only with --align-to
        data["alignment"] = comparison_data(result.alignment, result.config.align_to, "this run")
    return data


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return _round(value)
    return value


def topics_json(result, data=None):
    """topics.json: ``data`` (:func:`report_data` of ``result``, made here when None) as JSON."""
    return json.dumps(report_data(result) if data is None else data, indent=2, ensure_ascii=False) + "\n"
