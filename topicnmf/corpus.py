"""Reading documents: a folder of text files, or one CSV / JSONL file.

This is a shell: the only stage that touches the input files. It returns a frozen
:class:`Corpus` and reports every file it skipped, with the reason.
"""

import csv
import gzip
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError

DEFAULT_EXTENSIONS = (".txt", ".md", ".rst", ".text", ".markdown", ".org", ".tex", ".asc")
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
DEFAULT_MAX_FILE_MB = 50.0
BINARY_SNIFF_BYTES = 8192
# Share of invalid bytes up to which a file is taken as damaged UTF-8 (the bad bytes shown
# as U+FFFD) rather than as a legacy 8-bit encoding.
UTF8_DAMAGE_LIMIT = 0.01


@dataclass(frozen=True)
class Document:
    """One document: its id, its text, and optional metadata carried to the reports."""

    id: str
    text: str
    label: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An input that was not read, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    """Documents in a sorted, deterministic order, plus what was skipped and how things were read.

    ``decoded`` lists (document id, encoding) for documents not read as UTF-8.
    """

    documents: tuple[Document, ...]
    source: str
    skipped: tuple[Skipped, ...] = ()
    decoded: tuple[tuple[str, str], ...] = ()
    renamed: tuple[tuple[str, str], ...] = field(default=())
    hidden: int = 0  # hidden files and folders left out

    def __len__(self):
        return len(self.documents)

    @property
    def ids(self):
        return [d.id for d in self.documents]

    @property
    def texts(self):
        return [d.text for d in self.documents]

    def metadata(self):
        """{'label': [...], 'date': [...]} for the fields any document carries."""
        out = {}
        for name in ("label", "date"):
            values = [getattr(d, name) for d in self.documents]
            if any(v is not None for v in values):
                out[name] = values
        return out

    def summary(self):
        """One line: how many documents were read and what was skipped, by reason."""
        line = f"read {len(self.documents)} documents from {self.source}"
        if self.skipped:
            reasons = {}
            for s in self.skipped:
                reasons[s.reason] = reasons.get(s.reason, 0) + 1
            detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
            line += f"; skipped {len(self.skipped)} ({detail})"
        if self.decoded:
            line += f"; {len(self.decoded)} decoded as a legacy encoding (not UTF-8)"
        if self.renamed:
            line += f"; {len(self.renamed)} duplicate ids made unique"
        if self.hidden:
            line += f"; {self.hidden} hidden file(s)/folder(s) left out"
        return line


def from_texts(texts, ids=None, *, labels=None, source="<memory>"):
    """A corpus from Python strings (for notebooks and tests), in the order given."""
    texts = list(texts)
    ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
    labels = list(labels) if labels is not None else [None] * len(texts)
    if len(ids) != len(texts) or len(labels) != len(texts):
        raise CorpusError("texts, ids and labels must have the same length.")
    docs = [Document(id=i, text=t, label=lab) for i, t, lab in zip(ids, texts, labels)]
    return _finish(docs, source, skipped=[], decoded=[], keep_order=True)


def read_corpus(
    path,
    *,
    text_column="text",
    id_column=None,
    label_column=None,
    date_column=None,
    extensions=DEFAULT_EXTENSIONS,
    max_file_mb=DEFAULT_MAX_FILE_MB,
    include_hidden=False,
    strict=False,
    folder_labels=False,
):
    """Read a folder (recursively) or a CSV/TSV/JSONL file into a :class:`Corpus`.

    Parameters
    ----------
    path : str or Path
        A folder of text files, or one .csv/.tsv/.jsonl(.gz) file.
    text_column : str, default='text'
        Column (or JSON field) holding the text, for tables.
    id_column, label_column, date_column : str or None
        Columns carried as id and metadata. None uses 'id', 'label' and 'date' when present;
        without an id column, documents are numbered by row.
    extensions : iterable of str
        File suffixes read from a folder (case-insensitive).
    max_file_mb : float, default=50
        Files larger than this are skipped (and reported).
    include_hidden : bool, default=False
        Also read hidden files and folders (names starting with '.', such as .git).
    strict : bool, default=False
        Raise :class:`CorpusError` instead of skipping any file or row.
    folder_labels : bool, default=False
        For a folder: label each document with the top-level subfolder it is in (files
        directly in the folder get none), so reports score topics against the folders.
    """
    p = Path(path)
    if not p.exists():
        raise CorpusError(f"{path}: no such file or folder; check the path.")
    if p.is_dir():
        corpus = _read_folder(p, tuple(e.lower() for e in extensions),
                              max_bytes=int(max_file_mb * 2**20), include_hidden=include_hidden,
                              folder_labels=folder_labels)
        _check_strict(corpus, strict)
        return corpus
    name = p.name.lower()
    if folder_labels:
        raise CorpusError(f"{path}: --folder-labels needs a folder as input; for a table, "
                          "use --label-column.")
    if not name.endswith(TABLE_SUFFIXES):
        raise CorpusError(
            f"{path}: a single file must be .csv, .tsv or .jsonl(.gz); "
            "for plain text files, pass the folder that holds them."
        )
    columns = dict(text=text_column, id=id_column, label=label_column, date=date_column)
    if name.endswith((".csv", ".tsv")):
        rows = _csv_rows(p, delimiter="\t" if name.endswith(".tsv") else ",")
    else:
        rows = _jsonl_rows(p)
    corpus = _from_rows(rows, p, columns)
    _check_strict(corpus, strict)
    return corpus


def _check_strict(corpus, strict):
    if strict and corpus.skipped:
        first = "; ".join(f"{s.source}: {s.reason}" for s in corpus.skipped[:3])
        more = f" and {len(corpus.skipped) - 3} more" if len(corpus.skipped) > 3 else ""
        raise CorpusError(
            f"--strict: {len(corpus.skipped)} input(s) could not be used ({first}{more})."
        )


# -- folders -----------------------------------------------------------------------------


def _read_folder(root, extensions, *, max_bytes, include_hidden, folder_labels=False):
    docs, skipped, decoded, hidden = [], [], [], 0
    # os.walk does not follow links to folders, so link loops cannot trap it.
    for dirpath, dirnames, filenames in os.walk(root):
        if not include_hidden:  # .git, .svn, .cache ...
            hidden += sum(d.startswith(".") for d in dirnames)
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        dirnames.sort()
        for filename in sorted(filenames):
            if filename.startswith(".") and not include_hidden:
                hidden += 1
                continue
            if not filename.lower().endswith(extensions):
                continue
            full = Path(dirpath) / filename
            rel = full.relative_to(root).as_posix()
            text, reason, encoding = _read_text_file(full, max_bytes)
            if reason:
                skipped.append(Skipped(rel, reason))
                continue
            if encoding != "utf-8":
                decoded.append((rel, encoding))
            label = rel.split("/", 1)[0] if folder_labels and "/" in rel else None
            docs.append(Document(id=rel, text=text, label=label))
    if not docs:
        if skipped:
            raise CorpusError(
                f"{root}: no readable text in {len(skipped)} file(s) "
                f"({', '.join(sorted({s.reason for s in skipped}))})."
            )
        raise CorpusError(
            f"{root}: no text files found (looked for {', '.join(extensions)}); "
            "pass --extensions to read other suffixes."
        )
    return _finish(docs, str(root), skipped, decoded, hidden=hidden)


def _read_text_file(path, max_bytes):
    """(text, skip_reason, encoding): exactly one of text and skip_reason is set."""
    try:
        if path.is_symlink() and not path.exists():
            return None, "broken or looping link", None
        if not path.is_file():
            return None, "not a regular file", None
        size = path.stat().st_size
        if size > max_bytes:
            return None, f"larger than --max-file-mb ({max_bytes / 2**20:g} MB)", None
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or type(exc).__name__})", None
    if len(data) > max_bytes:
        return None, f"larger than --max-file-mb ({max_bytes / 2**20:g} MB)", None
    text, encoding = decode_bytes(data)
    if text is None:
        return None, "binary", None
    if not text.strip():
        return None, "empty", None
    return text, None, encoding


def decode_bytes(data):
    """Decode a file's bytes: (text, encoding), or (None, None) when it looks binary.

    UTF-8 (with or without BOM) first; UTF-16 when it carries a BOM or its zero bytes sit
    in every other position; UTF-8 with valid multi-byte characters and a few damaged bytes
    (replaced by U+FFFD);
    otherwise the legacy Windows-1252 encoding, with Latin-1 for the five bytes cp1252
    leaves undefined. Text with control characters other than whitespace is binary.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _checked(data.decode("utf-16", errors="replace"), "utf-16")
    head = data[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        utf16 = _bomless_utf16(head)
        if utf16 is None:
            return None, None
        return _checked(data.decode(utf16, errors="replace"), utf16)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    # Valid multi-byte characters beside a few bad bytes: damaged UTF-8. Without any, the
    # bytes above 127 are a legacy encoding's letters (Latin-1 "caf\xe9").
    has_utf8 = any(ord(c) > 127 and c != "\ufffd" for c in text)
    if has_utf8 and damaged <= max(1, UTF8_DAMAGE_LIMIT * len(data)):
        return _checked(text, "utf-8 (invalid bytes replaced)")
    try:
        return _checked(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return _checked(data.decode("latin-1"), "latin-1")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _checked(text, encoding):
    """(text, encoding), or (None, None) when control characters say it is not text."""
    sample = text[:BINARY_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        return None, None
    return text, encoding


def _bomless_utf16(head):
    """'utf-16-le' or 'utf-16-be' when zero bytes fill every other position, else None."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


# -- tables ------------------------------------------------------------------------------


def _open_text(path):
    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise CorpusError(f"{path}: cannot read ({exc}).") from None
    text, _ = decode_bytes(raw)
    if text is None:
        raise CorpusError(f"{path}: looks binary, not a text table.")
    return text


def _csv_rows(path, delimiter):
    csv.field_size_limit(2**31 - 1)  # one cell may hold a whole long document
    reader = csv.DictReader(io.StringIO(_open_text(path), newline=""), delimiter=delimiter)
    try:
        rows = [(i + 2, row) for i, row in enumerate(reader)]  # line 1 is the header
    except csv.Error as exc:
        raise CorpusError(f"{path}: malformed CSV ({exc}).") from None
    return rows


def _jsonl_rows(path):
    rows = []
    # split on newlines only: JSON strings may hold raw U+2028 and other "line breaks"
    for number, line in enumerate(_open_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}: line {number} is not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{path}: line {number} is not a JSON object.")
        rows.append((number, row))
    return rows


def _from_rows(rows, path, columns):
    if not rows:
        raise CorpusError(f"{path}: the file holds no rows.")
    present = set().union(*(row.keys() for _, row in rows))
    text_col = columns["text"]
    if text_col not in present:
        raise CorpusError(
            f"{path}: no column {text_col!r}; columns are {sorted(present)}. "
            "Pass --text-column to choose one."
        )
    chosen = {}
    for role in ("id", "label", "date"):
        name = columns[role]
        if name is not None and name not in present:
            raise CorpusError(f"{path}: no column {name!r} for --{role}-column; columns are {sorted(present)}.")
        chosen[role] = name if name is not None else (role if role in present else None)
    docs, skipped = [], []
    for number, row in rows:
        text = row.get(text_col)
        if not isinstance(text, str) or not text.strip():
            skipped.append(Skipped(f"line {number}", "empty or non-text cell"))
            continue
        doc_id = _cell(row, chosen["id"]) or f"row-{number}"
        docs.append(Document(id=doc_id, text=text, label=_cell(row, chosen["label"]),
                             date=_cell(row, chosen["date"])))
    if not docs:
        raise CorpusError(f"{path}: every row has an empty {text_col!r} cell.")
    return _finish(docs, str(path), skipped, decoded=[], keep_order=True)


def _cell(row, column):
    if column is None:
        return None
    value = row.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


def _finish(docs, source, skipped, decoded, keep_order=False, hidden=0):
    """Make ids unique (reporting each renaming) and fix the order."""
    seen, renamed, unique = {}, [], []
    for doc in docs:
        count = seen.get(doc.id, 0)
        seen[doc.id] = count + 1
        if count:
            new_id = f"{doc.id}#{count + 1}"
            while new_id in seen:
                count += 1
                new_id = f"{doc.id}#{count + 1}"
            seen[new_id] = 1
            renamed.append((doc.id, new_id))
            doc = Document(id=new_id, text=doc.text, label=doc.label, date=doc.date)
        unique.append(doc)
    if not keep_order:
        unique.sort(key=lambda d: d.id)
    return Corpus(tuple(unique), source, tuple(skipped), tuple(decoded), tuple(renamed), hidden)
