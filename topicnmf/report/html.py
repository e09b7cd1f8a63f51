"""report.html: one self-contained page (inline CSS, SVG and one inline script; no network).

Rendered with Jinja2 and autoescaping on, so document text can never become markup. The
data the script needs (the document table) travels as JSON inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and the script
writes text with ``textContent`` only. A Content-Security-Policy allows nothing but inline
styles, ``data:`` images and the one script, named by its SHA-256 hash.
"""

import base64
import hashlib
from importlib import resources

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from . import formatting as fmt
from . import visuals
from .charts import PALETTE, line_chart
from .compare_report import similarity_grid
from .json_report import report_data
from .timeline_report import html_context

_env = Environment(
    loader=PackageLoader("topicnmf", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(pct=fmt.pct, weight=fmt.weight, score=fmt.score, count=fmt.count,
                    flag=fmt.flag_text)


def _asset(name):
    return resources.files("topicnmf").joinpath("report", "templates", name).read_text(encoding="utf-8")


def csp(script):
    """The page's Content-Security-Policy: nothing but inline styles, data: images and the
    script whose SHA-256 is given (of ``script``, the exact text inside its tag)."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def _term_rows(result, n_show):
    """Per topic the relevance candidates, as the page's term rows."""
    H = result.topics.H
    p_wt = visuals.topic_term_distributions(H)
    p_w = visuals.term_marginal(result.dtm.column_sums()[None, :])
    df = result.dtm.document_frequency()
    # the bars: the topic's part of a term's fitted weight (sum_d W[d,t] H[t,w]) and the
    # term's fitted weight over all topics (column sums of WH), on one scale per topic
    topic_mass = result.topics.W.sum(axis=0)[:, None] * H
    corpus_mass = topic_mass.sum(axis=0)
    display = result.dtm.display_terms
    out = []
    for t, ids in enumerate(visuals.relevance_candidates(p_wt, p_w, n_show)):
        top = corpus_mass[ids].max() if len(ids) else 0.0
        top = top if top > 0 else 1.0  # (terms of no fitted weight: empty bars, not NaN)
        with np.errstate(divide="ignore"):
            log_pwt, log_pw = np.log(p_wt[t, ids]), np.log(p_w[ids])
        out.append([{
            "term": display[j], "weight": fmt.weight(H[t, j]), "df": int(df[j]),
            "topic_bar": round(100 * topic_mass[t, j] / top, 1),
            "corpus_bar": round(100 * corpus_mass[j] / top, 1),
            "lp": f"{log_pwt[i]:.5f}", "lw": f"{log_pw[i]:.5f}", "shown": i < n_show,
        } for i, j in enumerate(ids)])
    return out


def _map(result, shares):
    p_wt = visuals.topic_term_distributions(result.topics.H)
    coords, distances = visuals.intertopic_map(p_wt)
    size = 360
    radius = min(0.1 * size, 0.28 * size / np.sqrt(max(len(shares), 1)))
    circles, _ = visuals.layout_map(coords, shares, size=size, max_radius=radius)
    return {"size": size, "circles": circles, "shown": visuals.shown_share(distances)}


def _similarity(H):
    S = visuals.topic_similarity(H)
    k = S.shape[0]
    cell = max(8, min(44, 400 // max(k, 1)))
    margin = 26
    cells = [{"x": margin + b * cell, "y": margin + a * cell, "a": a + 1, "b": b + 1,
              "value": float(S[a, b]), "text": f"{S[a, b]:.2f}".lstrip("0") if a != b else ""}
             for a in range(k) for b in range(k)]
    off = S - np.eye(k)
    pair = np.unravel_index(np.argmax(off), off.shape) if k > 1 else None
    return {"cell": cell, "margin": margin, "size": margin + k * cell + 4, "cells": cells,
            "ticks": [{"t": t + 1, "at": margin + t * cell + cell / 2} for t in range(k)],
            "show_text": k <= 12,
            "closest": None if pair is None else (pair[0] + 1, pair[1] + 1, float(S[pair]))}


def _labels(result):
    doc_topics = result.topics.doc_topics
    if "label" not in doc_topics.columns:
        return None
    table = visuals.label_table(doc_topics["dominant_topic"], doc_topics["label"], result.n_topics)
    if table.empty:
        return None
    rows = []
    for label, counts in table.iterrows():
        total = int(counts.sum())
        rows.append({"label": label, "total": total, "cells": [
            {"n": int(n), "alpha": round(0.85 * n / total, 3) if total else 0} for n in counts]})
    return rows


def _documents(result, listed):
    """The document table's rows: [id, dominant topic, its share, label, title, snippet]."""
    doc_topics = result.topics.doc_topics
    labels = doc_topics["label"] if "label" in doc_topics.columns else None
    no_label = None if labels is None else labels.isna().to_numpy()
    rows = []
    for row, doc_id, title, text, dominant, share in zip(
            listed["row"], listed["doc_id"], listed["title"], listed["snippet"],
            listed.get("dominant_topic", []), listed.get("share", [])):
        label = None if labels is None or no_label[row] else str(labels.iat[row])
        rows.append([str(doc_id), int(dominant), round(float(share), 4), label, title, text])
    rows.sort(key=lambda r: -r[2])  # stable: equal shares keep the listing's order
    return rows


def _representative(data, result):
    """Each representative document's share of its weight on the topic, and its text split
    into title and body (the snippet of the reports runs the title into the body)."""
    reps = result.topics.representative
    keys = list(zip(reps["topic"], reps["doc_id"]))
    titles = dict(zip(keys, reps.get("title", [""] * len(reps))))
    shares = dict(zip(keys, reps["share"]))
    for t in data["topics"]:
        for d in t["representative_documents"]:
            share = shares.get((t["topic"], d["doc_id"]))
            d["share"] = None if share is None else float(share)
            title = titles.get((t["topic"], d["doc_id"])) or ""
            body = d["snippet"]
            if title and body.startswith(title):
                d["title"], d["body"] = title, body[len(title):].strip()
            else:
                d["title"], d["body"] = "", body


def _loss_chart(fit, loss):
    history = fit["loss_history"]
    if len(history) < 2:
        return None
    points = list(enumerate(history))  # 0: the initialization
    y_label = "KL divergence" if loss == "kullback-leibler" else "objective"
    return line_chart([("objective", points)], x_label="iteration", y_label=y_label,
                      width=480, height=260, integer_x=True)


def _alignment(data):
    if "alignment" not in data:
        return None
    return {"data": data["alignment"], "grid": similarity_grid(data["alignment"])}


def html_report(result, title="topicnmf report", data=None):
    """report.html, from ``data`` (:func:`report_data` of ``result``, made here when None)."""
    data = report_data(result) if data is None else data
    data = {**data, "topics": [{**t, "representative_documents": [dict(d) for d in t["representative_documents"]]}
                               for t in data["topics"]]}  # (what is added below, added to copies)
    _representative(data, result)
    n_show = max(1, data["parameters"].get("top_terms", 10))
    terms = _term_rows(result, n_show)
    shares = [t["share"] for t in data["topics"]]
    max_share = max(shares, default=0) or 1.0
    for t, rows in zip(data["topics"], terms):
        t["rows"] = rows
        t["color"] = PALETTE[(t["topic"] - 1) % len(PALETTE)]
        t["bar"] = round(100 * t["share"] / max_share, 1)
    timeline = None
    if "timeline" in data:
        timeline = html_context(data["timeline"], {t["topic"]: t["label"] for t in data["topics"]})
    documents = _documents(result, result.topics.documents)
    page_data = {"topics": [[t["topic"], t["label"]] for t in data["topics"]],
                 "labels": "label" in result.topics.doc_topics.columns, "docs": documents}
    script = _asset("report.js")
    return _env.get_template("report.html").render(
        title=title, data=data, csp=Markup(csp(script)), script=Markup(script),
        style=Markup(_asset("report.css")), page_json=Markup(fmt.inert_json(page_data)),
        n_listed=len(documents), n_documents=data["corpus"]["n_documents"], n_show=n_show,
        map=_map(result, shares), similarity=_similarity(result.topics.H),
        labels=_labels(result), parameters=fmt.parameter_rows(data["parameters"]),
        corpus_rows=fmt.corpus_rows(data["corpus"], data["fit"]),
        loss=_loss_chart(data["fit"], data["parameters"].get("nmf", {}).get("beta_loss")),
        timings=result.timings, timeline=timeline, alignment=_alignment(data),
    )
