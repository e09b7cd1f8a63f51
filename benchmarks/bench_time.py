"""Topics over time on data with a known answer, and on the State of the Union addresses.

The planted check: BBC news (five labelled sections) dated over the twelve months of 2005 so
that each section's monthly share of the documents follows a chosen curve: business rises,
entertainment declines, politics spikes in July, sport follows a seasonal wave, tech steps up
in October. topicnmf fits five topics to the dated corpus and writes topics_over_time.csv; each
section's topic (matched by the Hungarian algorithm on the section x dominant-topic counts)
must follow its planted curve: correlation >= 0.9 and mean absolute error <= 0.05 per month.
scikit-learn's NMF on the same TF-IDF matrix, its shares computed the same way, runs beside.

    python benchmarks/bench_time.py            # the planted check (about 30 s)
    python benchmarks/bench_time.py --sotu     # State of the Union, 1790-2021, by decade
"""

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpora import CORPORA  # noqa: E402

MONTHS = 12
CURVES = {  # relative monthly frequency of each section, m = 0 .. 11
    "business": ("rise", lambda m: 1 + 3 * m / (MONTHS - 1)),
    "entertainment": ("decline", lambda m: 4 - 3 * m / (MONTHS - 1)),
    "politics": ("spike in July", lambda m: 6.0 if m == 6 else 1.0),
    "sport": ("seasonal wave", lambda m: 2.5 + 1.5 * np.sin(2 * np.pi * m / MONTHS)),
    "tech": ("step up in October", lambda m: 4.0 if m >= 9 else 1.5),
}


def _counts(n, weights):
    """``n`` split in proportion to ``weights`` (largest remainders), summing to ``n``."""
    exact = n * np.asarray(weights, dtype=float) / np.sum(weights)
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def planted_rows(path, seed=0):
    """(rows with a planted 'date', planted share DataFrame: month x section) of BBC news."""
    rng = np.random.default_rng(seed)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    by_label = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row)
    counts = {}
    out = []
    for label, (_, curve) in CURVES.items():
        docs = by_label[label]
        counts[label] = _counts(len(docs), [curve(m) for m in range(MONTHS)])
        months = np.repeat(np.arange(MONTHS), counts[label])
        for row, month in zip((docs[i] for i in rng.permutation(len(docs))), months):
            day = int(rng.integers(1, 29))
            out.append(row | {"date": f"2005-{month + 1:02d}-{day:02d}"})
    table = pd.DataFrame(counts, index=[f"2005-{m + 1:02d}" for m in range(MONTHS)])
    return out, table.div(table.sum(axis=1), axis=0)


def matched_topics(labels, dominant, sections):
    """{section: topic number} by the Hungarian algorithm on section x dominant-topic counts."""
    table = pd.crosstab(pd.Series(labels, name="label"), pd.Series(dominant, name="topic"))
    table = table.reindex(index=sections, fill_value=0)
    rows, cols = linear_sum_assignment(-table.to_numpy())
    return {table.index[r]: int(table.columns[c]) for r, c in zip(rows, cols)}


def monthly_shares(weights, months, periods):
    """period x topic shares of normalized document weights, as topicnmf defines them."""
    weights = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    frame = pd.DataFrame(weights, columns=range(1, weights.shape[1] + 1))
    frame["period"] = months
    mass = frame.groupby("period").sum().reindex(periods)
    return mass.div(mass.sum(axis=1), axis=0)


def score(planted, recovered, match):
    """Per section: curve, topic, correlation and mean absolute error per month."""
    rows = []
    for section, topic in match.items():
        p, r = planted[section].to_numpy(), recovered[topic].to_numpy()
        rows.append({"section": section, "curve": CURVES[section][0], "topic": topic,
                     "corr": float(np.corrcoef(p, r)[0, 1]), "mae": float(np.abs(p - r).mean())})
    return pd.DataFrame(rows)


def planted_check(path=CORPORA / "bbc-news.jsonl.gz", seed=0, peer=True):
    """(topicnmf table, scikit-learn table or None, planted shares)."""
    from topicnmf import pipeline

    rows, planted = planted_rows(path, seed)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bbc-dated.jsonl"
        source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        result = pipeline.run(source, n_topics=5, formats=("csv",)).result
    table = result.timeline.topics_over_time()
    recovered = table.pivot(index="period", columns="topic", values="share")
    doc_topics = result.topics.doc_topics
    match = matched_topics(doc_topics["label"], doc_topics["dominant_topic"], list(CURVES))
    ours = score(planted, recovered, match)
    theirs = None
    if peer:
        from sklearn.decomposition import NMF

        W = NMF(5, init="nndsvd", random_state=0, max_iter=400).fit_transform(result.dtm.X)
        months = [r["date"][:7] for r in rows]
        shares = monthly_shares(W, months, planted.index)
        theirs = score(planted, shares, matched_topics([r["label"] for r in rows],
                                                       W.argmax(axis=1) + 1, list(CURVES)))
    return ours, theirs, planted


def sotu(path=CORPORA / "state-of-the-union.jsonl.gz", k=10):
    """Per topic: top terms, its decade of peak share, the share then, and its first and last
    decade above 10%."""
    from topicnmf import pipeline

    result = pipeline.run(path, n_topics=k, formats=("csv",)).result
    table = result.timeline.topics_over_time().pivot(index="period", columns="topic", values="share")
    rows = []
    for t in table.columns:
        above = table.index[table[t] > 0.10]
        rows.append({"topic": t, "terms": ", ".join(result.topics.top_terms(t)[:7]),
                     "peak": table[t].idxmax(), "peak share": round(float(table[t].max()), 2),
                     "above 10%": f"{above[0]} .. {above[-1]}" if len(above) else "-"})
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sotu", action="store_true", help="the State of the Union run instead")
    parser.add_argument("--seed", type=int, default=0, help="seed of the planted dates")
    args = parser.parse_args(argv)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 70)
    if args.sotu:
        print(sotu().to_string(index=False))
        return
    ours, theirs, _ = planted_check(seed=args.seed)
    table = ours.rename(columns={"topic": "topic", "corr": "corr", "mae": "MAE"})
    if theirs is not None:
        table["sklearn corr"] = theirs["corr"].to_numpy()
        table["sklearn MAE"] = theirs["mae"].to_numpy()
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    ok = (ours["corr"] >= 0.9).all() and (ours["mae"] <= 0.05).all()
    print(f"planted curves recovered (corr >= 0.9, MAE <= 0.05 for every section): {ok}")


if __name__ == "__main__":
    main()
