"""compare.html and the files of ``topicnmf compare``: one self-contained page (inline CSS
and SVG, no script, nothing fetched), rendered with autoescaping like report.html."""

import json

from .compare_report import comparison_data, matches_csv, similarity_csv, similarity_grid
from .html import _asset, _env

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def compare_html(data, title="topicnmf compare"):
    """The page of :func:`~.compare_report.comparison_data`'s ``data``."""
    return _env.get_template("compare.html").render(
        title=title, data=data, grid=similarity_grid(data), csp=CSP, style=_asset("report.css"))


def compare_files(comparison, old, new):
    """{file name: text} of ``topicnmf compare``: similarity.csv, matches.csv, compare.json
    and compare.html."""
    data = comparison_data(comparison, old, new)
    return {"similarity.csv": similarity_csv(comparison), "matches.csv": matches_csv(comparison),
            "compare.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
            "compare.html": compare_html(data)}
