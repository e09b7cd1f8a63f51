"""Topic quality: topicnmf's defaults against scikit-learn's TfidfVectorizer + NMF and
LatentDirichletAllocation, side by side in one run.

For each corpus and k it prints, per system:

- NPMI: mean NPMI coherence of each topic's top 10 terms, from document co-occurrence in the
  corpus itself. Every system is scored in its own tokenization with nothing removed (its
  token pattern, no stop words, no document-frequency cut), so a top term such as "said" that
  one system leaves in is scored, not silently dropped. For scikit-learn NMF on BBC k=5 this
  reproduces the issue's numbers (NPMI 0.297, diversity 0.94, NMI 0.776).
- diversity: share of distinct terms among all top-10 lists.
- NMI / AMI: dominant topic against the corpus labels (all documents).
- seeds: mean matched top-10 agreement (Hungarian matching, average Jaccard) between every
  two of ``--seeds`` fits from random starts (random init for the NMFs, random_state for
  LDA). topicnmf's default start (nndsvd) is deterministic: reruns give identical topics.
- subsample: Greene et al. (2014) stability, refits on ``--runs`` random 80% subsamples
  matched to the full fit.
- seconds: wall time of one default fit, vectorizing included (topicnmf warmed up first, so
  the one-off compilation of its kernels is not counted).

With ``--ensemble N`` a row for ``topicnmf --ensemble N`` (ensemble NMF) follows topicnmf's:
its subsample stability is measured the same way, each refit on a subsample being an ensemble
of N fits on subsamples of that subsample (the method as a user runs it), matched to the
ensemble fitted on all documents; its seeds column is not measured ("-"). ``--no-refine``
measures the ensemble without its refit from the consensus (``--no-ensemble-refine``).

    python benchmarks/bench_quality.py                        # BBC k=5, Debian k=20 and 50
    python benchmarks/bench_quality.py --cases bbc:5 --seeds 10 --runs 5
    python benchmarks/bench_quality.py --cases debian:20 --ensemble 40 --systems topicnmf
    python benchmarks/bench_quality.py --cases debian:20 --ensemble 40 --systems topicnmf --quick

``--docs N`` scores a random N of each corpus's documents (the same N for every system);
``--quick`` is ``--docs 10000 --seeds 2``: a screening run in minutes.
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from _corpora import load, topicnmf_reference
from topicnmf import evaluate, pipeline
from topicnmf.corpus import from_texts
from topicnmf.ensemble import factorize_ensemble
from topicnmf.nmf import factorize
from topicnmf.stability import subsample_stability

N_TOP = 10
QUICK_DOCS = 10000


def sample(texts, labels, docs):
    """A random ``docs`` of the documents (seed 0, in corpus order); all when None or more."""
    if docs is None or docs >= len(texts):
        return texts, labels
    rows = np.sort(np.random.default_rng(0).choice(len(texts), docs, replace=False))
    return [texts[i] for i in rows], [labels[i] for i in rows]


def seed_agreement(tops):
    A = evaluate.pairwise_agreement(tops)
    return float(A[np.triu_indices(len(tops), 1)].mean()) if len(tops) > 1 else 1.0


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def run_topicnmf(texts, labels, k, seeds, runs):
    corpus = from_texts(texts, labels=labels)
    start = time.perf_counter()
    result = pipeline.fit(corpus, n_topics=k)
    seconds = time.perf_counter() - start
    X = result.dtm.X
    top = evaluate.top_term_indices(result.topics.H, N_TOP)
    seed_tops = [evaluate.top_term_indices(factorize(X, k, init="random", random_state=s).H, N_TOP)
                 for s in range(seeds)]
    _, subsample = evaluate.stability(X, result.topics.H, n_runs=runs, options=result.config.nmf)
    R, index = topicnmf_reference(texts)
    top_ref = np.array([[index[result.dtm.terms[j]] for j in row] for row in top])
    dominant = result.topics.doc_topics["dominant_topic"].tolist()
    return R, top_ref, dominant, seed_agreement(seed_tops), subsample, seconds


def run_ensemble(texts, labels, k, members, runs, refine=True):
    """topicnmf --ensemble ``members``: as run_topicnmf, its subsample refits ensembles too."""
    corpus = from_texts(texts, labels=labels)
    start = time.perf_counter()
    result = pipeline.fit(corpus, n_topics=k, ensemble=members, ensemble_refine=refine)
    seconds = time.perf_counter() - start
    X, options = result.dtm.X, result.config.nmf

    def refit(X_sub, k, seed):  # the method itself on a subsample
        return factorize_ensemble(X_sub, k, members=members, options=options, seed=seed,
                                  refine=refine)[0]

    subsample = subsample_stability(X, result.topics.W, result.topics.H, n_runs=runs, n_top=N_TOP,
                                    options=options, refit=refit).term_mean
    top = evaluate.top_term_indices(result.topics.H, N_TOP)
    R, index = topicnmf_reference(texts)
    top_ref = np.array([[index[result.dtm.terms[j]] for j in row] for row in top])
    dominant = result.topics.doc_topics["dominant_topic"].tolist()
    return R, top_ref, dominant, None, subsample, seconds


def run_sklearn(texts, k, seeds, runs, kind):
    if kind == "nmf":
        vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.95)

        def make(seed=0, init="nndsvda"):
            return SkNMF(k, init=init, random_state=seed)
    else:
        vec = CountVectorizer(stop_words="english", min_df=2, max_df=0.95)

        def make(seed=0, init=None):
            return LatentDirichletAllocation(k, learning_method="batch", random_state=seed, n_jobs=1)
    start = time.perf_counter()
    X = vec.fit_transform(texts)
    model = quiet(make().fit, X)
    W = model.transform(X)
    seconds = time.perf_counter() - start
    top = evaluate.top_term_indices(model.components_, N_TOP)
    seed_tops = [evaluate.top_term_indices(quiet(make(s, "random").fit, X).components_, N_TOP)
                 for s in range(seeds)]
    rng = np.random.default_rng(0)
    subsample = []
    for _ in range(runs):
        rows = np.sort(rng.choice(X.shape[0], size=int(0.8 * X.shape[0]), replace=False))
        refit = evaluate.top_term_indices(quiet(make().fit, X[rows]).components_, N_TOP)
        subsample.append(evaluate.match_topics(top, refit).mean)
    # reference: scikit-learn's own token pattern with nothing removed
    reference = CountVectorizer(binary=True)
    R = reference.fit_transform(texts)
    terms = vec.get_feature_names_out()
    top_ref = np.array([[reference.vocabulary_[terms[j]] for j in row] for row in top])
    return R, top_ref, list(W.argmax(axis=1) + 1), seed_agreement(seed_tops), float(np.mean(subsample)), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["bbc:5", "debian:20", "debian:50"], metavar="CORPUS:K")
    parser.add_argument("--seeds", type=int, default=10, help="random starts for seed agreement")
    parser.add_argument("--runs", type=int, default=3, help="subsample refits for stability")
    parser.add_argument("--lda-seeds", type=int, default=None,
                        help="random starts for LDA (default: --seeds; LDA takes minutes a fit on Debian)")
    parser.add_argument("--lda-runs", type=int, default=None, help="subsample refits for LDA (default: --runs)")
    parser.add_argument("--systems", nargs="+", default=["topicnmf", "sklearn NMF", "sklearn LDA"],
                        choices=["topicnmf", "sklearn NMF", "sklearn LDA"], metavar="NAME",
                        help="systems to run (default: all three)")
    parser.add_argument("--ensemble", type=int, default=0, metavar="N",
                        help="also topicnmf --ensemble N (ensemble NMF; default: not run)")
    parser.add_argument("--no-refine", action="store_true",
                        help="the ensemble without its refit from the consensus (--no-ensemble-refine)")
    parser.add_argument("--docs", type=int, default=None, metavar="N",
                        help="a random N of each corpus's documents (default: all)")
    parser.add_argument("--quick", action="store_true", help="--docs 10000 --seeds 2 (screening)")
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.seeds = args.docs or QUICK_DOCS, 2
    lda_seeds = args.seeds if args.lda_seeds is None else args.lda_seeds
    lda_runs = args.runs if args.lda_runs is None else args.lda_runs
    factorize(sp.random(30, 20, density=0.3, format="csr", random_state=0), 2)  # compile the kernels
    print("| corpus | k | system | NPMI | diversity | NMI | AMI | seeds | subsample | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        name, k = case.split(":")
        k = int(k)
        texts, labels = load(name)
        n_all = len(texts)
        texts, labels = sample(texts, labels, args.docs)
        systems = {
            "topicnmf": lambda: run_topicnmf(texts, labels, k, args.seeds, args.runs),  # noqa: B023
            "sklearn NMF": lambda: run_sklearn(texts, k, args.seeds, args.runs, "nmf"),  # noqa: B023
            "sklearn LDA": lambda: run_sklearn(texts, k, lda_seeds, lda_runs, "lda"),  # noqa: B023
        }
        ensemble = f"topicnmf --ensemble {args.ensemble}" + (" --no-ensemble-refine" if args.no_refine else "")
        systems[ensemble] = lambda: run_ensemble(texts, labels, k, args.ensemble, args.runs,  # noqa: B023
                                                 refine=not args.no_refine)
        chosen = [s for label in args.systems for s in ([label, ensemble] if label == "topicnmf" else [label])]
        for label in (chosen if args.ensemble else args.systems):
            R, top, dominant, seeds, subsample, seconds = systems[label]()
            agreement = evaluate.label_agreement(dominant, labels)
            print(f"| {name}{'' if len(texts) == n_all else f' ({len(texts)})'} | {k} | {label} | {evaluate.npmi(R, top).mean():.3f} | "
                  f"{evaluate.diversity(top):.2f} | {agreement.nmi:.3f} | {agreement.ami:.3f} | "
                  f"{'-' if seeds is None else f'{seeds:.2f}'} | {subsample:.3f} | {seconds:.1f} |", flush=True)


# -- mail and news archives (issue 11, part A) ------------------------------------------------

RESIDUE_TOKEN = r"[^\W_]+(?:['\u2019][^\W_]+)*"
JUNK_FLAGS = ("metadata", "codes", "few_authors")


def bench_mail(kinds=("usenet", "mbox"), k=6, seed=0):
    """topicnmf's defaults on raw mail-style input (make_mail_corpora.py: BBC bodies dressed as
    news posts or mbox messages, plus commodity code tables) against scikit-learn's
    best-practice NMF on the clean bodies the generator knows, and on the raw input.

    residue: top-10 terms (over all topics) found in the generated apparatus (headers,
    attributions, signatures, blobs, markup) and in no clean body. flags: the junk flags that
    fired, as topic:flag, with the majority label of the topic's documents; the code tables
    are the one junk subject."""
    import re
    import tempfile
    from pathlib import Path

    from collections import Counter

    from make_mail_corpora import generate, read_ids, write
    from topicnmf.config import RunConfig
    from topicnmf.corpus import read_corpus
    from topicnmf.preprocess import Analyzer

    texts, labels = load("bbc")
    token = re.compile(RESIDUE_TOKEN)
    print("| corpus | system | input | NMI | AMI | residue in top-10 | junk flags (topic:flag=majority label) |")
    print("|---|---|---|---|---|---|---|")
    exactness = []
    for kind in kinds:
        messages = generate(texts, labels, kind, seed=seed)
        clean = [m[3] for m in messages]
        body_words = {w.lower() for text in clean for w in token.findall(text)}
        residue = {w.lower() for m in messages for w in token.findall(m[2])} - body_words
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / kind
            truth = write(messages, folder)
            for mode in ("auto", "never"):
                config = RunConfig(n_topics=k, preprocess=RunConfig().preprocess.__class__(clean_email=mode))
                result = pipeline.fit(str(folder), config)
                docs = result.topics.doc_topics
                gold = [truth[d] for d in docs["doc_id"]]
                agreement = evaluate.label_agreement(docs["dominant_topic"].tolist(), gold)
                tops = [result.topics.top_terms(t + 1) for t in range(result.n_topics)]
                leaked = sorted({w for terms in tops for w in terms} & residue)
                flags = []
                for t, q in enumerate(result.quality, start=1):
                    members = [g for g, d in zip(gold, docs["dominant_topic"]) if d == t]
                    major = max(set(members), key=members.count) if members else "-"
                    flags += [f"{t}:{f}={major}" for f in q.flags if f in JUNK_FLAGS]
                print(f"| {kind} | topicnmf (--clean-email {mode}) | raw | {agreement.nmi:.3f} | {agreement.ami:.3f} | "
                      f"{len(leaked)} {' '.join(leaked[:8])} | {' '.join(flags) or 'none'} |", flush=True)
                if mode == "auto":  # the kept text against the clean bodies, word for word
                    analyzer, bodies = Analyzer(result.preprocessing), dict(zip(read_ids(messages), clean))
                    missing = extra = words = 0
                    for doc in read_corpus(folder).documents:
                        kept = Counter(w.lower() for w in token.findall(analyzer.clean(doc.text)))
                        wanted = Counter(w.lower() for w in token.findall(bodies[doc.id]))
                        missing += sum((wanted - kept).values())
                        extra += sum((kept - wanted).values())
                        words += sum(wanted.values())
                    exactness.append(f"{kind}: {result.preprocessing.cleaning.summary()}; of the clean bodies' "
                                     f"{words} words {missing} missing, {extra} extra words kept; "
                                     f"{len(result.preprocessing.signatures)} signatures learned")
        gold = [m[1] for m in messages]
        for name, corpus in (("clean bodies", clean), ("raw", [m[2] for m in messages])):
            vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.95)
            X = vec.fit_transform(corpus)
            model = quiet(SkNMF(k, init="nndsvda", random_state=seed).fit, X)
            dominant = list(model.transform(X).argmax(axis=1) + 1)
            agreement = evaluate.label_agreement(dominant, gold)
            terms = vec.get_feature_names_out()
            leaked = sorted({terms[j] for row in evaluate.top_term_indices(model.components_, N_TOP) for j in row}
                            & residue)
            print(f"| {kind} | sklearn NMF | {name} | {agreement.nmi:.3f} | {agreement.ami:.3f} | "
                  f"{len(leaked)} {' '.join(leaked[:8])} | n/a |", flush=True)
    print("\n".join(["", *exactness]))


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--mail"]:  # python benchmarks/bench_quality.py --mail
        bench_mail()
    else:
        main()
