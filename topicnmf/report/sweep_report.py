"""Outputs of a sweep over k: sweep.csv, sweep.json and sweep.html (self-contained charts)."""

import json
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .charts import line_chart
from .json_report import _round


def sweep_csv(result):
    return result.scores.to_csv(index=False, lineterminator="\n", float_format="%.6g")


def sweep_json(result):
    rows = [{k: (_round(v) if isinstance(v, float) else (bool(v) if k == "recommended" else int(v)))
             for k, v in row.items()} for row in result.scores.to_dict(orient="records")]
    data = {"schema": "topicnmf.sweep/1", "parameters": result.parameters,
            "recommended": result.recommended, "reason": result.reason, "scores": rows}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_env = Environment(
    loader=PackageLoader("topicnmf", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# (column, name on the page, what it measures); the first group shares one 0-1 scale
SHARED_SCALE = (
    ("stability", "stability", "agreement of the documents' dominant topics in refits on 80% "
     "subsamples with the full fit (adjusted Rand index: 1 = the same grouping, 0 = chance); "
     "the bars are its 90% bootstrap interval over the refits"),
    ("term_stability", "term stability", "agreement of the refits' top terms with the full fit's "
     "(Greene et al. 2014; low at every k on a small corpus, whose top terms reorder between "
     "subsamples)"),
    ("diversity", "diversity", "share of distinct terms among all topics' top terms"),
    ("nmi", "NMI", "agreement of the dominant topics with the documents' labels"),
    ("ami", "AMI", "the same, adjusted for chance"),
    ("relative_error", "relative error", "||X - WH|| / ||X|| (lower fits closer)"),
)
COHERENCE = ("npmi", "NPMI", "mean coherence of the top terms (-1 to 1, higher is better)")
COLUMNS = {"k": "k", "stability": "stability", "stability_low": "stability 5%",
           "stability_high": "stability 95%", "term_stability": "term stability", "npmi": "NPMI",
           "umass": "UMass", "diversity": "diversity", "relative_error": "relative error", "nmi": "NMI", "ami": "AMI"}


def sweep_html(result, width=480):
    scores = result.scores
    ks = [int(k) for k in scores["k"]]
    marker = (result.recommended, f"recommended k = {result.recommended}")
    shared = [(name, list(zip(ks, scores[col]))) for col, name, _ in SHARED_SCALE
              if col in scores.columns]
    intervals = ({"stability": list(zip(ks, scores["stability_low"], scores["stability_high"]))}
                 if "stability_low" in scores.columns else None)
    charts = [
        (line_chart(shared, x_label="number of topics k", y_label="score (0 to 1)",
                    y_range=(0, 1), x_values=ks, marker=marker, width=width, intervals=intervals),
         "Scores on one shared scale from 0 to 1"),
        (line_chart([(COHERENCE[1], list(zip(ks, scores[COHERENCE[0]])))],
                    x_label="number of topics k", y_label="mean NPMI",
                    y_range=(min(0.0, float(scores["npmi"].min())), float(scores["npmi"].max())),
                    x_values=ks, marker=marker, width=width),
         "Coherence (NPMI), on a scale from 0"),
    ]
    explained = [(name, text) for col, name, text in (*SHARED_SCALE, COHERENCE)
                 if col in scores.columns]
    columns = [c for c in scores.columns if c != "recommended"]
    rows = [{"cells": [str(int(r[c])) if c == "k" else f"{r[c]:.3f}" for c in columns],
             "recommended": bool(r["recommended"])} for r in scores.to_dict(orient="records")]
    return _env.get_template("sweep.html").render(
        k=result.recommended, reason=result.reason, charts=charts, explained=explained,
        headers=[COLUMNS.get(c, c.replace("_", " ")) for c in columns], rows=rows,
        style=Markup(resources.files("topicnmf").joinpath("report", "templates", "report.css")
                     .read_text(encoding="utf-8")))


def sweep_files(result):
    return {"sweep.csv": sweep_csv(result), "sweep.json": sweep_json(result),
            "sweep.html": sweep_html(result)}
