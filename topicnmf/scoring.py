"""Scoring new documents with a saved model: ``topicnmf transform``.

The same analyzer, vocabulary and IDF as the fit; W solved with the model's H held fixed;
and, per document, how well it is matched (vocabulary coverage, fit strength), so a text
that shares a common word or two with the vocabulary is not said to be about a topic.
"""

import logging
from dataclasses import dataclass, replace

import numpy as np

from .cluster import session
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


def score(corpus, model, *, options=None, client=None):
    """Topic weights for the documents of ``corpus`` under a :class:`~topicnmf.model.SavedModel`.

    Same analyzer, vocabulary and IDF as the fit; W solved with the model's H held fixed,
    by the fit's loss (``options``: the solver's stopping settings, default SolverOptions()).
    A document fitted or covered worse than the model's ``match_floor`` (the weakest 1% of
    the documents it was fitted on) gets no dominant topic: its weights still say which
    topics its few known words lean to, but it is about none of them. With ``client`` (a
    ``distributed.Client``) the TF-IDF rows, W and the fit are computed on its workers (the
    same values; ``Scores.dtm`` is then None: X stays there).
    """
    fitted = model.parameters.get("nmf", {})
    options = replace(options or SolverOptions(), beta_loss=fitted.get("beta_loss", "frobenius"),
                      solver=fitted.get("solver"))
    if client is not None:
        with session(client=client) as on:
            W, shares, fit, empty_rows = on.transform(corpus.texts, model, options)
        dtm = None
    else:
        dtm, W, shares, fit = _scored(corpus, model, options)
        empty_rows = dtm.empty_rows
    if empty_rows:
        log.warning("%d document(s) have no term of the model's vocabulary; they get no "
                    "dominant topic and zero weights", empty_rows)
    table = score_table(corpus.ids, W, shares, fit, model.match_floor, corpus.metadata())
    weak = int(table["dominant_topic"].isna().sum()) - empty_rows
    if weak:
        log.info("%d document(s) match the topics too weakly to name one (fit under %.3f or "
                 "coverage under %.2f, the weakest 1%% of the fitted documents)",
                 weak, model.match_floor.fit, model.match_floor.coverage)
    return Scores(doc_topics=table, W=W, dtm=dtm, coverage=shares, fit=fit)


def _scored(corpus, model, options):
    """(TF-IDF rows, W, coverage, fit) of the corpus under the model, in this process."""
    analyzed = analyze(corpus.texts, Analyzer(model.preprocess))
    dtm = vectorize_with(
        analyzed, corpus.ids, terms=model.terms, idf=model.idf,
        display_terms=model.display_terms, options=model.vectorize,
    )
    k = model.H.shape[0]
    if dtm.X.nnz == 0:
        W = np.zeros((dtm.shape[0], k))
    else:
        W = factorize(dtm.X, k, options=options, H=model.H, update_H=False).W
    return dtm, W, coverage(analyzed, model.terms), fit_strength(dtm.X, W, model.H)
