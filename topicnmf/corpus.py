"""Reading documents: a folder of text files, or one CSV / JSONL file.

This is a shell: the only stage that touches the input files. :func:`iter_documents` yields
the documents one at a time as they are read, and fills a :class:`ReadLog` with what it
skipped and how it decoded; :func:`read_corpus` collects them into a frozen :class:`Corpus`.
The format readers and the decoding live in :mod:`topicnmf.readers`.
"""

import os
from itertools import islice
from dataclasses import dataclass, field, replace
from numbers import Real
from pathlib import Path

from .clean import all_safe, visible_id, without_surrogates
from .errors import CorpusError, ParameterError
from .readers import DOCUMENT_SUFFIXES, decode_bytes, file_suffixes, found_by_content, link_problem, output_files, read_file  # noqa: F401,E501
from .readers import MARKUP_MODES, is_parquet, not_read_reason, other_files, parquet_records, read_text_file, table_records, with_visible_text  # noqa: F401
from .readers.mbox import MBOX_SUFFIXES, is_mbox_file, mbox_documents
from .readers.walk import sorted_walk
from .resources import paused_gc
from .unique_ids import BATCH as ID_BATCH, SeenIds

DEFAULT_EXTENSIONS = (".txt", ".md", ".rst", ".text", ".markdown", ".org", ".tex", ".asc", *DOCUMENT_SUFFIXES,
                      *MBOX_SUFFIXES)
NOT_READ = "suffix not in extensions"  # a file of another type: counted, never an error
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
TABLE_SUFFIXES = (*CSV_SUFFIXES, ".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".parquet")
DEFAULT_MAX_FILE_MB = 50.0
MAX_FILE_MB_LIMIT = 2.0**20  # 1 TiB: beyond any file, and within what one read can ask for


@dataclass(frozen=True, slots=True)  # (no __dict__: 100 bytes less a document, half the objects to track)
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
class ReadOptions:
    """How to read a corpus; every reading setting and its default, defined once.

    Parameters
    ----------
    text_column : str, default='text'
        Column (or JSON field) holding the text, for tables.
    id_column, label_column, date_column : str or None, default=None
        Columns carried as id and metadata. None uses 'id', 'label' and 'date' when present;
        without an id column, documents are numbered by row ('row-2' is the first CSV row).
    extensions : tuple of str or str, default=DEFAULT_EXTENSIONS
        File suffixes read from a folder, case-insensitive; 'txt', 'TXT' and '.txt' all
        mean '.txt', and a string is split at commas ('txt,md').
    max_file_mb : float, default=50
        Files larger than this are skipped (reported); in a table (streamed: any size) a line
        longer than this is an error, as is a .gz one past it at 100x its size (a bomb).
    include_hidden : bool, default=False
        Also read hidden files and folders (names starting with '.', such as .git).
    strict : bool, default=False
        Raise :class:`CorpusError` instead of skipping any file or row.
    folder_labels : bool, default=False
        For a folder: label each document with the top-level subfolder it is in (files
        directly in the folder get none), so reports score topics against the folders.
    follow_links_outside : bool, default=False
        Also read files through symbolic links whose target is outside the input folder;
        by default such links are skipped (and reported).
    text_markup : {'auto', 'html', 'none'}, default='auto'
        A table's text column read as HTML (its visible text, as .html files): 'auto' when half
        its first 50 texts hold tags or entities (said on stderr); 'none' keeps the text as it is.
    """

    text_column: str = "text"
    id_column: str | None = None
    label_column: str | None = None
    date_column: str | None = None
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    include_hidden: bool = False
    strict: bool = False
    folder_labels: bool = False
    follow_links_outside: bool = False
    text_markup: str = "auto"

    def __post_init__(self):
        if not isinstance(self.text_column, str) or not self.text_column:
            raise ParameterError(f"text_column must be a non-empty string; got {self.text_column!r}.")
        for name in ("id_column", "label_column", "date_column"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ParameterError(f"{name} must be a non-empty string or None; got {value!r}.")
        object.__setattr__(self, "extensions", file_suffixes(self.extensions))
        mb = self.max_file_mb
        if isinstance(mb, bool) or not isinstance(mb, Real) or not 0 < mb < float("inf"):
            raise ParameterError(f"max_file_mb must be a number > 0; got {mb!r}.")
        if mb > MAX_FILE_MB_LIMIT:
            raise ParameterError(f"max_file_mb must be at most {MAX_FILE_MB_LIMIT:.0f} (1 TiB); got {mb!r}.")
        if self.text_markup not in MARKUP_MODES:
            raise ParameterError(f"text_markup must be one of {', '.join(MARKUP_MODES)}; got {self.text_markup!r}.")
        for name in ("include_hidden", "strict", "folder_labels", "follow_links_outside"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"{name} must be True or False; got {getattr(self, name)!r}.")


@dataclass(frozen=True)
class CorpusStats:
    """What reading a corpus gave: counts, skipped inputs, and how things were read.

    ``decoded`` lists (document id, encoding) for documents not read as UTF-8; ``renamed``
    (old id, new id) for duplicate ids made unique; ``hidden`` counts hidden files and
    folders left out, ``outputs`` topicnmf output folders left out, and ``repaired`` the lone
    surrogates in the text, ids, labels and dates of JSONL rows (or Python strings) replaced
    by U+FFFD.
    """

    source: str
    n_documents: int
    skipped: tuple[Skipped, ...] = ()
    decoded: tuple[tuple[str, str], ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    hidden: int = 0
    outputs: int = 0
    repaired: int = 0

    def summary(self):
        """One line: how many documents were read and what was skipped, by reason."""
        line = f"read {self.n_documents} documents from {self.source}"
        if self.skipped:
            reasons = {}
            for s in self.skipped:
                reasons[s.reason] = reasons.get(s.reason, 0) + 1
            detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
            line += f"; skipped {len(self.skipped)} ({detail})"
        for n, what in ((len(self.decoded), "decoded as a legacy encoding (not UTF-8)"),
                        (len(self.renamed), "duplicate ids made unique"), (self.hidden, "hidden file(s)/folder(s) left out"),
                        (self.outputs, "topicnmf output folder(s) left out"), (self.repaired, "lone surrogate(s) replaced by U+FFFD")):
            line += f"; {n} {what}" if n else ""
        return line


@dataclass
class ReadLog:
    """What :func:`iter_documents` met while reading, filled in as it yields.

    It also makes ids unique as documents pass: a repeated id gets '#2', '#3', ... and the
    renaming is listed in ``renamed``.
    """

    source: str = "<memory>"
    n_documents: int = 0
    skipped: list = field(default_factory=list)
    decoded: list = field(default_factory=list)
    renamed: list = field(default_factory=list)
    hidden: int = 0
    outputs: int = 0
    repaired: int = 0
    _seen: SeenIds = field(default_factory=SeenIds, repr=False)  # (compact: unique_ids.py)

    def add(self, doc):
        """The document, renamed if its id was seen before; counted."""
        return self.add_all([doc])[0]

    def add_all(self, docs):
        """:meth:`add` of each document in order, the new ids checked many at a time."""
        out = list(docs)
        for i, new_id in self._seen.renamed([d.id for d in out]):
            self.renamed.append((out[i].id, new_id))
            out[i] = replace(out[i], id=new_id)
        self.n_documents += len(out)
        return out

    def stats(self):
        return CorpusStats(self.source, self.n_documents, tuple(self.skipped), tuple(self.decoded),
                           tuple(self.renamed), self.hidden, self.outputs, self.repaired)


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
    outputs: int = 0  # topicnmf output folders left out
    repaired: int = 0  # lone surrogates replaced by U+FFFD

    def __len__(self):
        return len(self.documents)

    @property
    def ids(self):
        return [d.id for d in self.documents]

    @property
    def texts(self):
        return [d.text for d in self.documents]

    @property
    def stats(self):
        """This corpus's :class:`CorpusStats` (what the pipeline carries instead of the texts)."""
        return CorpusStats(self.source, len(self.documents), self.skipped, self.decoded,
                           self.renamed, self.hidden, self.outputs, self.repaired)

    def metadata(self):
        """{'label': [...], 'date': [...]} for the fields any document carries."""
        out = {}
        for name in ("label", "date"):
            values = [getattr(d, name) for d in self.documents]
            if any(v is not None for v in values):
                out[name] = values
        return out

    def texts_of(self, ids):
        """The texts of the documents with these ids, in the order given."""
        wanted = set(ids)  # (a dict of a few texts, not of every document's)
        by_id = {d.id: d.text for d in self.documents if d.id in wanted}
        for doc_id in ids:
            if doc_id not in by_id:
                raise CorpusError(f"{self.source}: no document with id {doc_id!r}.")
        return [by_id[doc_id] for doc_id in ids]

    def summary(self):
        """One line: how many documents were read and what was skipped, by reason."""
        return self.stats.summary()


def from_texts(texts, ids=None, *, labels=None, source="<memory>"):
    """A corpus from Python strings (for notebooks and tests), in the order given."""
    texts = list(texts)
    ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
    labels = list(labels) if labels is not None else [None] * len(texts)
    if len(ids) != len(texts) or len(labels) != len(texts):
        raise CorpusError("texts, ids and labels must have the same length.")
    log = ReadLog(source=source)
    docs = [log.add(_safe(Document(id=i, text=t, label=lab), log)) for i, t, lab in zip(ids, texts, labels)]
    return _corpus(docs, log)


def read_corpus(path, options=None, *, on_document=None, **settings):
    """Read a folder (recursively) or a CSV/TSV/JSONL file into a :class:`Corpus`.

    Parameters
    ----------
    path : str or Path
        A folder of text files, or one .csv/.tsv/.jsonl(.gz) file.
    options : ReadOptions, optional
        How to read; default ``ReadOptions()``.
    on_document : callable, optional
        Called after each document read (progress).
    **settings
        :class:`ReadOptions` fields, overriding ``options`` (``text_column="body"``).

    A folder's documents are sorted by id (their path below the folder); a table's keep the
    file's order. Raises :class:`CorpusError` when nothing usable is found.
    """
    log, docs = ReadLog(), []
    with paused_gc(Path(path).name.lower().endswith(TABLE_SUFFIXES)):  # (a table's rows make no cycles)
        for doc in iter_documents(path, options, log=log, **settings):
            docs.append(doc)
            if on_document is not None:
                on_document()
    read = _options(options, settings)
    if Path(path).is_dir() and not is_parquet(path, read.extensions, read.include_hidden):
        docs.sort(key=lambda d: d.id)
    return _corpus(docs, log)


def _corpus(docs, log):
    return Corpus(tuple(docs), log.source, tuple(log.skipped), tuple(log.decoded),
                  tuple(log.renamed), log.hidden, log.outputs, log.repaired)


def iter_documents(path, options=None, *, log=None, **settings):
    """Yield the documents of a folder or a CSV/TSV/JSONL file one at a time, as they are read.

    Takes the same arguments as :func:`read_corpus`. A folder's files come in the order of
    the walk (sorted within each folder); a table's rows in the file's order, parsed as the
    file streams by. Ids are made unique as they pass. ``log`` (a :class:`ReadLog`), when
    given, is filled with the skipped inputs, legacy decodings, renamings and hidden files.
    Errors about the path and the options are raised by this call; errors about the content
    (no usable document, an unknown column in a JSONL file, ``strict``) when the reading gets
    there, at the latest after the last document.
    """
    options = _options(options, settings)
    p = Path(path)
    if not p.exists():
        raise CorpusError(f"{path}: no such file or folder; check the path.")
    if not p.is_dir():
        if options.folder_labels:
            raise CorpusError(f"{path}: folder_labels needs a folder as input; for a table, "
                              "use label_column.")
        if not p.name.lower().endswith(TABLE_SUFFIXES + MBOX_SUFFIXES):
            raise CorpusError(f"{path}: a single file must be .csv, .tsv or .jsonl (each also .gz), .parquet or "
                              ".mbox; for plain text files, pass the folder that holds them.")
    log = log if log is not None else ReadLog()
    log.source = str(p)
    return _documents(p, options, log)


def _options(options, settings):
    if options is None:
        return ReadOptions(**settings)
    if not isinstance(options, ReadOptions):
        raise ParameterError(f"options must be a ReadOptions; got {options!r}.")
    return replace(options, **settings) if settings else options  # replace() validates anew


def _documents(path, options, log):
    folder = path.is_dir() and not is_parquet(path, options.extensions, options.include_hidden)
    mbox = not path.is_dir() and path.name.lower().endswith(MBOX_SUFFIXES)  # its messages, 'box.mbox/1' ...
    source = ((_safe(doc, log) for doc in _folder_documents(path.parent if mbox else path, options, log,
                                                            only=mbox and path.name))
              if folder or mbox else _table_documents(path, options, log))
    while batch := list(islice(source, ID_BATCH)):  # (ids checked ID_BATCH at a time)
        yield from log.add_all(batch)
    unusable = [s for s in log.skipped if s.reason != NOT_READ]
    if options.strict and unusable:
        first = "; ".join(f"{s.source}: {s.reason}" for s in unusable[:3])
        more = f" and {len(unusable) - 3} more" if len(unusable) > 3 else ""
        raise CorpusError(f"`strict`: {len(unusable)} input(s) could not be used ({first}{more}); "
                          "fix them, or drop `strict` to skip them.")


def _safe(doc, log):
    """The document as valid Unicode (lone surrogates as U+FFFD, counted), with an id,
    label and date that show their control characters and bidi overrides as escapes."""
    fields = {}
    for name in ("id", "text", "label", "date"):
        if (value := getattr(doc, name)) is not None:
            value, n = without_surrogates(value)
            log.repaired += n
            fields[name] = value if name == "text" else visible_id(value)
    return Document(**fields)


def _folder_documents(root, options, log, only=None):
    max_bytes = int(options.max_file_mb * 2**20)
    root_real = os.path.realpath(root)
    n_docs = 0
    # os.walk does not follow links to folders, so link loops cannot trap it.
    for dirpath, dirnames, filenames, first in sorted_walk(root, lambda rel, why: log.skipped.append(Skipped(visible_id(rel), why))):
        if only:  # one file of the folder: an mbox given alone
            dirnames[:], filenames = [], [f for f in filenames if f == only]
        outputs = output_files(dirpath)
        if outputs is not None:  # a report folder (--out inside the input): never input
            log.outputs += first
            if dirpath != str(root):
                dirnames[:] = []
                continue
            dirnames[:] = [d for d in dirnames if d not in outputs]
            filenames = [f for f in filenames if f not in outputs]
        if not options.include_hidden:  # .git, .svn, .cache ...
            log.hidden += sum(d.startswith(".") for d in dirnames)
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        dirnames.sort()
        for filename in sorted(filenames):
            if filename.startswith(".") and not options.include_hidden:
                log.hidden += 1
                continue
            full = Path(dirpath) / filename
            # undecodable bytes of a file name, and its control characters, shown as escapes
            rel = visible_id(full.relative_to(root).as_posix())
            if not filename.lower().endswith(options.extensions) and not found_by_content(full):
                log.skipped.append(Skipped(rel, not_read_reason(filename, NOT_READ)))
                continue
            if problem := link_problem(full, root_real, options.follow_links_outside):
                log.skipped.append(Skipped(rel, problem))
                continue
            label = rel.split("/", 1)[0] if options.folder_labels and "/" in rel else None
            if is_mbox_file(full):  # one document per message, 'box.mbox/1', 'box.mbox/2' ...
                for name, text in mbox_documents(full, rel, max_bytes, lambda name, why: log.skipped.append(Skipped(name, why))):
                    n_docs += 1  # (streamed: max_bytes limits each message)
                    yield Document(id=name, text=text, label=label)
                continue
            text, reason, encoding = read_file(full, max_bytes)
            if reason:
                log.skipped.append(Skipped(rel, reason))
                continue
            if encoding != "utf-8":
                log.decoded.append((rel, encoding))
            n_docs += 1
            yield Document(id=rel, text=text, label=label)
    if not n_docs:
        unusable = [s for s in log.skipped if s.reason != NOT_READ]
        if unusable:
            raise CorpusError(
                f"{root}: no readable text in {len(unusable)} file(s) "
                f"({', '.join(sorted({s.reason for s in unusable}))})."
            )
        raise CorpusError(
            f"{root}: no text files found (looked for {', '.join(options.extensions)}); "
            "set `extensions` to read other suffixes."
        )


def _table_documents(path, options, log):
    """A table's documents as :func:`_safe` makes them: as read when a batch has nothing to change."""
    parquet = is_parquet(path, options.extensions, options.include_hidden)
    log.skipped += [Skipped(f, NOT_READ) for f in other_files(path, options.include_hidden)] if parquet and path.is_dir() else []
    records = with_visible_text((parquet_records if parquet else table_records)(path, options), options, path)
    while batch := list(islice(records, ID_BATCH)):
        log.skipped += [Skipped(n if parquet else f"line {n}", "empty or non-text cell") for n, f in batch if f is None]
        docs = [Document(f["id"], f["text"], f["label"], f["date"]) for _, f in batch if f is not None]
        yield from docs if all_safe(docs) else (_safe(d, log) for d in docs)
