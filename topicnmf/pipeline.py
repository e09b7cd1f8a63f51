"""The one place that wires the stages together.

    documents -> cleaned text -> tokens -> TF-IDF matrix X -> (W, H) -> topics
    corpus.py    clean.py        preprocess.py  vectorize.py  nmf/      topics.py

``fit`` and ``score`` take values and return values; reading files and writing reports
belong to the shells (``corpus``, ``report``, ``model``, ``cli``).
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from . import __version__
from .errors import CorpusError, ParameterError
from .evaluate import (
    diversity,
    label_agreement,
    npmi,
    pairwise_agreement,
    top_term_indices,
    topic_quality,
)
from .nmf import factorize
from .nmf._factorize import DEFAULT_BETA_LOSS, DEFAULT_MAX_ITER, DEFAULT_SOLVER, DEFAULT_TOL
from .preprocess import Analyzer, PreprocessOptions, analyze, learn_boilerplate
from .resources import check_memory
from .topics import TopicModel, build_topics, doc_topic_table
from .vectorize import DocumentTermMatrix, VectorizeOptions, presence, vectorize, vectorize_with

log = logging.getLogger("topicnmf")

DEFAULT_TOPICS = 10
DEFAULT_TOP_TERMS = 10
DEFAULT_REPRESENTATIVE = 5
DEFAULT_SEED = 0
DEFAULT_INIT = "nndsvd"


@dataclass(frozen=True)
class NMFOptions:
    """Factorization settings for the pipeline. Every default is defined once here or in nmf."""

    solver: str = DEFAULT_SOLVER
    beta_loss: str = DEFAULT_BETA_LOSS
    init: str = DEFAULT_INIT
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER
    seed: int = DEFAULT_SEED
    alpha_W: float = 0.0
    alpha_H: float | str = "same"
    l1_ratio: float = 0.0
    restarts: int = 1  # >1: fit seeds seed, seed+1, ... and keep the consensus solution

    def to_dict(self):
        return asdict(self)

    def solver_options(self):
        """The keyword arguments of :func:`topicnmf.nmf.factorize` these options set (all
        but the seed and the number of restarts)."""
        return dict(init=self.init, solver=self.solver, beta_loss=self.beta_loss, tol=self.tol,
                    max_iter=self.max_iter, alpha_W=self.alpha_W, alpha_H=self.alpha_H,
                    l1_ratio=self.l1_ratio)


@dataclass(frozen=True)
class TopicResult:
    """Everything one run produces; the reports are functions of this value.

    Attributes
    ----------
    corpus : Corpus
    dtm : DocumentTermMatrix
    topics : TopicModel
    n_iter, loss_history, reconstruction_err, relative_error, converged : the fit's record
    parameters : dict of every setting used
    timings : dict of seconds per stage (kept out of the deterministic outputs)
    """

    corpus: object
    dtm: DocumentTermMatrix
    topics: TopicModel
    n_iter: int
    loss_history: np.ndarray
    reconstruction_err: float
    relative_error: float
    converged: bool
    parameters: dict
    quality: tuple = ()  # per topic: npmi, umass, flags (evaluate.topic_quality)
    evaluation: dict = field(default_factory=dict)  # overall scores
    preprocess: PreprocessOptions = PreprocessOptions()
    vectorize_options: VectorizeOptions = VectorizeOptions()
    timings: dict = field(compare=False, default_factory=dict)

    def corpus_stats(self):
        X = self.dtm.X
        n, m = X.shape
        empty = int((np.diff(X.indptr) == 0).sum())
        return {
            "source": self.corpus.source,
            "n_documents": n,
            "n_terms": m,
            "nonzeros": int(X.nnz),
            "density": float(X.nnz / (n * m)) if n and m else 0.0,
            "documents_without_terms": empty,
            "skipped": len(self.corpus.skipped),
            "skipped_files": [{"source": s.source, "reason": s.reason} for s in self.corpus.skipped],
            "legacy_decoded": len(self.corpus.decoded),
            "decoded_files": [{"source": d, "encoding": e} for d, e in self.corpus.decoded],
            "duplicate_ids_renamed": len(self.corpus.renamed),
            "hidden_left_out": self.corpus.hidden,
            "boilerplate_lines": sorted(self.preprocess.boilerplate_lines),
            "empty_topics": [int(t) for t in self.topics.empty_topics()],
        }


class _Cleaned(Sequence):
    """``clean(texts[i])`` on demand: snippets need only the representative documents, not
    a cleaned copy of the whole corpus."""

    def __init__(self, texts, clean):
        self._texts, self._clean = texts, clean

    def __len__(self):
        return len(self._texts)

    def __getitem__(self, i):
        return self._clean(self._texts[i])


@dataclass(frozen=True)
class Prepared:
    """A corpus made ready to factorize: the preprocessing with its learned boilerplate
    lines, the analyzer, and the TF-IDF matrix."""

    preprocess: PreprocessOptions
    vectorize_options: VectorizeOptions
    analyzer: Analyzer
    dtm: DocumentTermMatrix
    timings: dict = field(compare=False, default_factory=dict)


def prepare(corpus, preprocess=PreprocessOptions(), vectorize_options=VectorizeOptions()):
    """Learn boilerplate lines, tokenize and build the TF-IDF matrix of ``corpus``."""
    start = time.perf_counter()
    preprocess = learn_boilerplate(corpus.texts, preprocess)
    if preprocess.boilerplate_lines:
        log.info("%d line(s) found in %.0f%% or more of the documents left out as boilerplate",
                 len(preprocess.boilerplate_lines), 100 * preprocess.repeated_line_share)
    analyzer = Analyzer(preprocess)
    analyzed = analyze(corpus.texts, analyzer)
    timings = {"preprocess": time.perf_counter() - start}

    start = time.perf_counter()
    dtm = vectorize(analyzed, corpus.ids, vectorize_options)
    timings["vectorize"] = time.perf_counter() - start
    log.info("TF-IDF matrix: %d documents x %d terms, %d nonzeros", *dtm.shape, dtm.X.nnz)
    return Prepared(preprocess, vectorize_options, analyzer, dtm, timings)


def fit(
    corpus,
    *,
    n_topics=DEFAULT_TOPICS,
    preprocess=PreprocessOptions(),
    vectorize_options=VectorizeOptions(),
    nmf=NMFOptions(),
    top_terms=DEFAULT_TOP_TERMS,
    n_representative=DEFAULT_REPRESENTATIVE,
    callback=None,
    reference=None,
    prepared=None,
):
    """Fit a topic model to a :class:`~topicnmf.corpus.Corpus`.

    Parameters
    ----------
    corpus : Corpus
    n_topics : int, default=10
    preprocess : PreprocessOptions
    vectorize_options : VectorizeOptions
    nmf : NMFOptions
    top_terms : int, default=10
    n_representative : int, default=5
    callback : callable(iteration, elapsed, loss), optional
        Called after every NMF iteration (the CLI drives its progress bar with it).
    reference : Corpus, optional
        A reference corpus: NPMI is also computed from its documents (read with the same
        preprocessing), as ``npmi_reference`` per topic and ``npmi_reference_mean``.
    prepared : Prepared, optional
        The output of :func:`prepare` for this corpus (then ``preprocess`` and
        ``vectorize_options`` are its own), so a sweep and a fit share one TF-IDF matrix.

    Returns
    -------
    TopicResult
    """
    if isinstance(n_topics, bool) or not isinstance(n_topics, (int, np.integer)) or n_topics < 1:
        raise ParameterError(f"--topics must be a positive integer; got {n_topics!r}.")
    for name, value in (("top_terms", top_terms), ("n_representative", n_representative)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ParameterError(f"{name} must be a positive integer; got {value!r}.")
    if len(corpus) < 2:
        raise CorpusError(
            f"{corpus.source}: only {len(corpus)} usable document; topics need at least two "
            "documents (a folder of files, or a CSV/JSONL file with one document per row)."
        )
    if prepared is None:
        prepared = prepare(corpus, preprocess, vectorize_options)
    preprocess, analyzer, dtm = prepared.preprocess, prepared.analyzer, prepared.dtm
    vectorize_options = prepared.vectorize_options
    timings = dict(prepared.timings)
    n, m = dtm.shape
    check_memory(n, m, dtm.X.nnz, n_topics)
    alpha_H = nmf.alpha_W if nmf.alpha_H == "same" else nmf.alpha_H
    if (nmf.alpha_W > 0) != (alpha_H > 0):
        log.warning("only %s is regularized (alpha_W=%g, alpha_H=%g): the other factor can grow "
                    "without bound to shrink the penalty, so topics drift; set both, or use "
                    "--alpha-W alone (alpha_H follows it)", "W" if nmf.alpha_W > 0 else "H",
                    nmf.alpha_W, alpha_H)
    if n_topics > min(n, m):
        raise ParameterError(
            f"--topics {n_topics} is more than the corpus supports: it has {n} documents and "
            f"{m} terms after filtering; ask for at most {min(n, m)} topics."
        )

    start = time.perf_counter()
    result, consensus = _factorize_with_restarts(dtm.X, n_topics, nmf, top_terms, callback)
    timings["factorize"] = time.perf_counter() - start
    relative_error = result.reconstruction_err / dtm.norm
    log.info("NMF: %d iterations, relative error %.6f", result.n_iter, relative_error)

    start = time.perf_counter()
    topics = build_topics(  # snippets show the cleaned text (no mail headers, no boilerplate)
        result.W, result.H, doc_ids=corpus.ids, texts=_Cleaned(corpus.texts, analyzer.clean),
        display_terms=dtm.display_terms, top_terms=top_terms, n_representative=n_representative,
        metadata=corpus.metadata(),
    )
    timings["topics"] = time.perf_counter() - start
    empty_docs = int((np.diff(dtm.X.indptr) == 0).sum())
    if empty_docs:
        log.warning("%d document(s) have no terms left after preprocessing; they get no "
                    "dominant topic and zero weights", empty_docs)
    empty = topics.empty_topics()
    if empty:
        log.warning("topic(s) %s came out empty: the corpus supports fewer distinct topics "
                    "than %d (repeated documents or too little text); ask for fewer topics",
                    ", ".join(map(str, empty)), n_topics)
    start = time.perf_counter()
    top = top_term_indices(topics.H, top_terms)
    quality = tuple(topic_quality(dtm.X, topics.W, topics.H, top, dtm.display_terms))
    evaluation = {
        "npmi_mean": float(np.mean([q["npmi"] for q in quality])),
        "umass_mean": float(np.mean([q["umass"] for q in quality])),
        "diversity": float(diversity(top)),
        "relative_error": relative_error,
    }
    if reference is not None:
        R = presence(analyze(reference.texts, analyzer), dtm.terms)
        scores = npmi(R, top)
        quality = tuple(q | {"npmi_reference": float(v)} for q, v in zip(quality, scores))
        evaluation["npmi_reference_mean"] = float(scores.mean())
        evaluation["reference"] = {"source": reference.source, "n_documents": len(reference)}
    if consensus:
        evaluation["consensus"] = consensus
    labels = corpus.metadata().get("label")
    if labels is not None:
        agreement = label_agreement(topics.doc_topics["dominant_topic"].tolist(), labels)
        if agreement is not None:
            evaluation["labels"] = agreement
    timings["evaluate"] = time.perf_counter() - start
    parameters = {
        "topicnmf_version": __version__,
        "n_topics": n_topics,
        "top_terms": top_terms,
        "n_representative": n_representative,
        "preprocess": {k: v for k, v in preprocess.to_dict().items()
                       if k not in ("stop_words", "boilerplate_lines")}
        | {"n_stop_words": len(preprocess.stop_words)},
        "vectorize": vectorize_options.to_dict(),
        "nmf": nmf.to_dict(),
    }
    return TopicResult(
        corpus=corpus, dtm=dtm, topics=topics, n_iter=result.n_iter,
        loss_history=result.loss_history, reconstruction_err=result.reconstruction_err,
        relative_error=relative_error, converged=result.converged,
        parameters=parameters, quality=quality, evaluation=evaluation,
        preprocess=preprocess, vectorize_options=vectorize_options,
        timings=timings,
    )


def _factorize_with_restarts(X, k, nmf, top_terms, callback):
    """One factorization, or with ``nmf.restarts`` > 1 the consensus of several: the run
    whose topics agree most, on average, with the other runs' (matched top terms)."""
    options = nmf.solver_options()
    if isinstance(nmf.restarts, bool) or not isinstance(nmf.restarts, int) or nmf.restarts < 1:
        raise ParameterError(f"--restarts must be a positive integer; got {nmf.restarts!r}.")
    if nmf.restarts == 1:
        return factorize(X, k, random_state=nmf.seed, callback=callback, **options), None
    runs = [factorize(X, k, random_state=nmf.seed + r, callback=callback, **options)
            for r in range(nmf.restarts)]
    tops = [top_term_indices(run.H, top_terms) for run in runs]
    agreement = pairwise_agreement(tops)
    mean = (agreement.sum(axis=1) - 1) / (len(runs) - 1)
    best = int(np.argmax(mean))
    log.info("consensus of %d runs: seed %d agrees best with the others (%.3f)",
             len(runs), nmf.seed + best, mean[best])
    return runs[best], {"runs": len(runs), "chosen_seed": nmf.seed + best,
                        "agreement": float(mean[best]), "mean_agreement": float(mean.mean())}


@dataclass(frozen=True)
class Scores:
    """Topic weights of new documents under a saved model."""

    doc_topics: object  # DataFrame like TopicModel.doc_topics
    W: np.ndarray
    dtm: DocumentTermMatrix


def score(corpus, model, *, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER):
    """Topic weights for the documents of ``corpus`` under a :class:`~topicnmf.model.SavedModel`.

    Same analyzer, vocabulary and IDF as the fit; W solved with the model's H held fixed.
    """
    analyzer = Analyzer(model.preprocess)
    analyzed = analyze(corpus.texts, analyzer)
    dtm = vectorize_with(
        analyzed, corpus.ids, terms=model.terms, idf=model.idf,
        display_terms=model.display_terms, options=model.vectorize,
    )
    k = model.H.shape[0]
    if dtm.X.nnz == 0:
        W = np.zeros((dtm.shape[0], k))
    else:
        fitted = model.parameters.get("nmf", {})
        loss = fitted.get("beta_loss", "frobenius")
        solver = fitted.get("solver", "cd") if loss == "frobenius" else "mu"
        W = factorize(dtm.X, k, H=model.H, update_H=False, tol=tol, max_iter=max_iter,
                      beta_loss=loss, solver=solver).W
    return Scores(doc_topics=doc_topic_table(corpus.ids, W, corpus.metadata()), W=W, dtm=dtm)


def model_from(result):
    """The part of a :class:`TopicResult` needed to score new documents later."""
    from .model import SavedModel

    return SavedModel(
        H=result.topics.H,
        idf=result.dtm.idf,
        terms=result.dtm.terms,
        display_terms=result.dtm.display_terms,
        labels=tuple(result.topics.prevalence["label"]),
        preprocess=result.preprocess,
        vectorize=result.vectorize_options,
        parameters=result.parameters,
    )
