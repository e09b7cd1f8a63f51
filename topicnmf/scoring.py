"""Scoring new documents with a saved model: ``topicnmf transform``.

The same analyzer, vocabulary and IDF as the fit; W solved with the model's H held fixed;
and, per document, how well it is matched (vocabulary coverage, fit strength), so a text
that shares a common word or two with the vocabulary is not said to be about a topic.
"""

import logging
from dataclasses import dataclass, replace

import numpy as np

from .cluster import session
from .corpus import read_corpus
from .dates import metadata_with_dates
from .outofcore import StreamedCorpus, plan
from .report.tables import doc_topics_csv, doc_topics_csv_chunks
from .resources import human_size
from .nmf import SolverOptions, factorize
from .preprocess import Analyzer, analyze
from .topics import fit_strength, score_table
from .vectorize import DocumentTermMatrix, coverage, vectorize_with

log = logging.getLogger("topicnmf")


@dataclass(frozen=True)
class Scores:
    """Topic weights of new documents under a saved model, with how well each is matched."""

    doc_topics: object  # DataFrame: doc_topics columns, then coverage and fit
    W: np.ndarray
    dtm: DocumentTermMatrix | None  # None when scored on a Dask cluster
    coverage: np.ndarray  # per document, the share of its words in the model's vocabulary
    fit: np.ndarray  # per document, the cosine between its TF-IDF row and its reconstruction


def doc_topics_file(source, model, config, client=None):
    """doc_topics.csv of the documents at ``source`` under the model (``topicnmf transform``):
    its text, or where reading them whole would need more than ``config.max_memory`` (the
    run's memory plan), a StreamedFile that reads, scores and writes them a chunk at a time."""
    model = with_dtype(model, config.vectorize.dtype)  # ('auto': the model's)
    memory = plan(source, config)
    if not memory.out_of_core:
        corpus = read_corpus(source, config.read)
        log.info("%s", corpus.summary())
        return doc_topics_csv(score(corpus, model, client=client).doc_topics)
    size = memory.chunk_documents()
    log.info("out of core: reading the documents whole would need about %s, over the budget of %s "
             "(max_memory); they are read, scored and written %d at a time",
             human_size(memory.estimate), human_size(memory.budget), size)
    return doc_topics_csv_chunks(scored_chunks(StreamedCorpus(source, config.read), model,
                                               size=size, client=client))


def with_dtype(model, dtype):
    """``model`` scoring new documents in ``dtype`` ('float64' or 'float32': the TF-IDF
    rows and W); 'auto': the model's own (``vectorize.dtype``, float64 before it existed)."""
    return model if dtype == "auto" else replace(model, vectorize=replace(model.vectorize, dtype=dtype))


def score(corpus, model, *, options=None, client=None, dtype="auto"):
    """Topic weights for the documents of ``corpus`` under a :class:`~topicnmf.model.SavedModel`.

    Same analyzer, vocabulary and IDF as the fit; W solved with the model's H held fixed,
    by the fit's loss (``options``: the solver's stopping settings, default SolverOptions()).
    A document fitted or covered worse than the model's ``match_floor`` (the weakest 1% of
    the documents it was fitted on) gets no dominant topic: its weights still say which
    topics its few known words lean to, but it is about none of them. With ``client`` (a
    ``distributed.Client``) the TF-IDF rows, W and the fit are computed on its workers (the
    same values; ``Scores.dtm`` is then None: X stays there). ``dtype``: the TF-IDF rows'
    and W's floating type, 'float64' or 'float32'; 'auto' (the default) the model's.
    """
    model = with_dtype(model, dtype)
    metadata = metadata_with_dates(corpus.documents, corpus.metadata())  # (mail dates as run reads them)
    scores, empty_rows = _scores(corpus.ids, corpus.texts, metadata, model, _options(model, options), client)
    _say(model, empty_rows, _weak(scores.doc_topics, empty_rows))
    return scores


def scored_chunks(corpus, model, *, size, options=None, client=None):
    """The doc_topics of a corpus read in passes (``outofcore.StreamedCorpus``) under the
    model, as :func:`score` makes them, a DataFrame per ``size`` documents in reading order:
    no more than one chunk's texts, X and W are held at once. The metadata columns (label,
    date) are those of the first chunk; values first seen in a later chunk are left out,
    and said."""
    options, columns = _options(model, options), None
    empty = weak = 0
    late = set()
    for chunk in corpus.document_chunks(size):
        given = metadata_with_dates(chunk, {name: [getattr(d, name) for d in chunk] for name in ("label", "date")})
        present = {name for name, values in given.items() if any(v is not None and v != "" for v in values)}
        columns = sorted(present, key=("label", "date").index) if columns is None else columns
        late |= present - set(columns)
        metadata = {name: given[name] for name in columns}
        scores, empty_rows = _scores([d.id for d in chunk], [d.text for d in chunk], metadata,
                                     model, options, client)
        empty, weak = empty + empty_rows, weak + _weak(scores.doc_topics, empty_rows)
        yield scores.doc_topics
    log.info("%s", corpus.summary())
    if late:
        log.warning("the %s column(s) first hold a value after the first %d documents; such late "
                    "values are not in doc_topics.csv", ", ".join(sorted(late)), size)
    _say(model, empty, weak)


def _options(model, options):
    fitted = model.parameters.get("nmf", {})
    return replace(options or SolverOptions(), beta_loss=fitted.get("beta_loss", "frobenius"),
                   solver=fitted.get("solver"))


def _scores(ids, texts, metadata, model, options, client):
    """(Scores, documents without a term of the vocabulary) of these documents."""
    if client is not None:
        with session(client=client) as on:
            W, shares, fit, empty_rows = on.transform(texts, model, options)
        dtm = None
    else:
        dtm, W, shares, fit = _scored(texts, ids, model, options)
        empty_rows = dtm.empty_rows
    table = score_table(ids, W, shares, fit, model.match_floor, metadata)
    return Scores(doc_topics=table, W=W, dtm=dtm, coverage=shares, fit=fit), empty_rows


def _weak(table, empty_rows):
    return int(table["dominant_topic"].isna().sum()) - empty_rows


def _say(model, empty_rows, weak):
    if empty_rows:
        log.warning("%d document(s) have no term of the model's vocabulary; they get no "
                    "dominant topic and zero weights", empty_rows)
    if weak:
        log.info("%d document(s) match the topics too weakly to name one (fit under %.3f or "
                 "coverage under %.2f, the weakest 1%% of the fitted documents)",
                 weak, model.match_floor.fit, model.match_floor.coverage)


def _scored(texts, ids, model, options):
    """(TF-IDF rows, W, coverage, fit) of these texts under the model, in this process."""
    analyzed = analyze(texts, Analyzer(model.preprocess))
    dtm = vectorize_with(
        analyzed, ids, terms=model.terms, idf=model.idf,
        display_terms=model.display_terms, options=model.vectorize,
    )
    k = model.H.shape[0]
    if dtm.X.nnz == 0:
        W = np.zeros((dtm.shape[0], k))
    else:
        W = factorize(dtm.X, k, options=options, H=model.H, update_H=False).W
    return dtm, W, coverage(analyzed, model.terms), fit_strength(dtm.X, W, model.H)
