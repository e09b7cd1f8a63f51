"""Anchored topics on BBC: do anchors help where the unguided fit fails, and never hurt?

1. BBC, five sections, k=5: label agreement (NMI) unguided vs two or three anchor words per section;
   each anchored topic should hold its name (the section it dominates is its own).
2. BBC with its sport section split by keywords in the text into football, rugby, athletics
   and tennis (the rest of sport kept as 'sport, other'), k=8: the unguided fit merges the
   sports; per sport the F1 of the best unguided topic (documents whose dominant topic it is
   vs the sport's documents) beside the F1 of the anchored topic, for a seeded start only
   (--anchor-strength 0: the topic drifts), the default pull (1) and a hard one (100), with
   how many anchor words stay in the topic's top 10.
3. A contradicting anchor (a politics word among sport's): what the report says.

Run:  PYTHONPATH=$PWD python benchmarks/bench_steer.py
"""

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpora import CORPORA  # noqa: E402

from topicnmf import pipeline  # noqa: E402
from topicnmf.config import RunConfig  # noqa: E402
from topicnmf.corpus import ReadOptions  # noqa: E402

TWO_WORDS = {
    "business": ["shares", "economy"],
    "entertainment": ["film", "album"],
    "politics": ["election", "minister"],
    "sport": ["match", "coach"],
    "tech": ["software", "computer"],
}
SECTIONS = {  # three words, one of them ("music") also common in tech stories
    "business": ["shares", "profits", "economy"],
    "entertainment": ["film", "music", "band"],
    "politics": ["labour", "election", "tory"],
    "sport": ["match", "team", "coach"],
    "tech": ["software", "users", "mobile"],
}
SPORT_KEYWORDS = {  # how a sport story is labelled (its most frequent keyword group)
    "football": r"\b(football|premiership|striker|chelsea|arsenal|goalkeeper|uefa)\b",
    "tennis": r"\b(tennis|wimbledon|federer|roddick|grand slam)\b",
    "rugby": r"\b(rugby|six nations|try|scrum|lions)\b",
    "athletics": r"\b(athletics|marathon|sprinter|indoor|holmes|olympic)\b",
}
STRENGTHS_5 = (0.3, 1.0)
STRENGTHS = (0.0, 1.0, 100.0)  # a seeded start only; the default pull; held at the target
SPORTS = {  # the anchors: other words than most of the labelling keywords
    "football": ["football", "club", "premiership"],
    "tennis": ["tennis", "seed", "open"],
    "rugby": ["rugby", "nations", "wales"],
    "athletics": ["athletics", "race", "olympic"],
}


def rows():
    with gzip.open(CORPORA / "bbc-news.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def sport_of(text):
    counts = {k: len(re.findall(p, text.lower())) for k, p in SPORT_KEYWORDS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] else "sport, other"


def fit(path, k, anchors=None, strength=None):
    with tempfile.TemporaryDirectory() as tmp:
        toml = None
        if anchors:
            toml = Path(tmp) / "anchors.toml"
            toml.write_text("[anchors]\n" + "".join(f"{json.dumps(n)} = {json.dumps(w)}\n"
                                                   for n, w in anchors.items()))
        config = RunConfig(n_topics=k, read=ReadOptions(label_column="label"),
                           anchors=None if toml is None else str(toml), anchor_strength=strength)
        return pipeline.fit(str(path), config)


def f1(dominant, labels, topic, subject):
    mine, theirs = dominant == topic, labels == subject
    hit = float((mine & theirs).sum())
    return 2 * hit / (mine.sum() + theirs.sum()) if hit else 0.0


def held(result, name, words):
    """How many of the anchor words are in the top 10 of the topic named ``name``."""
    topic = int(result.topics.prevalence.set_index("label").loc[name, "topic"])
    top = set(result.topics.top_terms(topic)[:10])
    return sum(w in top for w in words), topic


def main():
    data = rows()
    with tempfile.TemporaryDirectory() as tmp:
        five = Path(tmp) / "bbc.jsonl"
        five.write_text("".join(json.dumps({"id": r["id"], "text": r["text"], "label": r["label"]}) + "\n"
                                for r in data))
        labels = np.array([r["label"] for r in data])
        print("## BBC, five sections, k=5\n")
        print("| fit | NMI | anchored topics holding their section |")
        print("| --- | --- | --- |")
        fits = [("unguided", None, None)] + [
            (f"anchored, {words}, strength {s:g}", anchors, s) for words, anchors in (
                ("2 words per section", TWO_WORDS), ("3 words per section", SECTIONS))
            for s in STRENGTHS_5]
        for name, anchors, strength in fits:
            r = fit(five, 5, anchors, strength)
            dom = r.topics.doc_topics["dominant_topic"].to_numpy(dtype=float)
            nmi = normalized_mutual_info_score(labels, dom)
            holds = ""
            if anchors:
                named = dict(zip(r.topics.prevalence["topic"], r.topics.prevalence["label"]))
                ok = [named[int(t)] == s for s, t in ((s, _mode(dom[labels == s])) for s in anchors)]
                holds = f"{sum(ok)} of {len(ok)}"
            print(f"| {name} | {nmi:.3f} | {holds} |")

        split = Path(tmp) / "bbc-sports.jsonl"
        sub = [sport_of(r["text"]) if r["label"] == "sport" else r["label"] for r in data]
        split.write_text("".join(json.dumps({"id": r["id"], "text": r["text"], "label": s}) + "\n"
                                 for r, s in zip(data, sub)))
        sub = np.array(sub)
        k = 8
        print(f"\n## BBC with sport split into {', '.join(SPORTS)} (+ 'sport, other'), k={k}\n")
        free = fit(split, k)
        fdom = free.topics.doc_topics["dominant_topic"].to_numpy(dtype=float)
        runs = {s: fit(split, k, SPORTS, s) for s in STRENGTHS}
        print("| sport | documents | best unguided topic F1 | "
              + " | ".join(f"anchored F1, strength {s:g}" for s in STRENGTHS)
              + " | anchor words in its top 10, strength " + " / ".join(f"{s:g}" for s in STRENGTHS) + " |")
        print("| --- " * (3 + len(STRENGTHS)) + "| --- |")
        for sport, words in SPORTS.items():
            best = max(f1(fdom, sub, t, sport) for t in range(1, k + 1))
            cells = []
            kept = []
            for s, r in runs.items():
                n_held, topic = held(r, sport, words)
                dom = r.topics.doc_topics["dominant_topic"].to_numpy(dtype=float)
                cells.append(f"{f1(dom, sub, topic, sport):.2f}")
                kept.append(f"{n_held}/{len(words)}")
            print(f"| {sport} | {(sub == sport).sum()} | {best:.2f} | {' | '.join(cells)} | "
                  f"{' / '.join(kept)} |")
        for s, r in (("unguided", free), ("anchored (strength 1)", runs[1.0])):
            dom = r.topics.doc_topics["dominant_topic"].to_numpy(dtype=float)
            print(f"\n{s}: NMI against the nine subjects {normalized_mutual_info_score(sub, dom):.3f}")

        print("\n## A contradicting anchor: sport = match, team, election\n")
        r = fit(five, 5, {"sport": ["match", "team", "election"]})
        for c in r.anchors:
            print(f"- {c.message('anchors.toml')}")


def _mode(values):
    values = values[~np.isnan(values)]
    return int(np.bincount(values.astype(int)).argmax())


if __name__ == "__main__":
    main()
