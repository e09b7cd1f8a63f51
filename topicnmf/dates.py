"""Documents' dates: read from the text a corpus carries, never guessed silently.

A document's date comes from, in this order: its date column (CSV/JSONL/Parquet metadata,
``Document.date``), the named groups ``year``/``month``/``day`` of ``date_from_path``
matched against its id (a folder's documents: their path below the folder), or the
``Date:`` line of an e-mail header block that starts its text. Values are ISO 8601
(``2005-03-04``, ``2005-03-04T10:00:00+02:00``, ``1790``), common written forms
(``March 5, 2004``, ``Tue, 1 Nov 2005 10:00:00 +0000``, ``04/03/2005``) or Unix times
(seconds or milliseconds since 1970). Times with a zone are taken in UTC.

Numeric dates such as ``03/04/2005`` are read day first only when some value of the same
source cannot be month first (``13/04/2005``); otherwise month first, and the report says
so. A value that is none of these is counted as unparseable and listed, never guessed.
"""

import email.utils
import logging
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

import dateutil.parser
import numpy as np
import pandas as pd

from .clean import looks_like_email
from .errors import CorpusError, ParameterError

log = logging.getLogger("topicnmf")

TIME_BINS = ("auto", "year", "quarter", "month", "week", "day")
EXAMPLES = 5  # unparseable values listed
_NUMERIC_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\s*$")
_UNIX = re.compile(r"^\s*-?\d{9,14}(\.\d+)?\s*$")
_DATE_LINE = re.compile(r"^date:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class TimeOptions:
    """How documents are dated and binned.

    Attributes
    ----------
    date_from_path : str or None, default=None
        A regular expression searched in each document's id (a folder's documents: the path
        below the folder) whose named groups ``year`` (required), ``month`` and ``day`` give
        the date of a document without a date column value.
    time_bins : {'auto', 'year', 'quarter', 'month', 'week', 'day'}, default='auto'
        The periods of topics over time; 'auto' picks the coarsest giving 10 or more
        periods (and groups years, 5, 10, 25 ... at a time, past 40 years).
    dynamic : bool, default=False
        Also fit dynamic topics (window topics per period linked by a second NMF; see
        :mod:`topicnmf.dynamic`).
    """

    date_from_path: str | None = None
    time_bins: str = "auto"
    dynamic: bool = False

    def __post_init__(self):
        if self.time_bins not in TIME_BINS:
            raise ParameterError(f"time_bins must be one of {', '.join(TIME_BINS)}; "
                                 f"got {self.time_bins!r}.")
        if self.date_from_path is not None:
            path_pattern(self.date_from_path)
        if not isinstance(self.dynamic, bool):
            raise ParameterError(f"dynamic must be True or False; got {self.dynamic!r}.")

    def to_dict(self):
        return {"date_from_path": self.date_from_path, "time_bins": self.time_bins,
                "dynamic": self.dynamic}


def path_pattern(text):
    """The compiled ``date_from_path`` pattern, checked: valid, with a ``year`` group."""
    if not isinstance(text, str) or not text:
        raise ParameterError(f"date_from_path must be a regular expression; got {text!r}.")
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise ParameterError(f"date_from_path is not a valid regular expression ({exc}); "
                             f"got {text!r}.") from None
    if "year" not in pattern.groupindex or set(pattern.groupindex) - {"year", "month", "day"}:
        raise ParameterError("date_from_path needs a named group 'year' (and may have 'month' "
                             "and 'day', no others), e.g. (?P<year>\\d{4})/(?P<month>\\d{2})/; "
                             f"got {text!r}.")
    return pattern


@dataclass(frozen=True)
class Dates:
    """The parsed dates of a corpus's documents.

    Attributes
    ----------
    values : ndarray of datetime64[s], shape (n_documents,)
        NaT for a document without a usable date.
    sources : tuple of str
        Where the dates came from ('date column', 'path pattern', 'mail Date: header').
    n_missing : int
        Documents with no date value at all.
    unparseable : tuple of (doc_id, value)
        Values that were found but could not be read as a date (all of them).
    notes : tuple of str
        Readings the report must mention (ambiguous day/month order read month first).
    """

    values: np.ndarray
    sources: tuple = ()
    n_missing: int = 0
    unparseable: tuple = ()
    notes: tuple = ()

    @property
    def n_dated(self):
        return int((~np.isnat(self.values)).sum())

    def summary(self):
        """One line: how many documents are dated, from where, and what could not be read."""
        line = f"{self.n_dated} of {len(self.values)} documents dated ({', '.join(self.sources)})"
        if self.unparseable:
            shown = ", ".join(repr(v) for _, v in self.unparseable[:EXAMPLES])
            line += f"; {len(self.unparseable)} unparseable date(s) left out ({shown})"
        if self.n_missing:
            line += f"; {self.n_missing} without a date"
        return line


def document_dates(documents, options=TimeOptions()):
    """The :class:`Dates` of ``documents`` (objects with id, text and date), or None when no
    document carries any date value (an undated corpus)."""
    pattern = path_pattern(options.date_from_path) if options.date_from_path else None
    if pattern is None and getattr(documents, "undated", False):  # (known without a look at each)
        return None
    raw, origin = [], []
    for doc in documents:
        value, source = _raw_date(doc, pattern)
        raw.append(value)
        origin.append(source)
    if all(v is None for v in raw):
        if pattern is not None:
            raise CorpusError(f"date_from_path {options.date_from_path!r} matched no document "
                              "id (ids are paths below the input folder, e.g. 2005/03/a.txt).")
        return None
    values, notes = parse_dates(raw)
    bad = tuple((doc.id, v) for doc, v, d in zip(documents, raw, values)
                if v is not None and np.isnat(d))
    order = ("date column", "path pattern", "mail Date: header")
    dates = Dates(values=values, sources=tuple(s for s in order if s in set(origin)),
                  n_missing=sum(v is None for v in raw), unparseable=bad, notes=notes)
    if not dates.n_dated:  # a column named date that holds no dates: said, and left undated
        log.warning("none of the %d date value(s) could be read as a date (e.g. %r), so there "
                    "are no topics over time; dates must look like 2005-03-04, March 4, 2005 "
                    "or a Unix time", len(bad), bad[0][1])
        return None
    return dates


def shown_dates(values):
    """ISO 8601 strings of datetime64 ``values`` as doc_topics.csv shows them: days when
    every value is a midnight, else seconds; '' for NaT."""
    unit = "D" if np.all(np.isnat(values) | (values.astype("datetime64[D]") == values)) else "s"
    return np.where(np.isnat(values), "", np.datetime_as_string(values, unit=unit)).tolist()


def metadata_with_dates(documents, metadata):
    """``metadata`` ({'label': [...], 'date': [...]} of ``documents``) with the dates ``run``
    writes into doc_topics, for ``transform`` and ``update``: where any document is dated
    by a mail Date: header, each document's date in ISO 8601 (a date column alone is carried
    as given)."""
    dates = document_dates(documents)
    if dates is None or set(dates.sources) <= {"date column"}:
        return metadata
    return metadata | {"date": shown_dates(dates.values)}


def _raw_date(doc, pattern):
    if doc.date is not None and str(doc.date).strip():
        return str(doc.date), "date column"
    if pattern is not None:
        match = pattern.search(doc.id)
        if match:
            parts = match.groupdict()
            fields = [parts["year"]] + [p.zfill(2) for p in (parts.get("month"), parts.get("day")) if p]
            return "-".join(fields), "path pattern"
    mail = doc.mail_date if hasattr(doc, "mail_date") else mail_date(doc.text)  # (read in passes)
    return (mail, "mail Date: header") if mail else (None, None)


def mail_date(text):
    """The value of a mail or news header's Date: field, or None."""
    if looks_like_email(text):
        match = _DATE_LINE.search(text[:5000].split("\n\n", 1)[0])
        if match:
            return match.group(1).strip()
    return None


def parse_dates(values):
    """(datetime64[s] array with NaT where a value is None or unreadable, notes).

    Unix times (9 to 14 digits: seconds, or milliseconds past 11), then ISO 8601, then
    RFC 2822 mail dates, then the written forms pandas (dateutil) reads, with the day/month
    order of numeric dates decided once for all values (see the module's docstring).
    """
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    texts = pd.Series([None if v is None else str(v).strip() for v in values], dtype=object)
    present = texts.notna().to_numpy()
    for i in np.flatnonzero(present):
        if _UNIX.match(texts.iat[i]):
            number = float(texts.iat[i])
            seconds = number / 1000 if len(texts.iat[i].split(".")[0].lstrip("-")) > 11 else number
            out[i] = np.datetime64(int(seconds), "s")
    # ISO 8601 starts with its year (pandas would also read 'today' and 'now')
    todo = present & np.isnat(out) & texts.str.match(r"\s*[+-]?\d", na=False).to_numpy(dtype=bool)
    if todo.any():
        iso = pd.to_datetime(texts[todo], format="ISO8601", errors="coerce", utc=True)
        out[np.flatnonzero(todo)] = _seconds(iso)
    todo = present & np.isnat(out)
    notes = ()
    if todo.any():
        dayfirst, notes = _day_order([texts.iat[i] for i in np.flatnonzero(todo)])
        for i in np.flatnonzero(todo):
            out[i] = _one(texts.iat[i], dayfirst)
    return out, notes


def _seconds(parsed):
    """A UTC datetime Series as naive datetime64[s] values."""
    return parsed.dt.tz_convert(None).to_numpy().astype("datetime64[s]")


def _day_order(texts):
    """(dayfirst, notes) for the numeric dates among ``texts``."""
    pairs = [(int(m.group(1)), int(m.group(2)), t) for t in texts if (m := _NUMERIC_DMY.match(t))]
    if not pairs:
        return False, ()
    if any(a > 12 for a, _, _ in pairs) and not any(b > 12 for _, b, _ in pairs):
        return True, ()
    ambiguous = [t for a, b, t in pairs if a <= 12 and b <= 12 and a != b]
    if ambiguous and not any(b > 12 for _, b, _ in pairs):
        note = (f"{len(ambiguous)} numeric date(s) such as {ambiguous[0]!r} could be day/month "
                "or month/day; read as month/day/year (write them as YYYY-MM-DD to be sure)")
        log.warning("%s", note)
        return False, (note,)
    return False, ()


def _one(text, dayfirst):
    """One value as datetime64[s], or NaT: a mail date, or a written date that names its
    year (a text without one, '12:30', would be dated today: refused)."""
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        stamp = _written(text, dayfirst)
        if stamp is None:
            return np.datetime64("NaT")
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    try:
        return np.datetime64(stamp.replace(microsecond=0).isoformat(), "s")
    except ValueError:
        return np.datetime64("NaT")


_DEFAULTS = (datetime(1, 1, 1), datetime(2, 2, 2))


def _written(text, dayfirst):
    """dateutil's reading of ``text``, or None when it fails or the text names no year."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first, second = (dateutil.parser.parse(text, default=d, dayfirst=dayfirst)
                             for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    return first if first.year == second.year else None
