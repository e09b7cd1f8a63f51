"""The one place that wires the stages together.

    documents -> cleaned text -> tokens -> TF-IDF matrix X -> (W, H) -> topics
    corpus.py    clean.py        preprocess.py  vectorize.py  nmf/      topics.py

:func:`run` takes a source (a path or a :class:`~topicnmf.corpus.Corpus`) and a
:class:`~topicnmf.config.RunConfig` and returns a :class:`Run`: the result, the sweep that
chose the number of topics (``n_topics='auto'``) and the model to save. It owns choosing k,
restarts and their consensus, the reference corpus and packaging the model; the command
line only parses, calls it and writes. Writing reports belongs to the shells (``report``,
``model``, ``cli``).
"""

import logging
import time
from dataclasses import replace

import numpy as np

from . import align, anchors as _anchors, cluster, timeline
from .config import RunConfig, parse_range
from .corpus import Corpus, read_corpus
from .errors import CorpusError, ParameterError, VocabularyError
from .evaluate import (
    Consensus,
    Evaluation,
    Reference,
    diversity,
    label_agreement,
    npmi,
    pairwise_agreement,
    top_term_indices,
    topic_quality,
)
from .ensemble import factorize_ensemble
from .hierarchy import topic_groups
from .junk import assess as assess_junk, balanced_quality, demotion, dropped_terms, with_junk
from .model import SavedModel
from .outofcore import fit_settings, on_disk, plan, read_in_passes, scratch_folder
from .partitions import Partitions
from .passes import vectorize_texts, workers_for
from .phrases import with_phrases
from .repeated_advice import with_repeated_line_advice
from .preprocess import DEFAULT_STOP_WORDS, Analyzer, analyze, learn_boilerplate
from .progress import Silent, stage as _stage
from .resources import check_memory
from .sweep import score_counts
from .textpass import reading_back
from .topics import (
    MatchFloor,
    build_topics,
    fit_strength_later,
    ids_of,
    listed_documents,
    with_document_snippets,
    with_snippets,
)
from .scoring import Scores, score  # noqa: F401 (pipeline.score: the Python API)
from .vectorize import in_words, presence, squares
from .result import FitRecord, Prepared, Run, TopicResult  # noqa: F401 (the Python API names them here)

log = logging.getLogger("topicnmf")


def configure(config=None, **settings):
    """``config`` (default: RunConfig()) with ``settings`` (RunConfig fields) replaced."""
    config = RunConfig() if config is None else config
    if not isinstance(config, RunConfig):
        raise ParameterError(f"config must be a RunConfig; got {type(config).__name__}.")
    try:
        return replace(config, **settings) if settings else config
    except TypeError as exc:
        raise ParameterError(f"{exc}; the settings are RunConfig's fields.") from None


def read(source, config, progress=Silent()):
    """The corpus of ``source``: a Corpus as it is, or a path read with ``config.read``."""
    if isinstance(source, Corpus):
        corpus = source
    else:
        with _stage(progress, "read") as bar:
            corpus = read_corpus(source, config.read, on_document=bar.advance)
    log.info("%s", corpus.summary())
    if len(corpus) < 2:
        raise CorpusError(
            f"{corpus.source}: only {len(corpus)} usable document; topics need at least two "
            "documents (a folder of files, or a CSV/JSONL file with one document per row)."
        )
    return corpus


def prepare(corpus, config=RunConfig(), progress=Silent(), on=None):
    """Learn boilerplate lines, tokenize and build the TF-IDF matrix of ``corpus`` (with ``on``
    a cluster.Session on a cluster: X's blocks made on its workers)."""
    start = time.perf_counter()
    preprocessing = learn_boilerplate(corpus.texts, config.preprocess, ids=corpus.ids)
    log.info("language: %s", preprocessing.language.describe(config.preprocess.stem))
    if preprocessing.boilerplate_lines:
        log.info("%d line(s) found in %.0f%% or more of the documents (or in 80%% of one source's or language's) "
                 "left out as boilerplate", len(preprocessing.boilerplate_lines),
                 100 * config.preprocess.repeated_line_share)
    if preprocessing.cleaning is not None:
        log.info("%s", preprocessing.cleaning.summary())
    analyzer = Analyzer(preprocessing)
    with _stage(progress, "tokenize", len(corpus)) as bar:  # a large corpus: in worker processes, below
        analyzed = None if remote(on) or workers_for(len(corpus)) > 1 else analyze(corpus.texts, analyzer, on_document=bar.advance)
    timings = {"preprocess": time.perf_counter() - start}

    start = time.perf_counter()
    try:
        dtm, shares = (on.vectorize(corpus.texts, analyzer, config.vectorize) if remote(on) else
                       vectorize_texts(corpus.texts, corpus.ids, analyzer, config.vectorize, analyzed))
    except VocabularyError as exc:
        if not preprocessing.boilerplate_lines or "no terms left" not in str(exc):
            raise
        raise VocabularyError(
            f"no terms left after preprocessing: the {len(preprocessing.boilerplate_lines)} line(s) "
            f"repeated in {100 * config.preprocess.repeated_line_share:.0f}% or more of the "
            "documents, left out as boilerplate, held all their text (repeated documents?); set "
            "repeated_line_share to 0 to keep every line.") from None
    timings["vectorize"] = time.perf_counter() - start
    log.info("TF-IDF matrix: %d documents x %d terms, %d nonzeros%s", *dtm.shape, dtm.X.nnz, in_words(dtm))
    return Prepared(preprocessing, analyzer, dtm, shares, timings)


def run(source, config=None, *, callback=None, reference=None, progress=None, client=None,
        **settings):
    """Read, choose k if asked, fit, evaluate and package one topic model.

    Parameters
    ----------
    source : str, Path or Corpus
        A folder or CSV/TSV/JSONL file (read with ``config.read``), or a corpus.
    config : RunConfig, optional
    callback : callable(iteration, elapsed, loss), optional
        Called after every NMF iteration (the CLI drives its progress bar with it).
    reference : Corpus, optional
        A reference corpus for NPMI; by default ``config.coherence_reference`` is read.
    progress : Progress, optional
        Told of each long stage as it runs (default: nothing shown).
    client : distributed.Client, optional
        Fit on this Dask cluster (as ``config.workers``/``config.scheduler`` do).
    **settings
        RunConfig fields overriding ``config``'s (``run(path, n_topics=6)``).

    Returns
    -------
    Run
    """
    config = configure(config, **settings)  # every setting is checked before reading
    if config.n_topics != "auto" and config.topic_range != "auto":
        log.warning("topic_range %s is swept only when n_topics is 'auto'; %d topics are fitted",
                    config.topic_range, config.n_topics)
    progress = progress or Silent()
    with scratch_folder((memory := plan(source, config)).out_of_core) as folder, \
            cluster.session(config.workers, config.scheduler, client) as on:  # over budget: X on disk
        corpus, passes = read_in_passes(source, config, folder, memory, progress, in_memory=read)
        return _run(corpus, config, callback, reference, progress, passes and Prepared(*passes), on)


def _run(corpus, config, callback, reference, progress, prepared=None, client=None):
    dates = timeline.documents_dated(corpus.documents, config.time)  # None when undated
    if reference is None and config.coherence_reference is not None:
        reference = read_corpus(config.coherence_reference, replace(
            config.read, id_column=None, label_column=None, date_column=None, folder_labels=False))
    on = client if config.n_topics != "auto" and not config.ensemble else None  # (in memory)
    prepared = prepared or prepare(corpus, config, progress, on)
    swept = None
    n_topics = config.n_topics
    if n_topics == "auto":  # the sweep and the fit share one TF-IDF matrix
        swept = _sweep(prepared.dtm, corpus, config, progress)
        n_topics = swept.recommended
    result = _fit(corpus, prepared, n_topics, config, callback, reference, progress, client=client)
    if config.drop_flagged and (dropped := dropped_terms(result.quality)):  # one refit without them
        words = frozenset(w for _, terms in dropped for w in terms)
        log.info("--drop-flagged: refitting without %d terms of %d flagged topics", len(words), len(dropped))
        config = replace(config, preprocess=replace(config.preprocess, stop_words=config.preprocess.stop_words | words))
        result = replace(_fit(corpus, prepare(corpus, config, progress, on), n_topics, config, callback, reference,
                              progress, client=client), dropped=dropped)
    elif config.drop_flagged:
        log.info("--drop-flagged: no topic is flagged with junk terms; nothing dropped, no refit")
    result = timeline.with_timeline(dates, align.with_alignment(config.align_to, result), config.time)
    result = timeline.with_dates(dates, result)  # dates from paths or mail headers into doc_topics
    return Run(result=result, model=model_from(result), sweep=swept)


def fit(corpus, config=None, **kwargs):
    """The :class:`TopicResult` of :func:`run` (same arguments)."""
    return run(corpus, config, **kwargs).result


def sweep(source, config=None, *, progress=None, **settings):
    """Score every k of ``config.topic_range`` on one TF-IDF matrix and recommend one."""
    config = configure(config, **settings)
    progress = progress or Silent()
    corpus = read(source, config, progress)
    return _sweep(prepare(corpus, config, progress).dtm, corpus, config, progress)


def _sweep(dtm, corpus, config, progress=Silent()):
    ks = list(parse_range(config.topic_range, upper=len(corpus)))
    with _stage(progress, "sweep", len(ks)) as bar:
        result = score_counts(dtm, ks, config, labels=corpus.metadata().get("label"),
                              progress=lambda done, k: bar.advance(k=k))
    log.info("recommended: %s", result.reason)
    return result


def refit(corpus, prepared, n_topics, config, start, progress=None, hold=None):
    """The :class:`TopicResult` of a prepared corpus fitted from ``start`` = (W, H)
    (``init='custom'``): the warm start of ``topicnmf refine``; ``hold`` a Pull on rows of H
    (merged topics held together)."""
    return _fit(corpus, prepared, n_topics, config, None, None, progress or Silent(), warm=start, hold=hold)


def _fit(corpus, prepared, n_topics, config, callback, reference, progress=Silent(), warm=None,
         client=None, hold=None):
    dtm, timings = prepared.dtm, dict(prepared.timings)
    n, m = dtm.shape
    if not (isinstance(dtm.X, Partitions) and dtm.X.on_disk):  # out of core, W is kept on disk too
        check_memory(n, m, dtm.nnz, n_topics, itemsize=4 if dtm.options.dtype == "float32" else 8)
    _warn_one_sided_penalty(config.nmf, dtm.shape)
    if n_topics > min(n, m):
        raise ParameterError(
            f"n_topics={n_topics} is more than the corpus supports: it has {n} documents and "
            f"{m} terms ({dtm.filtering()}); ask for at most {min(n, m)} topics"
            + (", or lower min_df or raise max_df." if m < n else ".")
        )

    anchors, pull = _anchors.prepare(config.anchors, config.anchor_strength, prepared.analyzer,
                                     dtm.terms, dtm.X, n_topics)
    pull = hold if hold is not None else pull
    start = time.perf_counter()
    with _stage(progress, "fit", config.nmf.max_iter * (config.restarts + config.ensemble)) as bar:
        def each(iteration, elapsed, loss):  # the caller's callback, and the progress
            if callback is not None:
                callback(iteration, elapsed, loss)
            bar.advance(loss=loss)

        nmf, consensus = _factorize_with_restarts(dtm.X, n_topics, config, each, pull, warm, client)
    nmf = on_disk(nmf)  # out of core: W's blocks on disk, read a block at a time from here on
    timings["factorize"] = time.perf_counter() - start
    record = FitRecord(n_iter=nmf.n_iter, loss_history=nmf.loss_history,
                       reconstruction_err=nmf.reconstruction_err,
                       relative_error=_relative_error(dtm, nmf, config.nmf.beta_loss),
                       converged=nmf.converged)
    log.info("NMF: %d iteration%s, relative error %.6f", record.n_iter, "" if record.n_iter == 1 else "s",
             record.relative_error)
    if not record.converged and config.nmf.tol > 0:  # (tol 0 asks for every iteration)
        log.warning("NMF stopped at max_iter=%d before converging (each iteration still lowered "
                    "the loss by more than tol); raise max_iter for a closer fit",
                    config.nmf.max_iter)

    start = time.perf_counter()
    X_top = dtm.of_columns(top := top_term_indices(nmf.H, config.top_terms))  # (out of core: one pass)
    texts, texts_of = reading_back(corpus, nmf.W, nmf.H, config.n_representative)  # (one pass out of core)
    junk = assess_junk(texts, nmf.W, nmf.H, top, dtm.display_terms, clean=prepared.analyzer.clean,
                       X=X_top, ids=(ids := corpus.ids))
    balanced = balanced_quality(X_top, nmf.W, nmf.H, top, dtm.display_terms)  # (also _evaluate's)
    topics = build_topics(nmf.W, nmf.H, doc_ids=ids, display_terms=dtm.display_terms,
                          top_terms=config.top_terms, n_representative=config.n_representative,
                          metadata=(metadata := corpus.metadata()), demote=demotion(junk, nmf.H, balanced),
                          order=align.aligned_order(config.align_to, nmf.W, nmf.H, dtm.terms))
    strength = fit_strength_later(dtm.X, topics.W, topics.H)  # (beside the rest of the stage)
    if config.phrase_labels:  # labelled by their phrases; then anchored ones by their names
        language = prepared.analyzer.language  # (the detected language's stop words too)
        topics = with_phrases(topics, map(prepared.analyzer.clean, corpus.texts),  # the text fitted on
                              prepared.analyzer.stop_words | DEFAULT_STOP_WORDS,
                              language.languages)
    topics = _anchors.named(topics, anchors)
    groups = topic_groups(topics.H, topics.prevalence["share"], dtm.display_terms, config.groups)
    # the texts of the representative documents and of those a report lists, fetched back by
    # id (one pass over a corpus read in passes); snippets show the cleaned text
    rows, reps = listed_documents(topics.W, table=topics.doc_topics), topics.representative["doc_id"].tolist()
    texts = [prepared.analyzer.clean(t) for t in texts_of(reps + ids_of(topics.doc_topics, rows).tolist())]
    topics = with_document_snippets(with_snippets(topics, texts[:len(reps)]), rows, texts[len(reps):])
    timings["topics"] = time.perf_counter() - start
    _warn_empty(dtm, topics, n_topics)

    start = time.perf_counter()
    read = (top, X_top, balanced)
    quality, evaluation = _evaluate(prepared, topics, record, config, reference, consensus, metadata, read)
    junk = with_repeated_line_advice(junk, nmf.W, lambda rows: corpus.texts_of(ids_of(topics.doc_topics, rows).tolist()),
                                     lambda: corpus.texts, prepared.analyzer, config.preprocess.repeated_line_share)
    quality = with_junk(quality, junk, topics.order)
    timings["evaluate"] = time.perf_counter() - start
    checks = _anchors.checked(anchors, topics, dtm.X, quality, config.anchors)
    floor = MatchFloor.of(strength.result(), prepared.coverage)
    return TopicResult(config=config, corpus=corpus.stats, preprocessing=prepared.preprocessing,
                       dtm=dtm, topics=topics, fit=record, quality=quality, evaluation=evaluation,
                       match_floor=floor, anchors=checks, groups=groups, timings=timings)


def remote(on):
    """Whether ``on`` (a cluster.Session or None) runs on a cluster."""
    return on is not None and on.remote


def _relative_error(dtm, nmf, beta_loss):
    """||X - W H||_F / ||X||_F. For the Frobenius loss the solver's own error; for KL (whose
    reconstruction_err is sqrt(2 D(X || WH))) computed from X's nonzeros:
    ||X||^2 - 2 <W, X H^T> + <W^T W, H H^T>."""
    if beta_loss == "frobenius":
        return nmf.reconstruction_err / dtm.norm
    X, W, H = dtm.X, nmf.W, nmf.H
    squared = (squares(X.data) - 2.0 * float(np.vdot(np.asarray(X @ H.T), W))
               + float(np.vdot(W.T @ W, H @ H.T)))
    return float(np.sqrt(max(squared, 0.0))) / dtm.norm


def _evaluate(prepared, topics, record, config, reference, consensus, metadata, read=None):
    """``read``: (top terms, X of their columns, their balanced_quality) in factorization order,
    already made; reused when they are these topics' (the quality: when their top terms
    are the same, in order)."""
    dtm = prepared.dtm
    top = top_term_indices(topics.H, config.top_terms)
    if read is not None and np.array_equal(top, np.asarray(read[0])[topics.order]):
        quality = tuple(read[2][i] for i in topics.order)
    else:
        X = read[1] if read is not None and np.isin(top, read[0]).all() else dtm.of_columns(top)
        quality = topic_quality(X, topics.W, topics.H, top, dtm.display_terms)
    extra = {}
    if reference is not None:
        scores = npmi(presence(analyze(reference.texts, prepared.analyzer), dtm.terms), top)
        quality = tuple(replace(q, npmi_reference=float(v)) for q, v in zip(quality, scores))
        extra = {"npmi_reference_mean": float(scores.mean()),
                 "reference": Reference(source=reference.source, n_documents=len(reference))}
    labels = metadata.get("label")
    agreement = None
    if labels is not None:
        agreement = label_agreement(topics.doc_topics["dominant_topic"].tolist(), labels)
    evaluation = Evaluation(
        npmi_mean=float(np.mean([q.npmi for q in quality])),
        umass_mean=float(np.mean([q.umass for q in quality])),
        diversity=float(diversity(top)), relative_error=record.relative_error,
        consensus=consensus, labels=agreement, **extra,
    )
    return quality, evaluation


def _warn_one_sided_penalty(options, shape):
    penalty = options.penalty(shape)
    on_W, on_H = penalty.l1_W + penalty.l2_W > 0, penalty.l1_H + penalty.l2_H > 0
    if on_W != on_H:
        log.warning("only %s is regularized (alpha_W=%g, alpha_H=%g): the other factor can grow "
                    "without bound to shrink the penalty, so topics drift; set both, or set "
                    "alpha_W alone (alpha_H follows it)", "W" if on_W else "H",
                    options.alpha_W, options.alpha_W if options.alpha_H == "same" else options.alpha_H)


def _warn_empty(dtm, topics, n_topics):
    if dtm.empty_rows:
        log.warning("%d document(s) have no terms left after preprocessing; they get no "
                    "dominant topic and zero weights", dtm.empty_rows)
    weightless = int((topics.W.max(axis=1) <= 0).sum()) - dtm.empty_rows if topics.W.shape[1] else 0
    if weightless > 0:
        log.warning("%d more document(s) kept terms but got zero weight in every topic (their "
                    "terms are in no topic); they get no dominant topic either", weightless)
    empty = topics.empty_topics()
    if empty:
        log.warning("topic(s) %s came out empty: the corpus supports fewer distinct topics "
                    "than %d (repeated documents or too little text); ask for fewer topics",
                    ", ".join(map(str, empty)), n_topics)


def _factorize_with_restarts(X, k, config, callback, pull=None, start=None, client=None):
    """One factorization, or with ``config.restarts`` > 1 the consensus of several: the run
    whose topics agree most, on average, with the other runs' (matched top terms); with
    ``config.ensemble`` the ensemble NMF of that many fits on subsamples."""
    if config.ensemble:  # ensemble NMF: the consensus of fits on subsamples (ensemble.py)
        return factorize_ensemble(X, k, members=config.ensemble, options=config.nmf, seed=config.seed,
                                  refine=config.ensemble_refine, callback=callback)
    seeds = range(config.seed, config.seed + config.restarts)
    steer = ({} if start is None else {"init": "custom", "W": start[0], "H": start[1]}) | (
        {} if pull is None else {"pull": pull}) | fit_settings(X)  # only when asked
    with cluster.session(config.workers, config.scheduler, client) as on:  # or in process
        runs = [on.fit(X, k, options=config.nmf, random_state=s, callback=callback, **steer)
                for s in seeds]
    if len(runs) == 1:
        return runs[0], None
    agreement = pairwise_agreement([top_term_indices(r.H, config.top_terms) for r in runs])
    mean = (agreement.sum(axis=1) - 1) / (len(runs) - 1)
    best = int(np.argmax(mean))
    log.info("consensus of %d runs: seed %d agrees best with the others (%.3f)",
             len(runs), seeds[best], mean[best])
    return runs[best], Consensus(runs=len(runs), chosen_seed=seeds[best],
                                 agreement=float(mean[best]), mean_agreement=float(mean.mean()))


def model_from(result):
    """The part of a :class:`TopicResult` needed to score new documents later."""
    return SavedModel(
        H=result.topics.H,
        idf=result.dtm.idf,
        terms=result.dtm.terms,
        display_terms=result.dtm.display_terms,
        labels=tuple(result.topics.prevalence["label"]),
        preprocess=result.preprocessing,
        vectorize=result.dtm.options,
        parameters=result.parameters | {"n_documents": result.dtm.shape[0]},  # (update's old weight)
        match_floor=result.match_floor,
    )
