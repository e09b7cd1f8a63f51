"""The rows of a Parquet file, or of a folder of Parquet files, streamed in record batches
(pyarrow, the ``parquet`` extra): only the text, id, label and date columns are read, one
batch of rows at a time, so a collection larger than memory passes through."""

import logging
import os
from pathlib import Path

from ..errors import CorpusError
from .decode import decode_bytes

PARQUET_SUFFIX = ".parquet"
BATCH_ROWS = 65_536
log = logging.getLogger(__name__)
_said = set()  # (file, role) already reported: a corpus read in passes is read again
# Why a folder's .parquet file is not read when the folder also holds text files (it is a folder of texts).
BESIDE_TEXTS = "parquet file beside text files (pass it alone, or a folder of only .parquet files)"


def _pyarrow_parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CorpusError("reading Parquet needs pyarrow: pip install 'topicnmf[parquet]'.") from None
    return pq


def parquet_files(folder, include_hidden=False):
    """The .parquet files below ``folder`` in sorted path order (hidden ones left out unless
    ``include_hidden``); empty when there are none."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        dirnames.sort()
        found += [Path(dirpath) / f for f in sorted(filenames)
                  if f.lower().endswith(PARQUET_SUFFIX) and (include_hidden or not f.startswith("."))]
    return found


def other_files(folder, include_hidden=False):
    """The relative paths of the files below a folder of Parquet files that are not read (a
    Spark job's ``_SUCCESS``, a schema .json), so that they are counted as skipped; hidden
    ones (``.part-0.parquet.crc``) only with ``include_hidden``, as the walk of
    :func:`parquet_files`."""
    others = []
    for dirpath, dirnames, filenames in os.walk(folder):
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        dirnames.sort()
        others += [(Path(dirpath) / f).relative_to(folder).as_posix() for f in sorted(filenames)
                   if not f.lower().endswith(PARQUET_SUFFIX) and (include_hidden or not f.startswith("."))]
    return others


def not_read_reason(filename, default):
    """Why a file of a folder of texts whose suffix is not read is skipped: ``default``, or
    for a .parquet file, that it sits beside text files (its rows are not read)."""
    return BESIDE_TEXTS if filename.lower().endswith(PARQUET_SUFFIX) else default


def is_parquet(path, extensions=(), include_hidden=False):
    """Whether ``path`` is read as Parquet: a .parquet file, or a folder holding .parquet files
    and no text files (of ``extensions``)."""
    path = Path(path)
    if not path.is_dir():
        return path.name.lower().endswith(PARQUET_SUFFIX)
    found = False
    for dirpath, dirnames, filenames in os.walk(path):
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            filenames = [f for f in filenames if not f.startswith(".")]
        names = [f.lower() for f in filenames]
        if any(f.endswith(tuple(extensions)) for f in names):
            return False
        found = found or any(f.endswith(PARQUET_SUFFIX) for f in names)
    return found


def _schema(pq, path):
    try:
        return pq.ParquetFile(path).schema_arrow
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ... for a damaged file
        raise CorpusError(f"{path}: not a readable Parquet file ({exc}).") from None


def _columns(path, names, options):
    """{role: column} for the text and the id/label/date columns this file has."""
    if options.text_column not in names:
        raise CorpusError(f"{path}: no column {options.text_column!r}; columns are {sorted(names)}. "
                          "Set text_column to choose one.")
    columns = {"text": options.text_column}
    for role in ("id", "label", "date"):
        chosen = getattr(options, f"{role}_column")
        if chosen is not None and chosen not in names:
            raise CorpusError(f"{path}: no column {chosen!r} for {role}_column; columns are {sorted(names)}.")
        if (chosen or role) in names:
            columns[role] = chosen or role
    return columns


def _kind(arrow_type):
    """'string', 'binary' or None (another type) for a column of ``arrow_type``."""
    import pyarrow.types as types

    value = arrow_type.value_type if types.is_dictionary(arrow_type) else arrow_type
    if types.is_string(value) or types.is_large_string(value) or str(value) == "string_view":
        return "string"
    if types.is_binary(value) or types.is_large_binary(value) or types.is_fixed_size_binary(value) \
            or str(value) == "binary_view":
        return "binary"
    return "string" if types.is_null(value) else None  # (all null: every cell empty)


def _text_kind(path, schema, column):
    """How the text column's cells are read: 'string', or 'binary' (bytes, decoded as a text
    file's are); for another type (numbers, lists of tokens, structs) a CorpusError that
    names it and the file's columns of strings."""
    arrow_type = schema.field(column).type
    if (kind := _kind(arrow_type)) is not None:
        return kind
    strings = sorted(f.name for f in schema if _kind(f.type) == "string" and str(f.type) != "null")
    where = f"this file's: {strings}" if strings else "this file has none"
    hint = "; a list of tokens: join each row's tokens into one string" if str(arrow_type).startswith(
        ("list<", "large_list<")) else ""
    raise CorpusError(f"{path}: column {column!r} holds {arrow_type} values, not text; set text_column to a "
                      f"column of strings ({where}){hint}.")


def _scalar_columns(path, schema, columns, options):
    """``columns`` without an id or label column of lists, structs or maps (its cells became
    ids and labels such as "['a', 'b']"): one found by its name is left out (said once), one
    chosen (id_column, label_column) is a CorpusError. The date column is read as dates are."""
    import pyarrow.types as types

    for role in ("id", "label"):
        if role not in columns or not types.is_nested(kind := schema.field(columns[role]).type):
            continue
        if getattr(options, f"{role}_column") is not None:
            raise CorpusError(f"{path}: column {columns[role]!r} holds {kind} values, not one {role} a row; "
                              f"set {role}_column to a column of strings or numbers.")
        if (key := (str(path), role)) not in _said:
            _said.add(key)
            log.warning("%s: column %r holds %s values, not one %s a row: left out%s", path, columns[role], kind,
                        role, " (documents numbered by row)" if role == "id" else "")
        del columns[role]
    return columns


def _decoded(value):
    """A binary cell's text, as a file of these bytes would read (None: not text)."""
    return None if value is None else decode_bytes(value)[0]


def _cell(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


def parquet_records(path, options, root=None):
    """(row label, {'id', 'text', 'label', 'date'}) for each row of a Parquet file or of the
    Parquet files below a folder, or (row label, None) for a row without text. Without an id
    column a row is numbered 'row-1', ... (in a folder, 'part.parquet:row-1'). A missing
    column, no rows and no text are CorpusErrors."""
    pq = _pyarrow_parquet()
    path = Path(path)
    files = parquet_files(path, options.include_hidden) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"{path}: no .parquet files found.")
    n_rows = n_docs = 0
    for file in files:
        schema = _schema(pq, file)
        columns = _columns(file, set(schema.names), options)
        decode = _text_kind(file, schema, columns["text"]) == "binary"
        columns = _scalar_columns(file, schema, columns, options)
        prefix = f"{file.relative_to(path).as_posix()}:" if path.is_dir() else ""
        number = 0
        try:
            batches = pq.ParquetFile(file).iter_batches(batch_size=BATCH_ROWS,
                                                        columns=list(dict.fromkeys(columns.values())))
            for batch in batches:
                values = {role: batch.column(name).to_pylist() for role, name in columns.items()}
                if decode:
                    values["text"] = [_decoded(value) for value in values["text"]]
                for i, text in enumerate(values["text"]):
                    number += 1
                    where = f"{prefix}row-{number}"
                    if not isinstance(text, str) or not text.strip():
                        yield where, None
                        continue
                    n_docs += 1
                    doc_id = _cell(values["id"][i]) if "id" in values else None
                    yield where, {"id": doc_id or where,
                                  "text": text,
                                  "label": _cell(values["label"][i]) if "label" in values else None,
                                  "date": _cell(values["date"][i]) if "date" in values else None}
        except CorpusError:
            raise
        except Exception as exc:  # a damaged page, a file truncated while read
            raise CorpusError(f"{file}: cannot read row {number + 1} of the Parquet file ({exc}).") from None
        n_rows += number
    if not n_rows:
        raise CorpusError(f"{path}: the Parquet data holds no rows.")
    if not n_docs:
        raise CorpusError(f"{path}: every row has an empty {options.text_column!r} cell.")
