"""Two models' topics side by side (``topicnmf compare``, ``run --align-to``): CSV, JSON,
Markdown lines and the similarity grid of the HTML, each a function of a
:class:`~topicnmf.align.Comparison` (the page itself: :mod:`.compare_page`)."""

import pandas as pd

from .tables import to_csv


def matches_csv(comparison):
    """status, old_topic, new_topic, similarity, old_label, new_label, entered, left."""
    rows = [m.to_dict() for m in comparison.matches]
    for r in rows:
        r["entered"], r["left"] = "; ".join(r["entered"]), "; ".join(r["left"])
    frame = pd.DataFrame(rows, columns=["status", "old_topic", "new_topic", "similarity",
                                        "old_label", "new_label", "entered", "left"])
    return to_csv(frame.astype({"old_topic": "Int64", "new_topic": "Int64"}))


def similarity_csv(comparison):
    """One row per old topic, one column per new topic: their cosine similarity."""
    S = comparison.similarity
    frame = pd.DataFrame(S, columns=[f"new_{c + 1}" for c in range(S.shape[1])])
    frame.insert(0, "old_topic", range(1, S.shape[0] + 1))
    return to_csv(frame)


def comparison_data(comparison, old="", new=""):
    """The comparison as plain data."""
    return {
        "old": str(old), "new": str(new),
        "n_shared_terms": comparison.n_shared_terms, "n_union_terms": comparison.n_union_terms,
        "counts": {s: len(comparison.of_status(s)) for s in ("kept", "new", "gone")},
        "matches": [m.to_dict() for m in comparison.matches],
        "similarity": [[float(f"{v:.4g}") for v in row] for row in comparison.similarity],
    }


def match_lines(data, escape):
    """One Markdown list item per topic: kept (similarity), new or gone, terms in and out."""
    lines = []
    for m in data["matches"]:
        if m["status"] == "kept":
            moved = "" if m["old_topic"] == m["new_topic"] else f" (was topic {m['old_topic']})"
            line = (f"- topic {m['new_topic']}: kept{moved}, similarity {m['similarity']:.2f}; "
                    f"in: {escape(', '.join(m['entered']) or 'none')}; "
                    f"out: {escape(', '.join(m['left']) or 'none')}")
        elif m["status"] == "new":
            line = f"- topic {m['new_topic']}: new ({escape(', '.join(m['entered'][:6]))})"
        else:
            line = (f"- old topic {m['old_topic']} gone: {escape(m['old_label'])} "
                    f"(best similarity {m['similarity']:.2f})")
        lines.append(line)
    return lines


def alignment_markdown(data, escape):
    c = data["counts"]
    return ["", "## Alignment with the previous model", "",
            f"Aligned to {escape(data['old'])}: {c['kept']} topic(s) kept, {c['new']} new, "
            f"{c['gone']} gone ({data['n_shared_terms']} of {data['n_union_terms']} terms shared).",
            ""] + match_lines(data, escape)


def similarity_grid(data):
    S = data["similarity"]
    k_old, k_new = len(S), len(S[0]) if S else 0
    cell = max(14, min(44, 420 // max(k_old, k_new, 1)))
    margin = 34
    kept = {(m["old_topic"], m["new_topic"]) for m in data["matches"] if m["status"] == "kept"}
    return {"cell": cell, "margin": margin, "width": margin + k_new * cell + 4,
            "height": margin + k_old * cell + 4, "show_text": max(k_old, k_new) <= 14,
            "cols": [{"t": c + 1, "at": margin + c * cell + cell / 2} for c in range(k_new)],
            "rows": [{"t": r + 1, "at": margin + r * cell + cell / 2} for r in range(k_old)],
            "cells": [{"x": margin + c * cell, "y": margin + r * cell, "value": v,
                       "text": f"{v:.2f}".lstrip("0"), "kept": (r + 1, c + 1) in kept,
                       "title": f"old {r + 1} / new {c + 1}: {v:.3f}"}
                      for r, row in enumerate(S) for c, v in enumerate(row)]}

