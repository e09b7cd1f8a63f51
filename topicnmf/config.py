"""One run's configuration: a frozen, validated value that every entry point builds.

The command line, the config file, the Python API and the sweep all make a
:class:`RunConfig`; :func:`topicnmf.pipeline.run` runs it. Each stage's settings keep their
own dataclass and defaults (``ReadOptions``, ``PreprocessOptions``, ``VectorizeOptions``,
``SolverOptions``); this module composes them, adds the run's own settings, and resolves
every dependent default once: the loss chooses the solver and the solver the initialization
(``SolverOptions.resolve``), and the stop-word list is assembled from its three settings.
Constructing a RunConfig raises :class:`~topicnmf.errors.ParameterError` before any
document is read, with a message naming the parameter.
"""

import math
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path

from . import __version__, cluster
from .anchors import read_anchors
from .clean import visible_id
from .corpus import ReadOptions
from .dates import TimeOptions
from .ensemble import check_members
from .errors import ParameterError
from .nmf import SolverOptions
from .preprocess import PreprocessOptions, read_stop_words
from .report.parquet import available as parquet_available
from .report.writer import ALL_FORMATS, FORMATS
from .resources import parse_size
from .vectorize import VectorizeOptions

# The topic pipeline starts from nndsvd: deterministic, sparse, and measured best on the
# shared corpora (benchmarks/bench_defaults.py); multiplicative updates get nndsvda.
DEFAULT_INIT = "nndsvd"


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{name} must be a positive integer; got {value!r}.")


def _saved_model(path):
    """Refuse ``align_to`` unless it names a folder holding a saved model (or its model/)."""
    if not isinstance(path, str) or not path:
        raise ParameterError(f"align_to must be a folder name or None; got {path!r}.")
    if not any((Path(path, *sub) / "model.json").is_file() for sub in ((), ("model",))):
        raise ParameterError(f"align_to: {visible_id(path)}: no saved model here (expected "
                             "model.json and model.npz); pass the folder written by 'topicnmf "
                             "run' or its model/ subfolder.")


# topic_range='auto': 3:12 up to about 2,800 documents; beyond, ten counts from sqrt(n / 250)
# at a step of a fifth of that (Debian's 57,343 descriptions: 15:42:3), as a larger corpus is
# read at finer topics (its stability is near 1 at every small k: README, "Choosing k").
AUTO_RANGE = (3, 12)
DOCUMENTS_PER_TOPIC_SQUARED = 250


def auto_range(n_documents):
    """The counts topic_range='auto' tries for a corpus of ``n_documents``: (from, to, step)."""
    low = max(AUTO_RANGE[0], round(math.sqrt(n_documents / DOCUMENTS_PER_TOPIC_SQUARED)))
    if low == AUTO_RANGE[0]:
        return (*AUTO_RANGE, 1)
    step = max(1, round(low / 5))
    return low, low + (AUTO_RANGE[1] - AUTO_RANGE[0]) * step, step


def parse_range(text, name="topic_range", upper=None):
    """'5:40' or '5:40:5' -> range(5, 41) or range(5, 41, 5) (inclusive), capped at ``upper``;
    'auto' -> :func:`auto_range` of ``upper`` documents (3:12 when None), at most one topic
    per two documents (on 5 documents it offered, and chose, one topic per document).
    A range, not a list: '3:1000000000000' costs nothing."""
    if text == "auto":
        low, high, step = auto_range(upper or 0)
        if upper is not None:
            high = min(high, max(2, upper // 2))
            low = min(low, high)
        return range(low, high + 1, step)
    try:
        parts = [int(p) for p in str(text).split(":")]
    except ValueError:
        parts = []
    if (len(parts) not in (2, 3) or parts[0] < 2 or parts[1] < parts[0]
            or (len(parts) == 3 and parts[2] < 1)):
        raise ParameterError(
            f"{name} must look like 5:40 or 5:40:5 (from >= 2), or be 'auto'; got {text!r}.")
    stop = parts[1] if upper is None else min(parts[1], upper)
    return range(parts[0], stop + 1, parts[2] if len(parts) == 3 else 1)


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a run's output, validated and with dependent defaults resolved.

    Attributes
    ----------
    n_topics : int or 'auto', default=10
        'auto' sweeps ``topic_range`` and fits the recommended count.
    topic_range : str, default='auto'
        FROM:TO[:STEP], the counts a sweep (and ``n_topics='auto'``) tries; 'auto': 3:12, or
        for a corpus of more than about 2,800 documents ten counts from sqrt(n / 250)
        (:func:`auto_range`).
    sweep_runs : int, default=3
        Refits on 80% subsamples per count, for the sweep's stability score (at least;
        a small corpus gets more, see ``stability.refits``).
    seed : int, default=0
    restarts : int, default=1
        Fits with seeds seed .. seed+restarts-1, keeping the consensus solution.
    drop_flagged : bool, default=False
        Refit once without the characteristic terms of the topics flagged as junk (junk.py).
    ensemble : int, default=0
        Ensemble NMF (``topicnmf.ensemble``) of this many fits on half-size subsamples; 0: off.
    ensemble_refine : bool, default=True
        With ``ensemble``, refit W and H on all documents from the consensus topics.
    top_terms, n_representative : int, default=10, 5
        Terms and representative documents listed per topic.
    formats : tuple of str
        Reports to write (see ``topicnmf.report.FORMATS``).
    coherence_reference : str or None
        A corpus (path, read with ``read``) that NPMI is also computed on.
    align_to : str or None
        A previous run's folder (or its model/): topics matched to its topics keep their
        numbers and labels (see :mod:`topicnmf.align`).
    stop_words_file, extra_stop_words, default_stop_words
        The stop-word list: the built-in list (unless ``default_stop_words`` is False),
        plus the words of the file, plus the extra words; resolved into
        ``preprocess.stop_words``.
    phrase_labels : bool or None, default None (off)
        Label topics by their most representative phrases (``topicnmf.phrases``); the
        phrases are listed beside the top terms.
    groups : int or None, default None
        Topic groups shown (``topicnmf.hierarchy``): None, ceil(sqrt(k)) groups from 12
        topics on; 0, none; N, N groups.
    anchors : str or None
        A TOML file of anchored topics (``topicnmf.anchors``); ``anchor_strength`` (None:
        1.0) their pull, 0 (a seeded start only) to 100 or more (held at their words).
    workers : int or None
        Fit on a local Dask cluster of this many worker processes (``topicnmf.cluster``).
    scheduler : str or None
        Fit on the Dask cluster of this scheduler (tcp://host:port).
    max_memory : int, str or None, default=None
        Memory budget in bytes ('2GB', '500MB'); a run whose in-memory estimate exceeds it
        goes out of core (partitions on disk). None: a share of the available memory.
    read, preprocess, vectorize, nmf, time
        The stages' own options (``time``: dating documents, topics over time). ``nmf``
        comes out resolved (a concrete solver and init).
    """

    n_topics: int | str = 10
    topic_range: str = "auto"
    sweep_runs: int = 3
    seed: int = 0
    restarts: int = 1
    drop_flagged: bool = False
    ensemble: int = 0
    ensemble_refine: bool = True
    top_terms: int = 10
    n_representative: int = 5
    formats: tuple = FORMATS
    coherence_reference: str | None = None
    align_to: str | None = None
    stop_words_file: str | None = None
    extra_stop_words: tuple = ()
    default_stop_words: bool = True
    phrase_labels: bool | None = None
    groups: int | None = None
    anchors: str | None = None
    anchor_strength: float | None = None
    workers: int | None = None
    scheduler: str | None = None
    max_memory: int | str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    preprocess: PreprocessOptions = field(default_factory=PreprocessOptions)
    vectorize: VectorizeOptions = field(default_factory=VectorizeOptions)
    nmf: SolverOptions = field(default_factory=SolverOptions)
    time: TimeOptions = field(default_factory=TimeOptions)

    def __post_init__(self):
        if self.n_topics != "auto":
            if isinstance(self.n_topics, str):
                raise ParameterError(
                    f"n_topics must be a positive integer or 'auto'; got {self.n_topics!r}.")
            _positive_int("n_topics", self.n_topics)
        parse_range(self.topic_range)
        if self.align_to is not None:  # checked before any document is read
            _saved_model(self.align_to)
        if self.coherence_reference is not None and not Path(str(self.coherence_reference)).exists():
            raise ParameterError(f"`coherence_reference`: {visible_id(str(self.coherence_reference))}: no such "
                                 "file or folder; check the path.")
        for name in ("sweep_runs", "restarts", "top_terms", "n_representative"):
            _positive_int(name, getattr(self, name))
        if not isinstance(self.drop_flagged, bool):
            raise ParameterError(f"drop_flagged must be True or False; got {self.drop_flagged!r}.")
        check_members(self.ensemble)
        if not isinstance(self.ensemble_refine, bool):
            raise ParameterError(f"ensemble_refine must be true or false; got {self.ensemble_refine!r}.")
        if self.ensemble and self.restarts > 1:
            raise ParameterError(f"`ensemble` and `restarts` are two ways of combining fits; set one "
                                 f"(got ensemble={self.ensemble}, restarts={self.restarts}).")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ParameterError(f"seed must be an integer >= 0; got {self.seed!r}.")
        if self.groups is not None and (isinstance(self.groups, bool) or not isinstance(self.groups, int)
                                        or self.groups < 0):
            raise ParameterError(f"groups must be an integer >= 0; got {self.groups!r}.")
        if self.anchors is not None:
            read_anchors(self.anchors)  # a bad file fails before any document is read
            if self.nmf.beta_loss != "frobenius":
                raise ParameterError("anchors are fitted with beta_loss='frobenius'; drop the "
                                     "`anchors` or the other loss.")
        if self.anchor_strength is not None and not 0 <= self.anchor_strength < float("inf"):
            raise ParameterError(f"anchor_strength must be a number >= 0; got {self.anchor_strength!r}.")
        cluster.check(self.workers, self.scheduler)
        if self.anchors is not None and (self.workers or self.scheduler):
            raise ParameterError("anchored topics are fitted in this process; drop `workers`/"
                                 "`scheduler` or the `anchors`.")
        formats = (self.formats,) if isinstance(self.formats, str) else tuple(dict.fromkeys(self.formats))
        unknown = [f for f in formats if f not in ALL_FORMATS]
        if unknown or not formats:
            raise ParameterError(f"formats must be some of {', '.join(ALL_FORMATS)}; got {self.formats!r}.")
        if "parquet" in formats and not parquet_available():  # (said before the run, not after it)
            raise ParameterError("formats: parquet needs pyarrow: pip install 'topicnmf[parquet]', "
                                 "or drop parquet from the formats.")
        for name, kind in (("read", ReadOptions), ("preprocess", PreprocessOptions),
                           ("vectorize", VectorizeOptions), ("nmf", SolverOptions),
                           ("time", TimeOptions)):
            if not isinstance(getattr(self, name), kind):
                raise ParameterError(f"{name} must be a {kind.__name__}; got {getattr(self, name)!r}.")
        extra = (self.extra_stop_words.split(",") if isinstance(self.extra_stop_words, str)
                 else self.extra_stop_words)
        extra = tuple(w.strip().lower() for w in extra if w.strip())
        base = self.preprocess.stop_words if self.default_stop_words else frozenset()
        words = base | frozenset(extra)
        if self.stop_words_file:
            words |= read_stop_words(self.stop_words_file)
        resolved = {
            "formats": formats,
            "extra_stop_words": extra,
            "preprocess": replace(self.preprocess, stop_words=words),
            "nmf": self.nmf.resolve(default_init=DEFAULT_INIT),
            "max_memory": None if self.max_memory is None else parse_size(self.max_memory),
        }
        for name, value in resolved.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_settings(cls, settings):
        """A RunConfig from {dotted name: value}, e.g. {'n_topics': 6, 'vectorize.min_df': 5}:
        the form the command line and the config file produce."""
        top, parts = {}, {}
        for name, value in settings.items():
            section, _, attr = name.rpartition(".")
            (parts.setdefault(section, {}) if section else top)[attr] = value
        sections = {f.name: f.default_factory for f in fields(cls) if f.default_factory is not MISSING}
        for section, values in parts.items():
            if section not in sections:
                raise ParameterError(f"unknown settings section {section!r}.")
            try:
                top[section] = sections[section](**values)
            except TypeError as exc:
                raise ParameterError(f"{section}: {exc}.") from None
        try:
            return cls(**top)
        except TypeError as exc:
            raise ParameterError(f"RunConfig: {exc}.") from None

    def get(self, name):
        """The value of a dotted setting name ('vectorize.min_df')."""
        value = self
        for part in name.split("."):
            value = getattr(value, part)
        return value

    def parameters(self, n_topics, vectorize=None):
        """The settings recorded in topics.json and with a saved model: ``n_topics`` and
        ``vectorize`` (min_df resolved) as the matrix was fitted."""
        solver = self.nmf.to_dict()
        nmf = {k: solver[k] for k in ("solver", "beta_loss", "init", "tol", "max_iter")}
        nmf |= {"seed": self.seed} | {k: solver[k] for k in ("alpha_W", "alpha_H", "l1_ratio")}
        return {
            "topicnmf_version": __version__,
            "n_topics": n_topics,
            "top_terms": self.top_terms,
            "n_representative": self.n_representative,
            "preprocess": {k: v for k, v in self.preprocess.to_dict().items() if k != "stop_words"}
            | {"n_stop_words": len(self.preprocess.stop_words)},
            "vectorize": (vectorize or self.vectorize).to_dict(),
            "nmf": nmf | {"restarts": self.restarts}
            | ({"ensemble": self.ensemble, "ensemble_refine": self.ensemble_refine}
               if self.ensemble else {}),
        }
