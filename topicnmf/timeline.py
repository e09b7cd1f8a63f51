"""Topics over time: documents' dates binned into periods, each period's topic shares.

``share[p, t]`` is topic t's part of period p's total document weight, every document
weighing 1 (its normalized topic weights, the doc_topics.csv row, summing to 1), so the
shares of a period sum to 1; ``dominated[p, t]`` counts the documents of period p whose
dominant topic is t. Every period between the first and the last date is listed, also those
without documents (no shares then).
"""

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .dates import document_dates, shown_dates
from .drift import period_terms
from .dynamic import dynamic_topics
from .errors import ParameterError
from .docweights import DocWeights
from .topics import normalized_weights

log = logging.getLogger("topicnmf")

GRAIN = ("year", "quarter", "month", "week", "day")
MIN_AUTO, MAX_AUTO = 10, 40  # the periods 'auto' aims for
MAX_PERIODS = 10_000
MAX_REFIT_PERIODS = 500  # periods past which drift and dynamic topics refit too many windows
DEFAULT_BUDGET = 2**30  # bytes, when the run has no max_memory
YEAR_GROUPS = (2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


@dataclass(frozen=True)
class Periods:
    """The period of each dated document: ``index[d]`` (-1 for an undated one) into
    ``labels``, every period of the span in order; ``bins`` the resolved bin size
    ('year', '10 years', 'month', ...)."""

    bins: str
    labels: tuple
    index: np.ndarray


def _keys(dates, grain):
    """Integer period keys of datetime64 values (no NaT) for a grain, and the key -> label."""
    if grain == "year":
        years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        return years, str
    if grain == "quarter":
        months = dates.astype("datetime64[M]").astype(np.int64)
        return months // 3, lambda q: f"{q // 4 + 1970}Q{q % 4 + 1}"
    if grain == "month":
        return (dates.astype("datetime64[M]").astype(np.int64),
                lambda m: str(np.datetime64(int(m), "M")))
    days = dates.astype("datetime64[D]").astype(np.int64)
    if grain == "week":  # ISO weeks, from Monday (1970-01-01 was a Thursday)
        return (days + 3) // 7, _week_label
    return days, lambda d: str(np.datetime64(int(d), "D"))


def _week_label(week):
    monday = pd.Timestamp(np.datetime64(int(week) * 7 - 3, "D"))
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def periods_of(values, bins="auto"):
    """The :class:`Periods` of ``values`` (datetime64, NaT for undated documents)."""
    values = np.asarray(values, dtype="datetime64[s]")
    dated = ~np.isnat(values)
    if not dated.any():
        raise ParameterError("no dated document to bin into periods.")
    grain, group = (_auto(values[dated]) if bins == "auto" else (bins, 1))
    keys, label = _keys(values[dated], grain)
    if group > 1:
        keys = keys // group
        name, base = f"{group} years", label
        label = lambda g: f"{base(g * group)}-{base(g * group + group - 1)}"  # noqa: E731
    else:
        name = grain
    low, high = int(keys.min()), int(keys.max())
    if high - low + 1 > MAX_PERIODS:
        raise ParameterError(f"time_bins={bins!r} gives {high - low + 1:,} periods, more than "
                             f"{MAX_PERIODS:,}; choose a coarser one (year, quarter, month).")
    index = np.full(len(values), -1, dtype=np.int64)
    index[dated] = keys - low
    return Periods(bins=name, labels=tuple(label(k) for k in range(low, high + 1)), index=index)


def _auto(values):
    """(grain, years per group): the coarsest grain giving MIN_AUTO or more periods; years
    grouped so that at most MAX_AUTO remain."""
    for grain in GRAIN:
        keys, _ = _keys(values, grain)
        n = int(keys.max() - keys.min()) + 1
        if grain == "year" and n > MAX_AUTO:
            years = int(keys.min()), int(keys.max())
            group = next((g for g in YEAR_GROUPS if years[1] // g - years[0] // g + 1 <= MAX_AUTO),
                         YEAR_GROUPS[-1])
            return grain, group
        if n >= MIN_AUTO:
            return grain, 1
    return "day", 1


@dataclass(frozen=True)
class Timeline:
    """Topics over time.

    Attributes
    ----------
    periods : Periods
    n_documents : ndarray of int, shape (n_periods,)
        Dated documents per period.
    shares : ndarray of shape (n_periods, n_topics)
        NaN for a period without documents (with weight).
    dominated : ndarray of int, shape (n_periods, n_topics)
    dates : Dates
        How the documents were dated (counts, sources, unparseable values).
    dynamic : DynamicTopics or None
    terms : DataFrame or None
        Vocabulary drift: period, topic, rank, term, weight (:func:`.drift.period_terms`).
    """

    periods: Periods
    n_documents: np.ndarray
    shares: np.ndarray
    dominated: np.ndarray
    dates: object
    terms: pd.DataFrame | None = field(default=None, compare=False)
    dynamic: object = field(default=None, compare=False)  # DynamicTopics with --dynamic

    @property
    def labels(self):
        return self.periods.labels

    def topics_over_time(self):
        """period, topic, share, n_documents: one row per topic of each period with documents."""
        rows = [(self.labels[p], t + 1, float(self.shares[p, t]), int(self.dominated[p, t]))
                for p in range(len(self.labels)) if not np.isnan(self.shares[p]).any()
                for t in range(self.shares.shape[1])]
        return pd.DataFrame(rows, columns=["period", "topic", "share", "n_documents"])

    def period_documents(self):
        """period, n_documents: every period of the span."""
        return pd.DataFrame({"period": list(self.labels), "n_documents": self.n_documents})

    def changes(self):
        """Per topic its sharpest rise and fall between consecutive periods with documents:
        [{'topic', 'rise': (period, change), 'fall': (period, change)}], ``period`` the one
        the share changed into; None where there is no change to name."""
        filled = [p for p in range(len(self.labels)) if not np.isnan(self.shares[p]).any()]
        out = []
        for t in range(self.shares.shape[1]):
            steps = [(self.labels[b], float(self.shares[b, t] - self.shares[a, t]))
                     for a, b in zip(filled, filled[1:])]
            rise = max(steps, key=lambda s: s[1], default=None)
            fall = min(steps, key=lambda s: s[1], default=None)
            out.append({"topic": t + 1, "rise": rise if rise and rise[1] > 0 else None,
                        "fall": fall if fall and fall[1] < 0 else None})
        return out


def topics_over_time(weights, dominant, dates, bins="auto"):
    """The :class:`Timeline` of a fitted model.

    Parameters
    ----------
    weights : ndarray of shape (n_documents, n_topics)
        Normalized document-topic weights (rows sum to 1; zeros for a document without terms).
    dominant : array of shape (n_documents,)
        Each document's dominant topic, numbered from 1 (NA/0 for none).
    dates : Dates
    bins : str
    """
    periods = periods_of(dates.values, bins)
    n_periods, k = len(periods.labels), weights.shape[1]
    dated = periods.index >= 0
    index = periods.index[dated]
    n_documents = np.bincount(index, minlength=n_periods)
    mass = np.zeros((n_periods, k))
    for start, block in _normalized_blocks(weights):
        rows = periods.index[start:start + block.shape[0]]
        np.add.at(mass, rows[rows >= 0], block[rows >= 0])
    totals = mass.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, mass / totals, np.nan)
    dom = pd.array(dominant, dtype="Int64").fillna(0).to_numpy(dtype=np.int64)[dated]
    dominated = np.zeros((n_periods, k + 1), dtype=np.int64)
    np.add.at(dominated, (index, dom), 1)
    return Timeline(periods, n_documents, shares, dominated[:, 1:], dates)


def _normalized_blocks(weights):
    """(first row, normalized weights): the array given, or a DocWeights (W on disk, out of
    core) normalized a block at a time."""
    if isinstance(weights, DocWeights):
        for start, block in weights.blocks():
            yield start, normalized_weights(block)
    else:
        yield 0, weights


def documents_dated(documents, options):
    """The :class:`~.dates.Dates` of ``documents`` (None when undated), read before the fit
    so that a date problem, or too many periods for ``options.dynamic``, stops the run
    before any work."""
    dates = document_dates(documents, options)
    if dates is None:
        if options.dynamic:
            log.warning("--dynamic: no document is dated, so no dynamic topics are made; date the "
                        "documents with a date column, --date-from-path or mail Date: headers")
        return None
    log.info("%s", dates.summary())
    n_periods = len(periods_of(dates.values, options.time_bins).labels)
    if options.dynamic and n_periods > MAX_REFIT_PERIODS:
        raise ParameterError(f"dynamic topics over {n_periods:,} periods would fit as many window "
                             f"models (at most {MAX_REFIT_PERIODS}); choose coarser time_bins.")
    return dates


def dated_timeline(dates, result, options):
    """The Timeline of a fitted result (its ``topics`` and ``dtm``) for documents with
    ``dates`` (from :func:`documents_dated`); None when that is None."""
    if dates is None:
        return None
    topics = result.topics
    weights = topics.W if isinstance(topics.W, DocWeights) else normalized_weights(topics.W)
    timeline = topics_over_time(weights, topics.doc_topics["dominant_topic"], dates, options.time_bins)
    log.info("topics over time: %d period%s of %s", len(timeline.labels),
             "" if len(timeline.labels) == 1 else "s", timeline.periods.bins)
    n_periods = len(timeline.labels)
    # X in blocks (on disk out of core; or fetched from Dask workers) and W on disk are read
    # a group of periods per pass (period_rows), within a share of the run's memory budget
    X = result.dtm.X
    budget = (result.config.max_memory or DEFAULT_BUDGET) // 4
    terms = None
    if n_periods <= MAX_REFIT_PERIODS:
        terms = period_terms(X, topics.W, topics.H, timeline.periods.index,
                             timeline.labels, result.dtm.display_terms,
                             top_terms=result.config.top_terms, budget=budget)
    else:
        log.info("%d periods: the terms per period (topic_terms_over_time.csv) are left out "
                 "past %d; choose coarser time_bins for them", n_periods, MAX_REFIT_PERIODS)
    dynamic = None
    if options.dynamic:
        dynamic = dynamic_topics(X, timeline.periods.index, timeline.labels,
                                 result.dtm.display_terms, n_topics=topics.n_topics,
                                 random_state=result.config.seed, budget=budget)
        log.info("dynamic topics: %d, linking %d window topics", len(dynamic.topics),
                 len(dynamic.window_topics))
    return replace(timeline, terms=terms, dynamic=dynamic)


def with_dates(dates, result):
    """``result`` whose doc_topics carry each document's date (ISO 8601; empty when undated)
    where any came from a path pattern or a mail Date: header; a date column is carried as
    given (``corpus.metadata``)."""
    if dates is None or set(dates.sources) <= {"date column"}:
        return result
    shown = shown_dates(dates.values)
    table = result.topics.doc_topics
    table = table.with_column("date", shown) if hasattr(table, "with_column") else table.assign(date=shown)
    return replace(result, topics=replace(result.topics, doc_topics=table))


def with_timeline(dates, result, options):
    """``result`` (a TopicResult) with its :func:`dated_timeline`."""
    return replace(result, timeline=dated_timeline(dates, result, options))
