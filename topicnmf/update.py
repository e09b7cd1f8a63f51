"""Folding new documents into a saved model (``topicnmf update``): topic numbers kept.

The old corpus is not stored with a model, so it enters the refit summarized by its topics:
one pseudo-document per old topic, ``sqrt(a_t) H_old[t]`` with weight ``sqrt(a_t)`` on
topic t alone. Fitting [X_new; sqrt(a) H_old] ~ [W_new; diag(sqrt(a))] H with the pseudo-documents'
weights fixed, alternating H and W_new by the solver's own one-factor updates (``refine_W``;
H through the transposed problem) from W_new (the new documents under the old topics) and
H_old, minimizes

    ||X_new - W_new H||^2 + sum_t a_t ||H[t] - H_old[t]||^2

so ``a_t`` is how much the old model holds topic t in place: the old corpus counted as
``old_weight`` documents with the new documents' mean squared weight on topic t, at least
the mean over the topics (the online
update of Mairal et al. 2010, the old statistics W^T W and W^T X taken as diag(a) and
diag(a) H_old). The updated topics' labels are their new top three terms. The vocabulary grows by the terms of the new documents that pass the
model's min_df/max_df; such a term starts at weight 0 in every topic and gets its IDF from
the new documents. Row t stays topic t + 1 throughout; how far each moved is its cosine to
its old self. The refit minimizes the Frobenius loss, whatever loss the model was fitted with.
"""

import logging
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from .dates import metadata_with_dates
from .errors import ParameterError, VocabularyError
from .model import SavedModel
from .nmf import SolverOptions, factorize, refine_W
from .preprocess import Analyzer, analyze
from .topics import balance, build_topics
from .vectorize import vectorize, vectorize_with

log = logging.getLogger("topicnmf")
TOP_TERMS = 10
TAKEN_OVER = 0.5  # an old topic's cosine to its updated self under which it is said to be taken over


@dataclass(frozen=True)
class Update:
    """A model with new documents folded in.

    model : SavedModel, the updated model (topics in the old order, labelled by their new top terms)
    topics : TopicModel of the new documents under the updated topics
    moved : list of dict per topic: topic, label (new), old_label, similarity (cosine to its
        old self), entered, left (top terms)
    n_documents, n_terms_added, old_weight : int, int, float
    """

    model: SavedModel
    topics: object
    moved: list
    n_documents: int
    n_terms_added: int
    old_weight: float


def update_model(model, corpus, *, old_weight=None, top_terms=TOP_TERMS, max_rounds=100,
                 inner_iter=5, tol=1e-5):
    """Fold the documents of ``corpus`` into ``model`` (a SavedModel); see the module's text.

    old_weight : float, optional
        How many new documents the old model counts as. Default: the documents it stands for
        (fitted on, plus those an update folded in: ``model.parameters['n_documents']``), as
        ``topicnmf update`` does; for a model saved before it recorded them, as many as
        ``corpus`` has.
    """
    n = len(corpus)
    if old_weight is None:
        old_weight = model.parameters.get("n_documents", n)
    old_weight = float(old_weight)
    if not old_weight >= 0 or not np.isfinite(old_weight):
        raise ParameterError(f"old_weight must be a number >= 0; got {old_weight!r}.")
    analyzed = analyze(corpus.texts, Analyzer(model.preprocess))
    terms, display, idf = _grown_vocabulary(analyzed, corpus.ids, model)
    dtm = vectorize_with(analyzed, corpus.ids, terms=terms, idf=idf, display_terms=display,
                         options=model.vectorize)
    if dtm.X.nnz == 0:
        raise VocabularyError(f"{corpus.source}: no document has a term of the model or "
                              "enough new terms; nothing to fold in.")
    k, added = model.n_topics, len(terms) - len(model.terms)
    H_old = np.hstack([model.H, np.zeros((k, added))])
    W_new = factorize(dtm.X, k, options=SolverOptions(tol=1e-6), H=H_old, update_H=False).W
    use = W_new.sum(axis=0) / max(W_new.sum(), 1e-300)  # the new documents' share per old topic
    # a_t: the old corpus as old_weight documents with the new ones' weight on topic t, at
    # least the mean over the topics: a topic the new documents lack holds its place as firmly
    # as a typical one (with a tenth of the mean, BBC's sport, politics and tech topics went
    # to music and oil news at 10x --old-weight; at the mean, 3x holds every one of them)
    a = old_weight * np.mean(W_new ** 2, axis=0)
    a = np.maximum(a, a.mean()) if a.mean() > 0 else np.full(k, old_weight / max(n, 1))
    pseudo = np.diag(np.sqrt(a))  # the fixed weights of the old topics' pseudo-documents
    X = sparse.vstack([dtm.X, sparse.csr_matrix(pseudo @ H_old)]).tocsr()
    Xt = X.T.tocsr()
    inner = SolverOptions(beta_loss="frobenius", max_iter=inner_iter, tol=0)
    W_fit, H_fit = np.ascontiguousarray(W_new), H_old.copy()
    for rounds in range(1, max_rounds + 1):
        # H given every row's weights, the pseudo-documents' fixed: X^T ~ H^T W^T
        Ht = np.ascontiguousarray(H_fit.T)
        refine_W(Xt, Ht, np.ascontiguousarray(np.vstack([W_fit, pseudo]).T), inner)
        change = np.linalg.norm(Ht.T - H_fit) / max(np.linalg.norm(H_fit), 1e-300)
        H_fit = np.ascontiguousarray(Ht.T)
        refine_W(dtm.X, W_fit, H_fit, inner)  # the new documents' weights given H
        if change < tol:
            break
    log.info("update: %d documents folded in (%d new terms); the old model counts as %g "
             "documents; %d rounds", n, added, old_weight, rounds)
    _, H_unit = balance(np.ones((1, k)), H_fit)
    topics = build_topics(W_fit, H_fit, doc_ids=corpus.ids, display_terms=display,
                          top_terms=top_terms, metadata=metadata_with_dates(corpus.documents, corpus.metadata()),
                          order=np.arange(k))
    labels = tuple(", ".join(_top(H_unit[t], display, 3)) for t in range(k))
    moved = _moved(H_old, H_unit, display, labels, model.labels, top_terms)
    _warn_taken_over(moved, use, old_weight, n)
    parameters = dict(model.parameters) | {"n_documents": old_weight + n, "update": {
        "n_documents": n, "n_terms_added": added, "old_weight": old_weight,
        "rounds": rounds}}
    new_model = replace(model, H=H_unit, idf=np.asarray(idf), terms=tuple(terms),
                        display_terms=tuple(display), labels=labels, parameters=parameters)
    return Update(new_model, topics, moved, n, added, old_weight)


def _grown_vocabulary(analyzed, ids, model):
    """(terms, display terms, idf): the model's, then the new documents' own new terms
    (those passing the model's min_df/max_df over the new documents), with their IDF."""
    try:
        fresh = vectorize(analyzed, ids, replace(model.vectorize, max_features=None))
    except VocabularyError:
        return model.terms, model.display_terms, model.idf
    known = set(model.terms)
    new = [j for j, t in enumerate(fresh.terms) if t not in known]
    return (tuple(model.terms) + tuple(fresh.terms[j] for j in new),
            tuple(model.display_terms) + tuple(fresh.display_terms[j] for j in new),
            np.concatenate([model.idf, fresh.idf[new]]))


def _top(row, display, n):
    best = np.argsort(-row, kind="stable")[:n]
    return [display[j] for j in best if row[j] > 0]


def _warn_taken_over(moved, use, old_weight, n):
    """Say which old topics the new documents use less than an even share of, yet moved far (cosine under
    TAKEN_OVER): with k fixed, the least-squares refit hands them to the new documents'
    subjects, as a full refit on old and new documents together would."""
    gone = [m for m, u in zip(moved, use) if m["similarity"] < TAKEN_OVER and u < 1 / len(use)]
    if gone:
        log.warning("update: topic%s %s, which the new documents use little, went to their subjects "
                    "(similarity to before %s): the new batch (%d documents) outweighs what holds "
                    "%s (--old-weight %g); raise --old-weight to keep the old topics, or refit with "
                    "more topics", "s" if len(gone) > 1 else "",
                    ", ".join(f"{m['topic']} ({m['label']})" for m in gone),
                    ", ".join(f"{m['similarity']:.2f}" for m in gone), n,
                    "them" if len(gone) > 1 else "it", old_weight)


def _moved(H_old, H_new, display, labels, old_labels, n):
    """Per topic its label (the updated model's) and its old one, its cosine to its old self
    and the top terms that entered and left."""
    out = []
    for t in range(H_old.shape[0]):
        norms = np.linalg.norm(H_old[t]) * np.linalg.norm(H_new[t])
        cosine = float(H_old[t] @ H_new[t] / norms) if norms > 0 else 0.0
        before, after = _top(H_old[t], display, n), _top(H_new[t], display, n)
        out.append({"topic": t + 1, "label": labels[t], "old_label": old_labels[t], "similarity": cosine,
                    "entered": [x for x in after if x not in before],
                    "left": [x for x in before if x not in after]})
    return out
