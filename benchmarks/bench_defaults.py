"""Which defaults give the best topics? Each variant changes one setting from topicnmf's
defaults and is scored on the same corpora, so every default is a measured choice.

Per corpus, k and variant it prints: mean NPMI of the top 10 terms (document co-occurrence,
in topicnmf's own tokens with nothing removed, as in bench_quality.py), topic diversity,
NMI of the dominant topic against the labels, the vocabulary size, iterations and seconds
of the factorization.

    python benchmarks/bench_defaults.py                      # BBC k=5, Debian k=20 and 50
    python benchmarks/bench_defaults.py --cases bbc:5 --variants default stem
"""

import argparse
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from _corpora import load, topicnmf_reference
from topicnmf import evaluate
from topicnmf.clean import drop_lines, repeated_lines
from topicnmf.nmf import factorize
from topicnmf.config import DEFAULT_INIT
from topicnmf.preprocess import Analyzer, PreprocessOptions, analyze
from topicnmf.topics import balance
from topicnmf.vectorize import VectorizeOptions, vectorize


P, V = PreprocessOptions(), VectorizeOptions()
# name -> (preprocess options, vectorize options, factorize options, drop lines in >= N documents)
VARIANTS = {
    "default": (P, V, {}, None),
    "no sublinear tf": (P, replace(V, sublinear_tf=False), {}, None),
    "stemming": (replace(P, stem=True), V, {}, None),
    "scikit-learn stop words only": (replace(P, stop_words=frozenset(ENGLISH_STOP_WORDS)), V, {}, None),
    "max_df 0.5": (P, replace(V, max_df=0.5), {}, None),
    "min_df 5": (P, replace(V, min_df=5), {}, None),
    "init nndsvda": (P, V, {"init": "nndsvda"}, None),
    "drop lines in >= 5 docs": (P, V, {}, 5),
    "drop lines in >= 20 docs": (P, V, {}, 20),
    "L1 alpha 1e-6": (P, V, {"alpha_W": 1e-6, "l1_ratio": 1.0}, None),
    "L1 alpha 1e-5": (P, V, {"alpha_W": 1e-5, "l1_ratio": 1.0}, None),
    "L2 alpha 1e-5": (P, V, {"alpha_W": 1e-5, "l1_ratio": 0.0}, None),
    "L2 alpha 1e-4": (P, V, {"alpha_W": 1e-4, "l1_ratio": 0.0}, None),
    "KL loss (mu)": (P, V, {"beta_loss": "kullback-leibler", "init": "nndsvda"}, None),
    "dominant topic from raw W": (P, V, {}, None),
}
RAW_W = {"dominant topic from raw W"}  # skip topics.balance when reading the dominant topic






def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["bbc:5", "debian:20", "debian:50"], metavar="CORPUS:K")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="NAME")
    args = parser.parse_args(argv)
    factorize(sp.random(30, 20, density=0.3, format="csr", random_state=0), 2)  # compile the kernels
    print("| corpus | k | variant | NPMI | diversity | NMI | terms | iterations | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    cases = {}
    for case in args.cases:
        name, k = case.split(":")
        cases.setdefault(name, []).append(int(k))
    for name, ks in cases.items():
        texts, labels = load(name)
        references = {}
        for variant in args.variants:
            pre, vec, nmf, min_docs = VARIANTS[variant]
            docs = texts
            if min_docs:
                lines = repeated_lines(texts, 1e-12, min_documents=min_docs)
                docs = [drop_lines(t, lines) for t in texts]
            if pre.stem not in references:
                references[pre.stem] = topicnmf_reference(texts, pre.stem)
            R, index = references[pre.stem]
            dtm = vectorize(analyze(docs, Analyzer(pre)), [str(i) for i in range(len(docs))], vec)
            for k in ks:
                start = time.perf_counter()
                fit = factorize(dtm.X, k, random_state=0, **({"init": DEFAULT_INIT} | nmf))
                seconds = time.perf_counter() - start
                W, H = (fit.W, fit.H) if variant in RAW_W else balance(fit.W, fit.H)
                top = evaluate.top_term_indices(H, 10)
                top_ref = np.array([[index[dtm.terms[j]] for j in row] for row in top])
                dominant = [int(d) if W[i, d] > 0 else None for i, d in enumerate(W.argmax(axis=1))]
                nmi = evaluate.label_agreement(dominant, labels).nmi
                print(f"| {name} | {k} | {variant} | {evaluate.npmi(R, top_ref).mean():.3f} | "
                      f"{evaluate.diversity(top_ref):.2f} | {nmi:.3f} | {dtm.shape[1]} | {fit.n_iter} | "
                      f"{seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
