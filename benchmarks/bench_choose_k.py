"""Choosing k: the count ``--topics auto`` recommends against a known number of planted
subjects, and on every shared corpus.

Planted corpora are mixtures of labelled subjects: subsets of the bundled corpus's six
subjects (about 21 short guides each), subsets of BBC news's five sections (all of their
articles, or 100 drawn from each for a small corpus), and the six guides' subjects together
with BBC sections. Each row is ``pipeline.sweep(corpus, n_topics="auto")`` with the default
range 3:12 (extended when the best k is at its top, as ``--topics auto`` does), so the
recommendation is the one ``topicnmf run DIR --topics auto`` fits.

    python benchmarks/bench_choose_k.py                 # every case (a few minutes)
    python benchmarks/bench_choose_k.py --cases guides  # cases whose name holds a word
"""

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np

from _corpora import CORPORA, load
from topicnmf import pipeline
from topicnmf.corpus import from_texts, read_corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("bbc-news", "lee-background", "state-of-the-union", "inaugural-addresses", "enwiki-sample")


def _guides():
    corpus = read_corpus(ROOT / "corpora" / "field-guides", folder_labels=True)
    return corpus.texts, corpus.metadata()["label"]


def _pick(texts, labels, subjects, per_subject=None, seed=0):
    """The documents of ``subjects`` (at most ``per_subject`` of each, drawn at random)."""
    rng = np.random.default_rng(seed)
    out_t, out_l = [], []
    for subject in subjects:
        rows = [i for i, label in enumerate(labels) if label == subject]
        if per_subject is not None and per_subject < len(rows):
            rows = sorted(rng.choice(rows, size=per_subject, replace=False).tolist())
        out_t += [texts[i] for i in rows]
        out_l += [labels[i] for i in rows]
    return out_t, out_l


def planted_cases():
    """(name, planted k, texts, labels) of the planted-subject corpora."""
    guides_t, guides_l = _guides()
    subjects = sorted(set(guides_l))
    cases = [(f"guides: {', '.join(s)}", len(s), *_pick(guides_t, guides_l, s))
             for s in (subjects[:3], subjects[2:6], subjects[1:6], subjects)]
    if (CORPORA / "bbc-news.jsonl.gz").exists():
        bbc_t, bbc_l = load("bbc")
        sections = sorted(set(bbc_l))
        for chosen in (sections[:3], sections[1:5], sections):
            cases.append((f"bbc: {', '.join(chosen)}", len(chosen), *_pick(bbc_t, bbc_l, chosen)))
            cases.append((f"bbc, 100 each: {', '.join(chosen)}", len(chosen),
                          *_pick(bbc_t, bbc_l, chosen, per_subject=100)))
        for chosen in (sections[:2], sections):
            t, lab = _pick(bbc_t, bbc_l, chosen, per_subject=40)
            cases.append((f"guides + bbc, 40 each: {', '.join(chosen)}", 6 + len(chosen),
                          guides_t + t, guides_l + lab))
    return cases


def shared_cases():
    """(name, number of labels or None, texts, labels) of the shared corpora present."""
    out = []
    for name in SHARED:
        path = CORPORA / f"{name}.jsonl.gz"
        if path.exists():
            rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
            labels = [r.get("label") for r in rows]
            out.append((name, None, [r["text"] for r in rows],
                        labels if any(x is not None for x in labels) else None))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="", help="only cases whose name holds this word")
    parser.add_argument("--range", default="3:12", help="topic_range (default 3:12)")
    args = parser.parse_args()
    print("| corpus | documents | planted k | recommended k | stability (90% interval) "
          "| term stability | caution | seconds |")
    print("| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |")
    for name, planted, texts, labels in planted_cases() + shared_cases():
        if args.cases not in name:
            continue
        corpus = from_texts(texts, labels=labels, source=name)
        start = time.perf_counter()
        result = pipeline.sweep(corpus, n_topics="auto", topic_range=args.range)
        seconds = time.perf_counter() - start
        row = result.scores[result.scores["recommended"]].iloc[0]
        caution = "no k stable" if "Caution" in result.reason else ""
        if "extended" in result.reason:
            caution = (caution + "; " if caution else "") + f"range extended to {result.scores['k'].max()}"
        print(f"| {name} | {len(texts)} | {planted if planted else '-'} | {result.recommended} "
              f"| {row['stability']:.2f} ({row['stability_low']:.2f}-{row['stability_high']:.2f}) "
              f"| {row['term_stability']:.2f} | {caution} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
