"""report.html: one self-contained page (inline CSS and SVG, no scripts, no network).

Rendered with Jinja2 and autoescaping on, so document text can never become markup.
"""

from jinja2 import Environment, PackageLoader, select_autoescape

from .json_report import report_data

_env = Environment(
    loader=PackageLoader("topicnmf", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _loss_points(history, width=480, height=120):
    """An SVG polyline of the loss per iteration."""
    if len(history) < 2:
        return ""
    low, high = min(history), max(history)
    span = (high - low) or 1.0
    step = width / (len(history) - 1)
    return " ".join(
        f"{i * step:.1f},{height - (v - low) / span * height:.1f}" for i, v in enumerate(history)
    )


def html_report(result, title="topicnmf report"):
    data = report_data(result)
    for t in data["topics"]:
        top = max((x["weight"] for x in t["terms"]), default=0) or 1.0
        for x in t["terms"]:
            x["bar"] = round(100 * x["weight"] / top, 1)
    max_share = max((t["share"] for t in data["topics"]), default=0) or 1.0
    return _env.get_template("report.html").render(
        title=title, data=data, max_share=max_share,
        loss_points=_loss_points(data["fit"]["loss_history"]), timings=result.timings,
    )
