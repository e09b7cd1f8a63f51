"""The rows of a CSV/TSV/JSONL table, streamed: one at a time as they are parsed, a .gz file
decompressed on the fly, no more than a chunk of the file held at once, and never more than
``max_bytes`` of (decompressed) content read."""

import codecs
import csv
import io
import json
import sys
from itertools import chain

from ..errors import CorpusError
from .decode import BINARY_SNIFF_BYTES, _checked, decode_bytes, wide_unicode
from .files import open_limited, read_limited

# Bytes read to choose a table's encoding: enough for BINARY_SNIFF_BYTES characters of up to
# four bytes each, after a four-byte BOM.
_HEAD_BYTES = 4 * BINARY_SNIFF_BYTES + 8
_CHUNK_BYTES = 2**20


def csv_rows(path, delimiter, max_bytes=None):
    """(line number of the header + row index, row dict) for each row of a CSV/TSV file."""
    csv.field_size_limit(2**31 - 1)  # one cell may hold a whole long document
    reader = csv.DictReader(_table_lines(path, "", max_bytes), delimiter=delimiter)
    try:
        for i, row in enumerate(reader):
            yield i + 2, row  # line 1 is the header
    except csv.Error as exc:
        raise CorpusError(f"{path}: malformed CSV ({exc}).") from None


def jsonl_rows(path, max_bytes=None):
    """(line number, object) for each non-blank line of a JSONL file."""
    # lines end at "\n" only: JSON strings may hold raw U+2028 and other "line breaks"
    for number, line in enumerate(_table_lines(path, "\n", max_bytes), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line.removesuffix("\n"))
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}: line {number} is not valid JSON ({exc.msg} at column {exc.colno}).") from None
        except ValueError:  # an integer past Python's digit limit
            raise CorpusError(f"{path}: line {number} holds a number of more than "
                              f"{sys.get_int_max_str_digits()} digits.") from None
        except RecursionError:
            raise CorpusError(f"{path}: line {number} is JSON nested too deeply to read.") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{path}: line {number} is not a JSON object.")
        yield number, row


def _table_lines(path, newline, max_bytes):
    """The decoded lines of a table file, streamed, with the text decode_bytes would give."""
    choice = _stream_encoding(path, max_bytes)
    if choice is None:
        # A legacy-encoded or damaged table is read whole (within max_bytes): decode_bytes
        # weighs the whole file to choose its encoding.
        text, _ = decode_bytes(read_limited(path, max_bytes))
        if text is None:
            raise CorpusError(f"{path}: looks binary, not a text table.")
        yield from io.StringIO(text, newline=newline)
        return
    encoding, skip = choice
    errors = "strict" if encoding == "utf-8" else "replace"  # as decode_bytes
    raw = None
    try:
        with open_limited(path, max_bytes, per_line=True) as raw:
            raw.read(skip)
            yield from io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=newline)
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: the file changed while it was read; read it again.") from None
    except CorpusError as exc:
        raise CorpusError(f"{str(exc).rstrip('.')} ({_place(raw)}).") from None


def _place(raw):
    """Where in a table the error came: the line the stream ``raw`` (open_limited's) was
    reading (its read-ahead: for damaged compressed data, the damage is there or just after)."""
    return f"reading line {raw.raw.lines_done + 1}" if raw is not None else "opening it"


def _stream_encoding(path, max_bytes):
    """(encoding, BOM bytes to skip) to stream a table with, or None to decode it whole.

    Chooses from the file's head as decode_bytes does, and raises for a binary file. UTF-8
    is first checked to the end of the file (one more pass, a chunk at a time): one bad byte
    anywhere makes decode_bytes read the whole file another way.
    """
    raw = None
    try:
        with open_limited(path, max_bytes, per_line=True) as raw:
            return _choose_stream(path, raw)
    except CorpusError as exc:
        if str(exc).endswith("not a text table."):
            raise
        raise CorpusError(f"{str(exc).rstrip('.')} ({_place(raw)}).") from None


def _choose_stream(path, raw):
    head = raw.read(_HEAD_BYTES)
    skip = 0
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif head.startswith(codecs.BOM_UTF8):
        encoding, skip = "utf-8", len(codecs.BOM_UTF8)
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head[:BINARY_SNIFF_BYTES]:
        encoding = wide_unicode(head[:BINARY_SNIFF_BYTES])
        if encoding is None:
            return None  # decode_bytes decides: BOM-less Unicode of Chinese, or binary
    else:
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)(
        errors="strict" if encoding == "utf-8" else "replace")
    try:
        sample = decoder.decode(head[skip:], final=len(head) < _HEAD_BYTES)
        if _checked(sample, encoding)[0] is None:
            raise CorpusError(f"{path}: looks binary, not a text table.")
        if encoding == "utf-8":
            while chunk := raw.read(_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return encoding, skip


def table_records(path, options):
    """(line number, {'id', 'text', 'label', 'date'}) for each row of a table, or (line
    number, None) for a row without text. ``options`` has the ReadOptions' column names and
    max_file_mb; a missing column, no rows and no text are CorpusErrors."""
    name = path.name.lower()
    max_bytes = int(options.max_file_mb * 2**20)
    if name.endswith((".csv", ".tsv", ".csv.gz", ".tsv.gz")):
        return _csv_records(path, "\t" if name.endswith((".tsv", ".tsv.gz")) else ",", max_bytes, options)
    return _jsonl_records(path, max_bytes, options)


def _csv_records(path, delimiter, max_bytes, options):
    """table_records of a CSV/TSV file, its rows as :func:`csv_rows` (``csv.DictReader``)
    gives them: the first row names the columns (a name given twice: its last column), blank
    rows are skipped, a short row's missing cells are None. Without a dict per row (the
    DictReader and the per-row checks were 3 of the 7 s of reading 794k summaries)."""
    csv.field_size_limit(2**31 - 1)  # one cell may hold a whole long document
    reader = csv.reader(_table_lines(path, "", max_bytes), delimiter=delimiter)
    try:
        header = next(reader, None)
        rows = filter(None, reader)  # (blank rows are [])
        first = next(rows, None) if header is not None else None
        if first is None:
            raise CorpusError(f"{path}: the file holds no rows.")
        if problem := _column_problem(path, set(header), options):
            for _ in rows:  # a malformed row later on is reported first, as by a whole-file read
                pass
            raise CorpusError(problem)
        column = {name: j for j, name in enumerate(header)}
        text_at = column[options.text_column]
        id_at, label_at, date_at = (column.get(c, sys.maxsize) for c in (
            options.id_column or "id", options.label_column or "label", options.date_column or "date"))
        n_docs = 0
        for number, row in enumerate(chain([first], rows), start=2):  # line 1 is the header
            n = len(row)
            text = row[text_at] if text_at < n else None
            if not text or text.isspace():  # (as `not text.strip()`)
                yield number, None
                continue
            n_docs += 1
            doc_id = row[id_at] if id_at < n else None  # (a blank cell: None, as `not cell.strip()`)
            label = row[label_at] if label_at < n else None
            date = row[date_at] if date_at < n else None
            yield number, {"id": doc_id if doc_id and not doc_id.isspace() else f"row-{number}", "text": text,
                           "label": label if label and not label.isspace() else None,
                           "date": date if date and not date.isspace() else None}
    except csv.Error as exc:
        raise CorpusError(f"{path}: malformed CSV ({exc}).") from None
    if not n_docs:
        raise CorpusError(f"{path}: every row has an empty {options.text_column!r} cell.")


def _jsonl_records(path, max_bytes, options):
    """table_records of a JSONL file, whose columns are known only at its end."""
    present, n_rows, n_docs = set(), 0, 0
    text_col = options.text_column
    for number, row in jsonl_rows(path, max_bytes):
        n_rows += 1
        present.update(row)
        text = row.get(text_col)
        if not isinstance(text, str) or not text.strip():
            yield number, None
            continue
        n_docs += 1
        yield number, {"id": _cell(row, options.id_column or "id") or f"row-{number}", "text": text,
                       "label": _cell(row, options.label_column or "label"),
                       "date": _cell(row, options.date_column or "date")}
    if not n_rows:
        raise CorpusError(f"{path}: the file holds no rows.")
    if problem := _column_problem(path, present, options):
        raise CorpusError(problem)
    if not n_docs:
        raise CorpusError(f"{path}: every row has an empty {text_col!r} cell.")


def _column_problem(path, present, options):
    """The message for a column that no row has, or None."""
    names = sorted(k for k in present if k is not None)  # None: a CSV row's extra cells
    if options.text_column not in present:
        return (f"{path}: no column {options.text_column!r}; columns are {names}. "
                "Set text_column to choose one.")
    for role in ("id", "label", "date"):
        column = getattr(options, f"{role}_column")
        if column is not None and column not in present:
            return f"{path}: no column {column!r} for {role}_column; columns are {names}."
    return None


def _cell(row, column):
    value = row.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)
