"""Outputs of a sweep over k: sweep.csv, sweep.json and sweep.html (self-contained chart)."""

import json

from jinja2 import Environment, select_autoescape

from .json_report import _round

METRICS = (("stability", "#3b6fd1"), ("npmi", "#d1623b"), ("diversity", "#3ba55d"),
           ("relative_error", "#8a63d2"))


def sweep_csv(result):
    return result.scores.to_csv(index=False, lineterminator="\n", float_format="%.6g")


def sweep_json(result):
    rows = [{k: (_round(v) if isinstance(v, float) else (bool(v) if k == "recommended" else int(v)))
             for k, v in row.items()} for row in result.scores.to_dict(orient="records")]
    data = {"schema": "topicnmf.sweep/1", "parameters": result.parameters,
            "recommended": result.recommended, "reason": result.reason, "scores": rows}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_PAGE = Environment(autoescape=select_autoescape(default=True, default_for_string=True)).from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>topicnmf: choosing the number of topics</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:900px;margin:auto;padding:1.5em;color:#1d2330}
table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:right}tr.rec{font-weight:700;background:#eef3fc}
svg{background:#fff;border:1px solid #dde2ea}</style></head><body>
<h1>Choosing the number of topics</h1>
<p><b>Recommended: {{ k }}</b>. {{ reason }}</p>
<svg width="{{ w }}" height="{{ h }}" viewBox="0 0 {{ w }} {{ h }}" role="img" aria-label="scores by number of topics">
{% for name, color, points in lines %}<polyline fill="none" stroke="{{ color }}" stroke-width="2" points="{{ points }}"/>
<text x="{{ w - 120 }}" y="{{ 18 * loop.index }}" fill="{{ color }}">{{ name }}</text>{% endfor %}
{% for x, label in ticks %}<text x="{{ x }}" y="{{ h - 4 }}" font-size="11" text-anchor="middle">{{ label }}</text>{% endfor %}
<line x1="{{ rec_x }}" x2="{{ rec_x }}" y1="0" y2="{{ h - 16 }}" stroke="#999" stroke-dasharray="4 3"/>
</svg>
<p style="color:#667;font-size:.85em">Each curve scaled to its own range. Stability: agreement of top terms
across refits on subsamples (1 = identical). NPMI: coherence of top terms in the corpus. Diversity: share of
distinct top terms.</p>
<table><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in rows %}<tr class="{{ 'rec' if row.recommended else '' }}">{% for c in columns %}<td>{{ row[c] }}</td>{% endfor %}</tr>{% endfor %}
</table></body></html>
""")


def sweep_html(result, width=640, height=260):
    scores = result.scores
    ks = list(scores["k"])
    span = max(ks) - min(ks) or 1

    def x_of(k):
        return 20 + (k - min(ks)) / span * (width - 160)

    lines = []
    for name, color in METRICS:
        values = list(scores[name])
        low, high = min(values), max(values)
        rng = (high - low) or 1.0
        points = " ".join(f"{x_of(k):.1f},{(height - 24) - (v - low) / rng * (height - 48):.1f}"
                          for k, v in zip(ks, values))
        lines.append((name, color, points))
    columns = [c for c in scores.columns if c != "recommended"]
    rows = [{**{c: (f"{r[c]:.4g}" if isinstance(r[c], float) else r[c]) for c in columns},
             "recommended": bool(r["recommended"])} for r in scores.to_dict(orient="records")]
    return _PAGE.render(k=result.recommended, reason=result.reason, lines=lines, w=width, h=height,
                        ticks=[(x_of(k), k) for k in ks], rec_x=x_of(result.recommended),
                        columns=columns, rows=rows)


def sweep_files(result):
    return {"sweep.csv": sweep_csv(result), "sweep.json": sweep_json(result),
            "sweep.html": sweep_html(result)}
