"""Report files too large to render as one text: written a block of rows at a time.

An out-of-core run's ``doc_topics`` is a :class:`~topicnmf.topics.DocTopicTable` (W on
disk); its CSV and Parquet files are :class:`StreamedFile` values that the writer asks to
write themselves into the staging folder, one block of W at a time, so that neither the
table nor its text is ever whole in memory. The bytes are those of the in-memory writers
(the CSV byte for byte; the Parquet file holds the same table, in several row groups).
The reports (JSON, Markdown, HTML) are StreamedFiles too (:func:`text_file`): rendered when
written, while the tables are written beside them.
"""

import csv
import io

import numpy as np
import pandas as pd

from ..docweights import Strings
from . import parquet


class StreamedFile:
    """A file made by ``write(path)``, called once the file's place is known; ``beside``:
    whether it may be written while other files are (the per-document tables: no more memory
    than a block of W and its text each, W in memory or its blocks on disk, each writer
    reading its own; out of core, 794k package summaries: the report stage 5.7-6.7 -> 3.3-3.5 s
    with both written at once, peak RSS 0.77 -> 0.84 GiB)."""

    def __init__(self, write, beside=False):
        self.write, self.beside = write, beside

    def write_to(self, path):
        self.write(path)


def text_file(make):
    """A :class:`StreamedFile` of the text ``make()`` returns, made when it is written: a
    report rendered while the large tables are written beside it."""

    def write(path):
        path.write_text(make(), encoding="utf-8", newline="")

    return StreamedFile(write)


def doc_topics_csv_file(table, to_csv, has_carriage_return, lines=None):
    """doc_topics.csv of a DocTopicTable: each block's rows as ``to_csv`` writes a table
    (the header once), all with the quoting the whole table would get; with ``lines`` (a
    function of a block's ids, weights and dominant topics giving the same bytes, or None)
    where the table has no metadata and needs minimal quoting."""

    def write(path):
        quoting = (csv.QUOTE_NONNUMERIC if _ids_hold_carriage_return(table) or
                   any(has_carriage_return(f) for f in _text_only(table)) else csv.QUOTE_MINIMAL)
        if lines is not None and quoting == csv.QUOTE_MINIMAL and not table.metadata and \
                _write_lines(table, path, lines):
            return
        with open(path, "w", encoding="utf-8", newline="") as f:
            for i, frame in enumerate(table.frames()):
                text = to_csv(frame, quoting=quoting)
                f.write(text if i == 0 else text.split("\n", 1)[1])

    return StreamedFile(write, beside=True)


def _write_lines(table, path, lines):
    """The header, then each block's ``lines``; False (the file to be made again the
    DataFrame's way) when a block's lines are None."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(list(table.columns))
    with open(path, "wb") as f:
        f.write(header.getvalue().encode("utf-8"))
        for ids, weights, dominant in table.parts():
            text = lines(ids, weights, dominant)
            if text is None:
                return False
            f.write(text)
    return True


def frames_csv_file(frames, to_csv):
    """One CSV file of an iterable of tables with the same columns, made as it is written
    (``topicnmf transform`` out of core: a chunk of scored documents each): the header once,
    each table's rows as ``to_csv`` writes it."""

    def write(path):
        with open(path, "w", encoding="utf-8", newline="") as f:
            for i, frame in enumerate(frames):
                text = to_csv(frame)
                f.write(text if i == 0 else text.split("\n", 1)[1])

    return StreamedFile(write)


def _id_blocks(table):
    ids = table.doc_ids
    return (ids.block(i) for i in range(len(ids.paths))) if isinstance(ids, Strings) else [list(ids)]


def _ids_hold_carriage_return(table):
    """Whether a document id holds a carriage return (one scan of each block of ids joined)."""
    return any("\r" in "\0".join(map(str, block)) for block in _id_blocks(table))


def _text_only(table):
    """The table's metadata columns as a small frame (the ids are read by
    :func:`_ids_hold_carriage_return`)."""
    if table.metadata:
        yield pd.DataFrame({name: list(values) for name, values in table.metadata.items()})


def _arrow_blocks(table):
    """The table as pyarrow Tables, one per block of W: :func:`~.parquet.arrow_table` of each
    of :meth:`frames`, made from the blocks' arrays without a DataFrame when the table has no
    metadata (whose columns' types are pandas' to infer)."""
    if table.metadata:
        yield from (parquet.arrow_table(frame) for frame in table.frames())
        return
    pa, _ = parquet.pyarrow()
    for ids, weights, dominant in table.parts():
        columns = [pa.array(ids, type=pa.string()), pa.array(dominant.astype(np.int64), mask=dominant == 0)]
        columns += list(np.ascontiguousarray(np.asarray(weights, dtype=np.float64).T))  # (float64, as the CSV)
        yield pa.table(dict(zip(table.columns, columns)))


def doc_topics_parquet_file(table):
    """doc_topics.parquet of a DocTopicTable, a row group per block of W."""

    def write(path):
        _, pq = parquet.pyarrow()
        writer = None
        try:
            for chunk in _arrow_blocks(table):
                if writer is None:
                    writer = pq.ParquetWriter(path, chunk.schema, **parquet.writer_options(chunk))
                writer.write_table(chunk)
        finally:
            if writer is not None:
                writer.close()

    return StreamedFile(write, beside=True)
