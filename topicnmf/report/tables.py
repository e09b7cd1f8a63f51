"""CSV outputs: each a function of the result, returning text.

Cells are made safe to open in a spreadsheet: a text cell that starts with ``=``, ``+``,
``-``, ``@`` or a tab/CR would be run as a formula there (``=HYPERLINK(...)`` in a document
id), so it gets a leading apostrophe, as OWASP advises; topics.json keeps every value raw.
A cell holding a bare carriage return, which the csv module leaves unquoted when lines end
in ``\\n`` (a reader then sees two rows), makes the whole file quote its text cells.
"""

import csv
import re

import numpy as np
import pandas as pd

from ..topics import DocTopicTable
from . import fastcsv, streamed

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RISKY_ID = re.compile("\0[" + re.escape("".join(FORMULA_START)) + "]")  # a cell (after its NUL) starting so


def _safe(frame):
    """``frame`` with its text cells that a spreadsheet would run as formulas neutralized."""
    out = frame
    for column in frame.columns:
        values = frame[column]
        if not _is_text(values):
            continue
        risky = pd.Series([isinstance(v, str) and v.startswith(FORMULA_START) for v in values.tolist()],
                          index=values.index, dtype=bool)
        if risky.any():
            out = out.copy() if out is frame else out
            out[column] = values.where(~risky, "'" + values.astype(str))
    return out


def _is_text(values):
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def _has_carriage_return(frame):
    return any("\r" in "".join(v for v in frame[c].tolist() if isinstance(v, str))
               for c in frame.columns if _is_text(frame[c]))


def to_csv(frame, quoting=None):
    """The CSV text of a table: lines end in ``\\n``, floats with 6 significant digits;
    text cells quoted when one holds a carriage return (or as ``quoting`` says)."""
    frame = _safe(frame)
    if quoting is None:
        quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(frame) else csv.QUOTE_MINIMAL
    if quoting == csv.QUOTE_MINIMAL and fastcsv.supported(frame):
        return fastcsv.frame_csv(frame)  # the same text, formatted by numba instead of Python
    if quoting == csv.QUOTE_NONNUMERIC:  # <NA> and None must stay empty, not a quoted ""
        frame = frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.Int64Dtype)})
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6g", quoting=quoting)


def topics_csv(result):
    """topic, rank, term, weight: one row per top term of each topic."""
    return to_csv(result.topics.terms)


def doc_topics_csv_chunks(frames):
    """doc_topics.csv of an iterable of doc_topics tables (chunks of rows in order): a
    StreamedFile that makes each table as it writes it."""
    return streamed.frames_csv_file(frames, to_csv)


def doc_topic_lines(ids, weights, dominant):
    """The lines of doc_topics.csv for a block of rows without metadata, as bytes: as
    :func:`to_csv` (minimal quoting) writes :func:`~topicnmf.topics.doc_topic_table`'s
    DataFrame, without making it (its columns, the Int64 column's cells formatted one by one
    in Python, and the text made then encoded again were half of writing 794k rows). ``ids``
    strings, ``weights`` (rows, k) each row summing to 1 (or 0), ``dominant`` 1-based (0:
    none). None when an id holds a NUL or is not a string (the DataFrame's way then)."""
    try:
        joined = "\0" + "\0".join(ids)  # (a TypeError: an id is not a string)
    except TypeError:
        return None
    if _RISKY_ID.search(joined):  # (one scan: an id a spreadsheet would run as a formula)
        ids = ["'" + v if v.startswith(FORMULA_START) else v for v in ids]
    ids = fastcsv._quoted_all(ids)
    labels = np.array([""] + [str(t) for t in range(1, weights.shape[1] + 1)], dtype=object)
    return fastcsv.rows_bytes([ids, labels[dominant].tolist(),
                               fastcsv._float_bytes(np.asarray(weights, dtype=np.float64))])


def doc_topics_csv(doc_topics):
    """doc_id, dominant_topic, topic_1 ... topic_k (weights summing to 1 per document); for
    a DocTopicTable (out of core) a StreamedFile writing it a block of rows at a time."""
    if isinstance(doc_topics, DocTopicTable):
        return streamed.doc_topics_csv_file(doc_topics, to_csv, _has_carriage_return,  # (_safe adds none)
                                            lines=doc_topic_lines)
    return to_csv(doc_topics)
