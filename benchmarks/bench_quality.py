"""Topic quality: topicnmf's defaults against scikit-learn's TfidfVectorizer + NMF and
LatentDirichletAllocation, side by side in one run.

For each corpus and k it prints, per system: mean NPMI coherence of the top 10 terms (from
document co-occurrence in the corpus, the same tokenization for every system: each system's
top terms are mapped to topicnmf's vocabulary), topic diversity, NMI and AMI between dominant
topic and the corpus labels, stability (mean matched top-10 agreement of refits on 80%
subsamples) and wall time.

    python benchmarks/bench_quality.py                       # BBC k=5, Debian k=20
    python benchmarks/bench_quality.py --cases bbc:5 --runs 5
"""

import argparse
import gzip
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from topicnmf import evaluate, pipeline
from topicnmf.corpus import from_texts
from topicnmf.preprocess import Analyzer, analyze
from topicnmf.vectorize import vectorize

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
FILES = {"bbc": "bbc-news.jsonl.gz", "debian": "debian-packages.jsonl.gz"}


def load(name):
    path = CORPORA / FILES[name]
    if not path.exists():
        sys.exit(f"{path} is absent: the benchmark needs ../shared/corpora beside the repository.")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], [r.get("label") for r in rows]


def scores(reference_X, vocab_index, top_words, dominant, labels):
    """NPMI/diversity on the common reference matrix, NMI/AMI against labels."""
    top = [[vocab_index[w] for w in words if w in vocab_index] for words in top_words]
    top = [t for t in top if len(t) >= 2]
    width = min(len(t) for t in top)
    top = np.array([t[:width] for t in top])
    agreement = evaluate.label_agreement(list(dominant), labels) or {"nmi": float("nan"), "ami": float("nan")}
    return {"npmi": float(evaluate.npmi(reference_X, top).mean()),
            "diversity": evaluate.diversity(top), "nmi": agreement["nmi"], "ami": agreement["ami"]}


def run_topicnmf(texts, labels, k, runs):
    corpus = from_texts(texts, labels=labels)
    start = time.perf_counter()
    result = pipeline.fit(corpus, n_topics=k)
    seconds = time.perf_counter() - start
    _, stability = evaluate.stability(result.dtm.X, result.topics.H, n_runs=runs,
                                      init=result.parameters["nmf"]["init"])
    top = evaluate.top_term_indices(result.topics.H, 10)
    words = [[result.dtm.terms[j] for j in row] for row in top]
    dominant = result.topics.doc_topics["dominant_topic"].tolist()
    return words, dominant, stability, seconds


def _sk_stability(fit_top, X, k, runs, make):
    rng = np.random.default_rng(0)
    agreements = []
    for _ in range(runs):
        rows = np.sort(rng.choice(X.shape[0], size=int(0.8 * X.shape[0]), replace=False))
        model = make().fit(X[rows])
        agreements.append(evaluate.match_topics(fit_top, evaluate.top_term_indices(model.components_, 10)).mean)
    return float(np.mean(agreements))


def run_sklearn(texts, k, runs, kind):
    if kind == "nmf":
        vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.95)

        def make():
            return SkNMF(k, init="nndsvda", random_state=0)
    else:
        vec = CountVectorizer(stop_words="english", min_df=2, max_df=0.95)

        def make():
            return LatentDirichletAllocation(k, learning_method="batch", random_state=0, n_jobs=1)
    start = time.perf_counter()
    X = vec.fit_transform(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(X)
        W = model.transform(X)
    seconds = time.perf_counter() - start
    top = evaluate.top_term_indices(model.components_, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stability = _sk_stability(top, X, k, runs, make)
    terms = vec.get_feature_names_out()
    words = [[terms[j] for j in row] for row in top]
    return words, list(W.argmax(axis=1) + 1), stability, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["bbc:5", "debian:20"], metavar="CORPUS:K")
    parser.add_argument("--runs", type=int, default=3, help="subsample refits for stability")
    args = parser.parse_args(argv)
    print("| corpus | k | system | NPMI | diversity | NMI | AMI | stability | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        name, k = case.split(":")
        k = int(k)
        texts, labels = load(name)
        # one reference matrix for coherence: topicnmf's tokenization, every term kept
        dtm = vectorize(analyze(texts, Analyzer()), [str(i) for i in range(len(texts))])
        reference, vocab = dtm.X, {t: i for i, t in enumerate(dtm.terms)}
        systems = {
            "topicnmf": lambda: run_topicnmf(texts, labels, k, args.runs),
            "sklearn NMF": lambda: run_sklearn(texts, k, args.runs, "nmf"),
            "sklearn LDA": lambda: run_sklearn(texts, k, args.runs, "lda"),
        }
        for label, go in systems.items():
            words, dominant, stability, seconds = go()
            s = scores(reference, vocab, words, dominant, labels)
            print(f"| {name} | {k} | {label} | {s['npmi']:.3f} | {s['diversity']:.2f} | {s['nmi']:.3f} | "
                  f"{s['ami']:.3f} | {stability:.2f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
