"""The typed values a run produces: the fit's record, the result the reports are made of,
the run (result, model, sweep) and a corpus made ready to factorize."""

from dataclasses import dataclass, field

import numpy as np

from .config import RunConfig
from .corpus import CorpusStats
from .evaluate import Evaluation
from .model import SavedModel
from .preprocess import Analyzer, Preprocessing
from .sweep import SweepResult
from .topics import MatchFloor, TopicModel
from .vectorize import DocumentTermMatrix


@dataclass(frozen=True)
class FitRecord:
    """The factorization's record: iterations, loss per iteration, final error."""

    n_iter: int
    loss_history: np.ndarray
    reconstruction_err: float
    relative_error: float
    converged: bool


@dataclass(frozen=True)
class TopicResult:
    """Everything one fit produces; the reports are functions of this value.

    Attributes
    ----------
    config : RunConfig
    corpus : CorpusStats
        What was read (documents, skipped inputs, decodings); not the texts.
    preprocessing : Preprocessing
        The options with the boilerplate lines learned from the corpus.
    dtm : DocumentTermMatrix
    topics : TopicModel
    fit : FitRecord
    quality : tuple of TopicQuality, one per topic
    evaluation : Evaluation
    match_floor : MatchFloor
        The weakest fit and coverage among the fitted documents (1st percentiles), below
        which ``score`` names no topic for a new document.
    timings : dict of seconds per stage (kept out of the deterministic outputs)
    """

    config: RunConfig
    corpus: CorpusStats
    preprocessing: Preprocessing
    dtm: DocumentTermMatrix
    topics: TopicModel
    fit: FitRecord
    quality: tuple
    evaluation: Evaluation
    match_floor: MatchFloor = MatchFloor()
    anchors: tuple = ()  # an anchors.AnchorCheck per anchored topic
    groups: tuple = ()  # hierarchy.TopicGroup: the topics grouped by their terms
    dropped: tuple = ()  # --drop-flagged: ((topic of the first fit, terms), ...) refitted without
    timings: dict = field(compare=False, default_factory=dict)
    timeline: object = field(compare=False, default=None)  # a Timeline when documents are dated
    alignment: object = field(compare=False, default=None)  # a Comparison with --align-to

    @property
    def n_topics(self):
        return self.topics.n_topics

    @property
    def parameters(self):
        """The settings as recorded in topics.json and with the model."""
        return self.config.parameters(self.n_topics, self.dtm.options)


@dataclass(frozen=True)
class Run:
    """One run: the fitted result, the model to save, and the sweep if k was chosen by one."""

    result: TopicResult
    model: SavedModel
    sweep: SweepResult | None = None


@dataclass(frozen=True)
class Prepared:
    """A corpus made ready to factorize: fitted preprocessing, analyzer, TF-IDF matrix."""

    preprocessing: Preprocessing
    analyzer: Analyzer
    dtm: DocumentTermMatrix
    coverage: np.ndarray  # per document, the share of its words in the vocabulary
    timings: dict = field(compare=False, default_factory=dict)
