"""Refining a fitted model without starting over: ``topicnmf refine``.

    topicnmf refine MODEL INPUT --merge 3,7 --drop 5 --exclude-terms FILE \\
        --rename 2="Energy policy" --out DIR

MODEL is a folder written by ``topicnmf run`` (or ``refine``), INPUT the documents it was
fitted on (the model keeps no texts; read with the same reading options). The documents are
vectorized with the model's own vocabulary and IDF, W is solved for the saved H (as
``transform`` does), the change is applied to the factors, and the fit resumes from there
(``init='custom'``) with the model's solver settings:

- ``merge``: the topics' rows of H and columns of W are added into one topic, held there by a
  pull (:data:`MERGE_HOLD`, as anchors are held) so that the refit does not split it again;
- ``drop``: the topic's row and column are removed, and the other topics are held by the
  same pull, so that the refit gives its documents' weight to them rather than turning one
  of them into the dropped subject;
- ``exclude_terms``: the terms (words of a file, one per line, analyzed like the corpus)
  leave the vocabulary, X and H;
- ``rename``: a topic's label (as anchors name theirs); renamed, anchored and merged
  topics keep their names, the others are labelled by their top terms again.

Topic numbers are those of MODEL's report. The result says what moved (:class:`Moved`).
"""

import argparse
import json
import logging
from dataclasses import dataclass, replace

import numpy as np
from tqdm.contrib.logging import logging_redirect_tqdm

from . import pipeline
from .anchors import shown, word_terms
from .config import RunConfig
from .errors import ParameterError
from .evaluate import top_term_indices
from .model import load_model
from .nmf import Pull, SolverOptions, factorize
from .options import add_options, given
from .preprocess import Analyzer, analyze
from .progress import Bars
from .report import render, write_files
from .vectorize import coverage, vectorize_with

log = logging.getLogger("topicnmf")
TOP = 10  # top terms compared before and after
# The pull on a merged topic, relative to the data (1: like a typical topic's documents).
# On the bundled corpus at k=8, merging gardening with personal finance: without a pull the
# refit split them again (39 of 126 documents moved, two other topics merged instead); 0.3
# kept the documents but let the terms drift to gardening; 1 held both (1 document moved).
MERGE_HOLD = 1.0


@dataclass(frozen=True)
class Edits:
    """What to change. Topics are numbered from 1 as in the model's report.

    merge : tuple of tuples of topic numbers (each group becomes one topic)
    drop : tuple of topic numbers
    exclude_terms : tuple of words (analyzed like the corpus)
    rename : dict {topic number: label}
    """

    merge: tuple = ()
    drop: tuple = ()
    exclude_terms: tuple = ()
    rename: dict = None

    def check(self, k):
        rename = self.rename or {}
        used = [t for group in self.merge for t in group] + list(self.drop) + list(rename)
        for t in used:
            if not isinstance(t, (int, np.integer)) or not 1 <= t <= k:
                raise ParameterError(f"topic {t!r} does not exist: the model has topics 1 to {k}.")
        touched = [t for group in self.merge for t in group] + list(self.drop)
        if len(set(touched)) != len(touched):
            raise ParameterError("a topic is merged or dropped twice; name each topic in one "
                                 "--merge or --drop only.")
        if any(len(group) < 2 for group in self.merge):
            raise ParameterError("--merge needs two or more topics, e.g. --merge 3,7.")
        if k - len(self.drop) - sum(len(g) - 1 for g in self.merge) < 1:
            raise ParameterError("the edits leave no topic; keep at least one.")
        if not (self.merge or self.drop or self.exclude_terms or rename):
            raise ParameterError("nothing to refine: give --merge, --drop, --exclude-terms or --rename.")

    def to_dict(self):
        return {"merge": [list(g) for g in self.merge], "drop": list(self.drop),
                "exclude_terms": list(self.exclude_terms),
                "rename": {str(t): name for t, name in (self.rename or {}).items()}}


@dataclass(frozen=True)
class Moved:
    """What a refinement changed.

    origin : per new topic (numbered from 1), the old topics it came from
    reassigned : documents whose dominant topic is no longer (one of) their old one's
    n_documents : documents with a dominant topic before and after
    gained, lost : per new topic, top terms it gained and lost against its origin
    """

    origin: dict
    reassigned: int
    n_documents: int
    gained: dict
    lost: dict

    def to_dict(self):
        return {"origin": {str(t): list(o) for t, o in self.origin.items()},
                "documents_reassigned": self.reassigned, "documents_compared": self.n_documents,
                "terms_gained": {str(t): list(v) for t, v in self.gained.items()},
                "terms_lost": {str(t): list(v) for t, v in self.lost.items()}}

    def lines(self, labels):
        out = [f"{self.reassigned} of {self.n_documents} documents changed topic"]
        for t, origin in self.origin.items():
            changes = [f"{what} {', '.join(terms)}" for what, terms in
                       (("gained", self.gained[t]), ("lost", self.lost[t])) if terms]
            out.append(f"topic {t} ({labels[t - 1]}) from old {'+'.join(map(str, origin))}: "
                       f"{'; '.join(changes) or 'same top terms'}")
        return out


@dataclass(frozen=True)
class Refined:
    """A refinement: the run (result and model to save) and what moved."""

    run: object  # pipeline.Run
    moved: Moved


def refine(model, source, edits, *, read=None, progress=None):
    """Apply ``edits`` to a :class:`~topicnmf.model.SavedModel` fitted on ``source`` (a
    path, read with ``read`` options, or a Corpus) and refit from the saved factors.

    Returns
    -------
    Refined
    """
    k = model.n_topics
    edits.check(k)
    corpus = pipeline.read(source, RunConfig(read=read) if read is not None else RunConfig())
    analyzer = Analyzer(model.preprocess)
    analyzed = analyze(corpus.texts, analyzer)
    keep = _kept_terms(model, edits.exclude_terms, analyzer)
    terms = tuple(model.terms[j] for j in keep)
    display = tuple(model.display_terms[j] for j in keep)
    dtm = vectorize_with(analyzed, corpus.ids, terms=terms, idf=model.idf[keep],
                         display_terms=display, options=model.vectorize)
    config = _config(model, read)
    H_old = np.ascontiguousarray(model.H[:, keep], dtype=np.float64)
    W_old = factorize(dtm.X, k, options=config.nmf, H=H_old, update_H=False).W
    W0, H0, origin = apply(W_old, H_old, edits)
    covered = coverage(analyzed, terms)
    _check_input(covered, model.match_floor.coverage, corpus.source)
    prepared = pipeline.Prepared(model.preprocess, analyzer, dtm, covered)
    result = pipeline.refit(corpus, prepared, H0.shape[0], config, (W0, H0), progress,
                            hold=_held(H0, origin, config.nmf, held_all=bool(edits.drop)))
    result = _relabel(result, origin, model.labels, model, edits.rename or {})
    moved = _moved(W_old, model, keep, result.topics, origin)
    run = pipeline.Run(result=result, model=pipeline.model_from(result))
    return Refined(run=run, moved=moved)


def apply(W, H, edits):
    """(W0, H0, origin) after the edits: merged groups summed, dropped topics removed, in the
    old order otherwise (each merge group at its first topic's place). origin: per new
    component, the old topic numbers."""
    k = H.shape[0]
    group_of = {t: g for g in edits.merge for t in g}
    dropped = set(edits.drop)
    columns, rows, origin = [], [], []
    for t in range(1, k + 1):
        if t in dropped:
            continue
        group = group_of.get(t, (t,))
        if t != min(group):
            continue
        idx = [g - 1 for g in group]
        columns.append(W[:, idx].sum(axis=1))
        rows.append(H[idx].sum(axis=0))
        origin.append(tuple(sorted(group)))
    return np.column_stack(columns), np.vstack(rows), origin


def _held(H, origin, options, held_all=False):
    """The Pull that holds each merged topic at its merged start (strength MERGE_HOLD), so the
    refit cannot split it again: without it, two unlike topics merged drift apart and the
    refit merges two others instead. With ``held_all`` (a topic dropped) every topic is held:
    free, the refit turned another topic into the dropped subject (its documents are still
    there) and that topic's own subject vanished. None when nothing is held; not for the KL
    loss (a pull is a Frobenius ridge), said on stderr."""
    held = list(range(len(origin))) if held_all else [i for i, group in enumerate(origin) if len(group) > 1]
    if not held:
        return None
    if options.beta_loss != "frobenius":
        log.warning("--merge or --drop with the %s loss: the topics are a start, not held "
                    "(the refit may split merged topics or bring a dropped one back)", options.beta_loss)
        return None
    target = np.zeros_like(H)
    target[held] = H[held]
    return Pull(target, MERGE_HOLD)


def _kept_terms(model, words, analyzer):
    index = {t: j for j, t in enumerate(model.terms)}
    out = set()
    for word in words:
        found = word_terms(word, analyzer, index)  # as anchors read words: a phrase is its n-gram
        if not found:
            log.warning("--exclude-terms: %r is not in the model's vocabulary", word)
        out.update(found)
    keep = np.array([j for j in range(len(model.terms)) if j not in out], dtype=int)
    if keep.size == 0:
        raise ParameterError("--exclude-terms leaves no term in the vocabulary.")
    return keep


def _config(model, read):
    p = model.parameters
    nmf = p.get("nmf", {})
    options = SolverOptions(**{k: nmf[k] for k in ("solver", "beta_loss", "tol", "max_iter",
                                                   "alpha_W", "alpha_H", "l1_ratio") if k in nmf})
    extra = {} if read is None else {"read": read}
    return RunConfig(n_topics=model.n_topics, top_terms=p.get("top_terms", 10),
                     n_representative=p.get("n_representative", 5), seed=nmf.get("seed", 0),
                     nmf=options, **extra)


def _auto_label(model, t):
    return ", ".join(term for term, _ in model.top_terms(t, 3))


def _relabel(result, origin, old_labels, model, rename):
    topics = result.topics
    labels = list(topics.prevalence["label"])
    for position, component in enumerate(topics.order):
        group = origin[component]
        names = [rename.get(t) or (old_labels[t - 1] if old_labels[t - 1] != _auto_label(model, t)
                                   else None) for t in group]
        named = [n for n in names if n]
        if named:
            labels[position] = " + ".join(named)
    prevalence = topics.prevalence.assign(label=labels)
    return replace(result, topics=replace(topics, prevalence=prevalence))


def _check_input(covered, floor, source):
    """Say so when most documents of ``source`` are covered by the model's vocabulary less
    than 99% of the documents it was fitted on (``floor``): refining a model on another
    corpus (another language) succeeded silently, and its topics lost their terms."""
    below = float(np.mean(covered < floor)) if floor > 0 and len(covered) else 0.0
    if below > 0.5:
        log.warning("%s: %.0f%% of the documents have fewer of their words in the model's vocabulary "
                    "than 99%% of those it was fitted on (median %.0f%%, against at least %.0f%%): "
                    "refine expects the corpus the model was fitted on", source, 100 * below,
                    100 * float(np.median(covered)), 100 * floor)


def _moved(W_old, model, keep, topics, origin):
    """Documents re-assigned and terms gained/lost, in the new topic numbering; terms compared
    over the model's whole vocabulary (``keep``: the refit's terms' places in it), so that an
    excluded top term counts as lost."""
    H_old, display = model.H, model.display_terms
    k_new = topics.n_topics
    by_topic = {t + 1: origin[c] for t, c in enumerate(topics.order)}
    before = np.where(W_old.max(axis=1) > 0, W_old.argmax(axis=1) + 1, 0)
    after = topics.doc_topics["dominant_topic"].fillna(0).to_numpy(dtype=int)
    both = (before > 0) & (after > 0)
    stayed = np.array([b in by_topic[a] for a, b in zip(after[both], before[both])], dtype=bool)
    top_old = top_term_indices(H_old, TOP)
    top_refit = top_term_indices(topics.H, TOP)
    top_new = keep[top_refit]
    gained, lost = {}, {}
    for t in range(1, k_new + 1):
        old = set()
        for o in by_topic[t]:
            old |= set(top_old[o - 1].tolist())
        new = set(top_new[t - 1].tolist())
        # (a topic of few weighted terms: its zero-weight "top" terms are none gained)
        weighted = top_new[t - 1][topics.H[t - 1, top_refit[t - 1]] > 0]
        gained[t] = tuple(display[j] for j in weighted if j in new - old)
        lost[t] = tuple(display[j] for j in sorted(old - new) if any(H_old[o - 1, j] > 0 for o in by_topic[t]))
    return Moved(origin=by_topic, reassigned=int((~stayed).sum()), n_documents=int(both.sum()),
                 gained=gained, lost=lost)



# -- the command line: topicnmf refine -------------------------------------------------

def _topics(text):
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = ()
    if not values:
        raise argparse.ArgumentTypeError(f"expected topic numbers like 3,7; got {text!r}")
    return values


def _rename(text):
    topic, sep, label = text.partition("=")
    label = label.strip().strip('"').strip()
    try:
        number = int(topic)
    except ValueError:
        number = None
    if not sep or number is None or not label:
        raise argparse.ArgumentTypeError(f'expected TOPIC="label", e.g. 2="Energy policy"; got {text!r}')
    return number, label


def add_parser(sub):
    """The ``refine`` subcommand's parser (reading options from ``options.py``)."""
    p = sub.add_parser(
        "refine", help="merge, drop or rename topics and exclude terms, refitting from a saved model",
        description="Apply changes to the topics of MODEL (a folder written by 'topicnmf run' "
                    "or 'refine') and refit from its saved factors on INPUT, the documents it "
                    "was fitted on; writes the reports, the new model and refine.json (what "
                    "moved) into --out.")
    p.add_argument("model", metavar="MODEL", help="folder written by 'topicnmf run' (or its model/)")
    p.add_argument("input", metavar="INPUT", help="the documents MODEL was fitted on")
    p.add_argument("-o", "--out", default="topicnmf-refined", metavar="DIR",
                   help="output folder (default: %(default)s)")
    edits = p.add_argument_group("edits (topic numbers as in MODEL's report)")
    edits.add_argument("--merge", action="append", type=_topics, default=[], metavar="T,T",
                       help="merge these topics into one (repeatable)")
    edits.add_argument("--drop", action="append", type=_topics, default=[], metavar="T",
                       help="drop these topics; their documents go to the others (repeatable)")
    edits.add_argument("--exclude-terms", metavar="FILE",
                       help="words to remove from the vocabulary, one per line (# comments)")
    edits.add_argument("--rename", action="append", type=_rename, default=[], metavar='T="LABEL"',
                       help='give topic T this label, e.g. 2="Energy policy" (repeatable)')
    add_options(p, "refine")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or log on stderr")
    return p


def _words(path):
    where = shown(path)
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as exc:
        raise ParameterError(f"{where}: cannot read the --exclude-terms file ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise ParameterError(f"{where}: the --exclude-terms file is not UTF-8 text.") from None
    words = tuple(w.strip() for w in text.splitlines() if w.strip() and not w.lstrip().startswith("#"))
    if not words:
        raise ParameterError(f"{where}: the --exclude-terms file names no word (one per line).")
    return words


def command(args):
    """``topicnmf refine``: parse, refine, write."""
    edits = Edits(merge=tuple(args.merge), drop=tuple(t for group in args.drop for t in group),
                  exclude_terms=_words(args.exclude_terms) if args.exclude_terms else (),
                  rename=dict(args.rename))
    read = RunConfig.from_settings(given(args, "refine")).read
    model = load_model(args.model)
    bars = Bars(enabled=not args.quiet)
    with logging_redirect_tqdm(loggers=[log]):
        done = refine(model, args.input, edits, read=read, progress=bars)
        result = done.run.result
        files = render(result) | {"refine.json": json.dumps(
            {"edits": edits.to_dict(), "moved": done.moved.to_dict()}, indent=2, ensure_ascii=False) + "\n"}
        written = write_files(files, args.out, model=done.run.model, command="refine")
        args.written = True
    log.info("wrote %s", ", ".join(str(p) for p in written))
    for line in done.moved.lines(list(result.topics.prevalence["label"])):
        log.info("%s", line)
    return 0
