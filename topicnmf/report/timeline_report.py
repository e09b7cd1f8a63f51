"""Topics over time in every format: the CSV tables, the JSON section, the Markdown lines and
the HTML chart geometry, each a function of a :class:`~topicnmf.timeline.Timeline`."""

import json
import math

from .charts import PALETTE, line_chart
from .tables import to_csv

SPARK_WIDTH, SPARK_HEIGHT = 160, 30


def _round(x):
    return None if x is None or not math.isfinite(x) else float(f"{x:.6g}")


def timeline_files(timeline):
    """{file name: CSV text} of a timeline."""
    files = {"topics_over_time.csv": to_csv(timeline.topics_over_time()),
             "period_documents.csv": to_csv(timeline.period_documents())}
    if timeline.terms is not None:
        files["topic_terms_over_time.csv"] = to_csv(timeline.terms)
    if timeline.dynamic is not None:
        files["dynamic_topics.json"] = json.dumps(timeline.dynamic.to_dict(), indent=2,
                                                  ensure_ascii=False) + "\n"
    return files


def timeline_data(timeline):
    """The timeline as plain data (topics.json's 'timeline' section)."""
    dates = timeline.dates
    changes = []
    for c in timeline.changes():
        changes.append({"topic": c["topic"], **{
            key: None if c[key] is None else {"period": c[key][0], "change": _round(c[key][1])}
            for key in ("rise", "fall")}})
    out = {
        "bins": timeline.periods.bins,
        "dates": {"sources": list(dates.sources), "n_dated": dates.n_dated,
                  "n_missing": dates.n_missing, "n_unparseable": len(dates.unparseable),
                  "unparseable": [{"doc_id": d, "value": v} for d, v in dates.unparseable[:20]],
                  "notes": list(dates.notes)},
        "periods": [{"period": p, "n_documents": int(n)}
                    for p, n in zip(timeline.labels, timeline.n_documents)],
        "shares": [{"topic": t + 1, "share": [_round(float(s)) for s in timeline.shares[:, t]]}
                   for t in range(timeline.shares.shape[1])],
        "changes": changes,
    }
    if timeline.terms is not None:
        out["drift"] = drift_data(timeline.terms)
    if timeline.dynamic is not None:
        out["dynamic"] = timeline.dynamic.to_dict()
    return out


def drift_data(terms, n=10):
    """Per topic, the terms entering and leaving its top ``n`` from each period to the next."""
    out = []
    for topic, rows in terms.groupby("topic", sort=True):
        tops = [(p, list(g.sort_values("rank")["term"][:n])) for p, g in rows.groupby("period", sort=False)]
        steps = []
        for (_, before), (period, after) in zip(tops, tops[1:]):
            entered = [t for t in after if t not in before]
            left = [t for t in before if t not in after]
            if entered or left:
                steps.append({"period": period, "entered": entered, "left": left})
        out.append({"topic": int(topic), "first": tops[0][1] if tops else [],
                    "steps": steps})
    return out


def _points(shares):
    return [(i, s) for i, s in enumerate(shares) if s is not None]


def _change_text(change, verb):
    return f"{verb} most into {change['period']} ({100 * change['change']:+.1f} points)"


def change_lines(data):
    """One sentence per topic naming its sharpest rise and fall, and one for the corpus."""
    lines = []
    for c in data["changes"]:
        parts = [_change_text(c[k], v) for k, v in (("rise", "rose"), ("fall", "fell")) if c[k]]
        if parts:
            lines.append(f"Topic {c['topic']} " + " and ".join(parts) + ".")
    return lines


def sharpest(data):
    """(topic, change) of the sharpest rise and of the sharpest fall over all topics."""
    rises = [(c["topic"], c["rise"]) for c in data["changes"] if c["rise"]]
    falls = [(c["topic"], c["fall"]) for c in data["changes"] if c["fall"]]
    return (max(rises, key=lambda r: r[1]["change"], default=None),
            min(falls, key=lambda f: f[1]["change"], default=None))


def markdown_lines(data, escape):
    """The Markdown section of topics over time."""
    dates, periods = data["dates"], data["periods"]
    lines = ["", "## Topics over time", "",
             f"{dates['n_dated']} dated documents ({', '.join(dates['sources'])}) in "
             f"{len(periods)} period(s) of {data['bins']}, {escape(periods[0]['period'])} to "
             f"{escape(periods[-1]['period'])}."]
    if dates["n_unparseable"]:
        shown = ", ".join(escape(repr(u["value"])) for u in dates["unparseable"][:5])
        lines.append(f"{dates['n_unparseable']} date value(s) could not be read and were left "
                     f"out: {shown}.")
    if dates["n_missing"]:
        lines.append(f"{dates['n_missing']} document(s) have no date.")
    lines += [escape(n) for n in dates["notes"]]
    rise, fall = sharpest(data)
    if rise:
        lines.append(f"Sharpest rise: topic {rise[0]} into {escape(rise[1]['period'])} "
                     f"({100 * rise[1]['change']:+.1f} points).")
    if fall:
        lines.append(f"Sharpest fall: topic {fall[0]} into {escape(fall[1]['period'])} "
                     f"({100 * fall[1]['change']:+.1f} points).")
    k = len(data["shares"])
    lines += ["", "| period | documents | " + " | ".join(f"topic {t + 1}" for t in range(k)) + " |",
              "| --- | --- | " + " | ".join("---" for _ in range(k)) + " |"]
    for i, p in enumerate(periods):
        cells = [s["share"][i] for s in data["shares"]]
        lines.append(f"| {escape(p['period'])} | {p['n_documents']} | " + " | ".join(
            "" if v is None else f"{v:.1%}" for v in cells) + " |")
    lines += [""] + change_lines(data)
    if "dynamic" in data:
        lines += dynamic_lines(data["dynamic"], [p["period"] for p in periods], escape)
    for d in data.get("drift", ()):
        if d["steps"]:
            lines += ["", f"Topic {d['topic']}'s terms by period:"]
            lines += [f"- {escape(s['period'])}: in " + escape(", ".join(s["entered"]) or "none")
                      + "; out " + escape(", ".join(s["left"]) or "none") for s in d["steps"]]
    return lines


def html_context(data, labels):
    """The HTML section's chart, per-topic sparklines (by topic) and sentences."""
    periods = [p["period"] for p in data["periods"]]
    series = [(f"topic {s['topic']}: {labels.get(s['topic'], '')}", _points(s["share"]))
              for s in data["shares"]]
    step = max(1, math.ceil(len(periods) / 8))
    chart = line_chart(series, x_label="period", y_label="share of the period's documents",
                       y_range=(0, 1), x_values=list(range(0, len(periods), step)),
                       width=760, height=320)
    for tick in chart["x_ticks"]:
        index = round(float(tick["label"].replace(",", "")))
        tick["label"] = periods[index]
    for s, (name, points) in zip(chart["series"], series):
        for dot, (i, y) in zip(s["dots"], points):
            dot["title"] = f"{name}, {periods[i]}: {y:.1%}"
    sparks = {s["topic"]: _spark(s["share"], s["topic"]) for s in data["shares"]}
    rise, fall = sharpest(data)
    dynamic = dynamic_grid(data["dynamic"], periods) if "dynamic" in data else None
    return {"chart": chart, "sparks": sparks, "changes": change_lines(data), "rise": rise,
            "fall": fall, "first": periods[0], "last": periods[-1], "dynamic": dynamic,
            "periods": periods}


def _spark(shares, topic):
    """A small polyline of one topic's shares (scaled to its own peak)."""
    points = _points(shares)
    peak = max((y for _, y in points), default=0) or 1.0
    n = max(len(shares) - 1, 1)
    coords = " ".join(f"{2 + i / n * (SPARK_WIDTH - 4):.1f},"
                      f"{SPARK_HEIGHT - 2 - y / peak * (SPARK_HEIGHT - 4):.1f}" for i, y in points)
    return {"points": coords, "width": SPARK_WIDTH, "height": SPARK_HEIGHT,
            "color": PALETTE[(topic - 1) % len(PALETTE)], "peak": peak}


def dynamic_lines(dynamic, periods, escape):
    """The Markdown of dynamic topics: each with its terms and the periods it is present in."""
    lines = ["", "### Dynamic topics", "",
             f"{len(dynamic['dynamic_topics'])} dynamic topics linking "
             f"{sum(w['dynamic_topic'] is not None for w in dynamic['window_topics'])} of "
             f"{len(dynamic['window_topics'])} window topics (Greene & Cross 2017).", "",
             "| dynamic topic | terms | present | periods |", "| --- | --- | --- | --- |"]
    for d in dynamic["dynamic_topics"]:
        span = f"{d['periods'][0]} to {d['periods'][-1]}" if d["periods"] else "none"
        lines.append(f"| {d['topic']} | {escape(', '.join(d['terms'][:8]))} | "
                     f"{len(d['periods'])} of {len(periods)} | {escape(span)} |")
    return lines


def dynamic_grid(dynamic, periods):
    """Rows of the HTML presence grid: per dynamic topic, per period the window topic's
    top terms there (or None)."""
    where = {}
    for w in dynamic["window_topics"]:
        where.setdefault((w["dynamic_topic"], w["period"]), []).append(", ".join(w["terms"][:4]))
    return [{"topic": d["topic"], "terms": ", ".join(d["terms"][:6]),
             "cells": ["; ".join(where[(d["topic"], p)]) if (d["topic"], p) in where else None
                       for p in periods]}
            for d in dynamic["dynamic_topics"]]
