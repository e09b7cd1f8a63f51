"""Anchor words: named topics steered toward words a person chose.

A TOML file names each anchored topic and its words::

    [anchors]
    sport = ["match", "team", "goal"]
    "interest rates" = ["interest rates", "inflation"]

The words go through the corpus's own analyzer, so case, stemming and n-grams agree with the
vocabulary ("Matches" finds the stem "match"; "interest rates" is the bigram when n-grams are
on, else its two words). A word that is not in the vocabulary is reported on stderr; an
anchor none of whose words are is an error. In the factorization each anchor is a row of H
started at its words and pulled toward them (:class:`~topicnmf.nmf.Pull`; the last rows, so
the start's strongest components stay), with ``strength`` from a nudge (0.1) to holding the
row at the words (100); 0 only starts there. After the fit every anchored topic carries its
name as its label, and :func:`check` says whether the data bears each anchor out.
"""

import logging
import re
import sys
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import ParameterError
from .nmf import Pull

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger("topicnmf")
DEFAULT_STRENGTH = 1.0
LIFT_FLOOR = 2.0  # an anchor word at most this many times commoner in its topic's documents
# than in the corpus does not mark them: the data does not bear it out


@dataclass(frozen=True)
class Anchor:
    """One anchored topic: its name, the words as written, and the vocabulary terms found."""

    name: str
    words: tuple
    terms: tuple  # column indices of X
    missing: tuple = ()  # words with no term in the vocabulary
    by_word: tuple = ()  # (word, its term indices) per found word


@dataclass(frozen=True)
class AnchorCheck:
    """How the data bears one anchor out, after the fit.

    topic : int, the topic (1-based, prevalence order) that carries the anchor's name
    n_documents : documents the topic dominates
    lift : per anchor word (as written, found ones only), the share of the topic's documents
        containing it divided by its share among all documents
    weak_words : words whose lift is under LIFT_FLOOR (or that are in none of its documents)
    npmi, npmi_median : the topic's coherence, and the median of all topics'
    """

    name: str
    topic: int
    n_documents: int
    lift: dict
    weak_words: tuple
    npmi: float
    npmi_median: float

    @property
    def contradicted(self):
        return bool(self.weak_words) or self.n_documents == 0

    def message(self, source):
        words = ", ".join(f"{w!r} x{self.lift[w]:.1f}" for w in self.weak_words)
        return (f"anchor {self.name!r} ({source}): not borne out by the data: topic {self.topic} "
                f"dominates {self.n_documents} document(s) and "
                + (f"{words} (how much commoner each word is in them than in the corpus)"
                   if words else "no document") +
                f"; its coherence NPMI {self.npmi:.3f} (median of the topics {self.npmi_median:.3f}). "
                "Check that its words belong to one subject in this corpus.")

    def to_dict(self):
        return {"name": self.name, "topic": self.topic, "n_documents": self.n_documents,
                "lift": {w: float(f"{v:.4g}") for w, v in self.lift.items()},
                "weak_words": list(self.weak_words), "contradicted": self.contradicted,
                "npmi": float(f"{self.npmi:.6g}")}


def shown(path):
    """``path`` for a one-line message: control characters written as escapes."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], str(path))


def read_anchors(path):
    """{name: (words, ...)} from the ``[anchors]`` table of a TOML file, in file order."""
    where = shown(path)
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{where}: not a valid TOML anchors file ({exc}).") from None
    except (OSError, ValueError) as exc:  # ValueError: a name with a NUL byte (TOML errors above)
        reason = getattr(exc, "strerror", None) or shown(str(exc))
        raise ParameterError(f"{where}: cannot read the anchors file ({reason}).") from None
    anchors = table.get("anchors")
    if not isinstance(anchors, dict) or not anchors:
        raise ParameterError(f'{where}: an anchors file needs an [anchors] table of name = ["word", ...] '
                             'lines, e.g. sport = ["match", "team", "goal"].')
    out = {}
    for name, words in anchors.items():
        if isinstance(words, str):
            words = [words]
        if (not isinstance(words, list) or not words
                or not all(isinstance(w, str) and w.strip() for w in words)):
            raise ParameterError(f"{where}: anchor {name!r} must be a list of words, e.g. "
                                 f'sport = ["match", "team"]; got {words!r}.')
        if not name.strip():
            raise ParameterError(f"{where}: an anchor needs a name; got {name!r}.")
        out[name.strip()] = tuple(w.strip() for w in words)
    return out


def resolve(spec, analyzer, terms, source="anchors"):
    """The :class:`Anchor` of each ``{name: words}``: words analyzed like the corpus and
    looked up in ``terms`` (the vocabulary). Missing words are logged; an anchor with no
    word found raises ParameterError naming it and ``source``."""
    index = {t: j for j, t in enumerate(terms)}
    anchors = []
    for name, words in spec.items():
        found, missing, by_word = [], [], []
        for word in words:
            hits = word_terms(word, analyzer, index)
            if hits:
                found += [j for j in hits if j not in found]
                by_word.append((word, hits))
            else:
                missing.append(word)
        if missing:
            log.warning("anchor %r (%s): %s not in the vocabulary (a stop word, too rare, or "
                        "not in the corpus); %s", name, source, ", ".join(map(repr, missing)),
                        "left out" if found else "no word left")
        if not found:
            raise ParameterError(
                f"{source}: anchor {name!r}: none of its words ({', '.join(map(repr, words))}) is in the "
                "vocabulary; use words of the corpus (check --stem, --min-df, stop words).")
        anchors.append(Anchor(name, tuple(words), tuple(found), tuple(missing), tuple(by_word)))
    return tuple(anchors)


def word_terms(word, analyzer, index):
    """The vocabulary terms (indices) of one anchor word: the whole phrase when the
    vocabulary has it as an n-gram, else each of its words that it has."""
    analyzed = analyzer.terms_from_tokens(analyzer.tokens(word, clean=False))  # as the corpus, not cleaned
    unigrams = [t for t in analyzed if " " not in t]
    whole = " ".join(unigrams)
    if len(unigrams) > 1 and whole in index:
        return (index[whole],)
    return tuple(dict.fromkeys(index[t] for t in unigrams if t in index))


def pull(anchors, n_topics, X, strength=DEFAULT_STRENGTH):
    """The :class:`~topicnmf.nmf.Pull` of ``anchors`` on the document-term matrix X: anchor
    i is component n_topics - len(anchors) + i; its target is the centroid of the
    documents weighted by how much of its words they hold, X^T (X a) for a the indicator
    of its terms, so a topic held at its target is still a topic of whole documents."""
    if len(anchors) > n_topics:
        raise ParameterError(f"{len(anchors)} anchored topics need n_topics >= {len(anchors)}; "
                             f"got n_topics={n_topics}.")
    target = np.zeros((n_topics, X.shape[1]))
    for row, anchor in zip(components(anchors, n_topics), anchors):
        mass = np.asarray(X[:, list(anchor.terms)].sum(axis=1)).ravel()
        target[row] = np.asarray(X.T @ mass).ravel()
    return Pull(target, float(strength))


def prepare(path, strength, analyzer, terms, X, n_topics):
    """(anchors, pull) from an anchors file, for a fit of ``n_topics`` on ``terms``; ((),
    None) when ``path`` is None."""
    if path is None:
        return (), None
    anchors = resolve(read_anchors(path), analyzer, terms, source=shown(path))
    strength = DEFAULT_STRENGTH if strength is None else strength
    return anchors, pull(anchors, n_topics, X, strength)


def named(topics, anchors):
    """``topics`` (a TopicModel) with each anchored topic labelled by its anchor's name."""
    if not anchors:
        return topics
    names = topic_names(anchors, topics.order)
    labels = [names.get(int(t), label) for t, label in
              zip(topics.prevalence["topic"], topics.prevalence["label"])]
    return replace(topics, prevalence=topics.prevalence.assign(label=labels))


def checked(anchors, topics, X, quality, source):
    """The :class:`AnchorCheck` of each anchor after the fit; a contradicted anchor is
    logged as a warning."""
    if not anchors:
        return ()
    checks = check(anchors, topic_names(anchors, topics.order), X,
                   topics.doc_topics["dominant_topic"].tolist(), [q.npmi for q in quality])
    for c in checks:
        if c.contradicted:
            log.warning("%s", c.message(shown(source)))
    return checks


def components(anchors, n_topics):
    """The factorization's component of each anchor."""
    return list(range(n_topics - len(anchors), n_topics))


def topic_names(anchors, order):
    """{topic number (1-based): anchor name}, given the topic order (``TopicModel.order``)."""
    position = {int(c): t + 1 for t, c in enumerate(order)}
    return {position[c]: a.name for c, a in zip(components(anchors, len(order)), anchors)}


def check(anchors, names, X, dominant, npmi):
    """A :class:`AnchorCheck` per anchor.

    X : the document-term matrix; dominant : each document's dominant topic (1-based, or
    <NA>/0 for none); npmi : each topic's coherence, in topic order.
    """
    present = sp.csc_matrix(X) > 0
    n = X.shape[0]
    dominant = np.asarray(pd.Series(dominant, dtype="Float64").fillna(0).astype(int))  # <NA>: no topic
    topic_of = {name: t for t, name in names.items()}
    median = float(np.median(npmi))
    checks = []
    for anchor in anchors:
        t = topic_of[anchor.name]
        mine = dominant == t
        lift = {}
        for word, js in anchor.by_word:
            has = np.asarray(present[:, list(js)].sum(axis=1)).ravel() > 0
            share_all = has.sum() / n
            share_mine = has[mine].mean() if mine.any() else 0.0
            lift[word] = float(share_mine / share_all) if share_all else 0.0
        weak = tuple(w for w, v in lift.items() if v < LIFT_FLOOR)
        checks.append(AnchorCheck(anchor.name, t, int(mine.sum()), lift, weak,
                                  float(npmi[t - 1]), median))
    return tuple(checks)

