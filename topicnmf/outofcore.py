"""Runs larger than memory: the memory plan, and a corpus read in passes from its source.

Before reading, :func:`plan` estimates what the in-memory run would hold (from the input's
size: its documents and bytes of text) against a budget, ``max_memory`` (default: a share
of the memory available). Over budget, the run goes out of core: a :class:`StreamedCorpus`
reads the source once per pass, keeping only ids and metadata (labels, dates) between
passes; :func:`read_in_passes` learns the boilerplate lines and builds X chunk by chunk
(:mod:`.passes`) as Partitions in a scratch folder that is removed after the run. The fit
keeps W's blocks in that folder too (:func:`fit_settings`), and :func:`on_disk` hands W on
as :class:`~.docweights.DocWeights`, so that W is never whole in memory after the fit either.
"""

import contextlib
import gzip
import logging
import mmap
import os
import tempfile
import time
import zlib
from dataclasses import dataclass, replace
from itertools import compress
from operator import attrgetter
from pathlib import Path

import numpy as np

from . import nmf
from . import partitions as parts
from .corpus import Corpus, CorpusStats, Document, ReadLog, iter_documents
from .dates import mail_date
from .docweights import DocWeights, Strings
from .errors import CorpusError, ParameterError, TopicNMFError
from .passes import chunked, vectorize_in_passes, workers_for
from .boilerplate import learn_boilerplate_in_chunks
from .first_pass import AheadCounts
from .clean import MAYBE_HEADER
from .mail import authors as authors_of
from .preprocess import Analyzer
from .readers import is_parquet
from .readers.mbox import MBOX_SUFFIXES
from .readers.parquet import parquet_files
from .progress import stage
from .resources import available_memory, human_size
from .vectorize import in_words

log = logging.getLogger("topicnmf")
DEFAULT_SHARE = 0.6  # of the available memory, when max_memory is not given
# What the in-memory run holds, measured on the 794k package summaries (2.26 GB): texts,
# tokens and term lists as Python objects, per document and per byte of text.
PER_DOCUMENT = 2000
PER_TEXT_BYTE = 10
GZIP_RATIO = 4  # a .gz table's text, per compressed byte (estimated, not decompressed)


@dataclass(frozen=True)
class MemoryPlan:
    """The estimate of an in-memory run against the budget, in bytes."""

    n_documents: int
    estimate: int
    budget: int | None

    @property
    def out_of_core(self):
        return self.budget is not None and self.estimate > self.budget

    def chunk_documents(self):
        """Documents per chunk: a tenth of the budget at the in-memory cost per document,
        from 1,000 to 50,000."""
        per_doc = max(1, self.estimate // max(self.n_documents, 1))
        return int(min(50_000, max(1_000, (self.budget or 2**31) // 10 // per_doc)))


def input_size(path, options):
    """(documents, bytes of text) of a source, cheaply: rows counted in a table (its lines;
    a .gz table's size times GZIP_RATIO), files in a folder, Parquet's own metadata."""
    path = Path(path)
    if is_parquet(path, options.extensions, options.include_hidden):
        import pyarrow.parquet as pq  # only reached when reading Parquet works
        files = parquet_files(path, options.include_hidden) if path.is_dir() else [path]
        meta = [pq.ParquetFile(f).metadata for f in files]
        rows = sum(m.num_rows for m in meta)
        size = sum(m.row_group(i).total_byte_size for m in meta for i in range(m.num_row_groups))
        return rows, size
    if path.is_dir():
        n = size = 0
        for dirpath, _, filenames in os.walk(path):
            for f in filenames:
                if f.lower().endswith(options.extensions):
                    n += 1
                    size += os.path.getsize(os.path.join(dirpath, f))
        return n, size
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    separator = b"\nFrom " if path.name.lower().endswith(MBOX_SUFFIXES) else b"\n"  # an mbox's messages
    lines = size = 0
    with opener(path, "rb") as f:
        while block := f.read(2**24):
            lines += block.count(separator)
            size += len(block)
    return lines, size


def plan(source, config, available=None):
    """The :class:`MemoryPlan` of a run of ``config`` on ``source`` (a path or a Corpus)."""
    if isinstance(source, Corpus):  # already in memory
        return MemoryPlan(len(source), 0, None)
    path = Path(source)
    if not path.exists():
        raise CorpusError(f"{source}: no such file or folder; check the path.")
    try:
        n, size = input_size(path, config.read)
    except (OSError, EOFError, zlib.error, ImportError, ValueError):  # damaged, unreadable, or Parquet
        n, size = 0, 0  # without pyarrow: the reader says so in its own words
    k = config.n_topics if isinstance(config.n_topics, int) else 12
    estimate = PER_DOCUMENT * n + PER_TEXT_BYTE * size + 3 * 8 * n * k
    budget = config.max_memory
    if budget is None:
        have = available_memory() if available is None else available
        budget = None if have is None else int(DEFAULT_SHARE * have)
    return MemoryPlan(n, int(estimate), budget)


class StreamedCorpus:
    """A corpus read from its source once per pass: ids (on disk, :class:`~.docweights.Strings`),
    labels and dates are kept, texts are read again when needed (unless kept: below).
    Documents come in the order of :func:`iter_documents` (for a folder, the sorted walk's
    order, as in memory).

    With ``keep_texts``, the first whole pass also keeps every text on disk (``stored``, a
    Strings beside the ids) and each one's mail author (``authors``: None while no text has
    one), so that what the run reads back after the fit (the junk check's authors, the
    reports' texts) is read from there by row rather than by parsing the input again (the
    10x package summaries: a pass of about 20 s; the texts take their UTF-8 size on disk)."""

    def __init__(self, path, options, keep_texts=False):
        self.path, self.options = path, options
        self.ids, self.labels, self.dates, self.mail_dates = Strings(), None, None, None
        self.keep_texts, self.stored, self.authors = keep_texts, None, None  # (the latter two: once read)
        self.stats = CorpusStats(str(path), 0)
        self.whole = False  # ids and metadata recorded by a whole pass

    def text_chunks(self, size):
        """Lists of up to ``size`` texts, read from the source; ids and metadata recorded."""
        return ([d.text for d in chunk] for chunk in self.document_chunks(size))

    def document_chunks(self, size):
        """Lists of up to ``size`` Documents, read from the source; ids and metadata recorded
        (until a pass has read them all: the same in every pass)."""
        if self.whole:
            yield from chunked(iter_documents(self.path, self.options), size)
            return
        read_log = ReadLog()
        ids, labels, dates, mail, n = Strings(), None, None, None, 0
        stored, authors = (Strings() if self.keep_texts else None), None
        for chunk in chunked(iter_documents(self.path, self.options, log=read_log), size):
            ids.append(list(map(attrgetter("id"), chunk)))
            labels = _kept(labels, list(map(attrgetter("label"), chunk)), n)  # (None while no document has one)
            dates = _kept(dates, list(map(attrgetter("date"), chunk)), n)
            mail = _kept(mail, _mail_dates(chunk), n)
            if stored is not None:
                stored, authors = _with_texts(stored, authors, list(map(attrgetter("text"), chunk)), n)
            n += len(chunk)
            yield chunk
        self.ids, self.labels, self.dates, self.mail_dates = ids, labels, dates, mail
        self.stored, self.authors = stored, authors  # (None: not kept, or no room for them)
        self.stats = read_log.stats()
        self.whole = True

    def __len__(self):
        return len(self.ids)

    @property
    def source(self):
        return self.stats.source

    def summary(self):
        return self.stats.summary()

    def metadata(self):
        return {name: values for name, values in (("label", self.labels), ("date", self.dates))
                if values is not None}

    @property
    def documents(self):
        """The documents without their texts (ids, labels, dates): what dating reads, made
        as they are iterated."""
        return _Documents(self)

    @property
    def texts(self):
        """Every text, read again as it is iterated (the junk-topic check reads authors
        from all of them); ``take(rows)`` the texts of some rows."""
        return _Texts(self)

    def read_documents(self):
        """Every document, its text included, read again from the source (one pass)."""
        return iter_documents(self.path, self.options)

    def texts_of(self, ids):
        """The texts of the documents with these ids, in the order given (one more pass)."""
        wanted = set(ids)
        found = {d.id: d.text for d in iter_documents(self.path, self.options) if d.id in wanted}
        missing = [i for i in ids if i not in found]
        if missing:
            raise CorpusError(f"{self.source}: no document with id {missing[0]!r}.")
        return [found[i] for i in ids]


def _mail_dates(chunk):
    """Each undated document's Date: header (``dates.mail_date``), or None: looked for only in
    the texts a compiled match does not rule out."""
    found = [None] * len(chunk)
    for i in compress(range(len(chunk)), map(MAYBE_HEADER.match, map(attrgetter("text"), chunk))):
        found[i] = None if chunk[i].date else mail_date(chunk[i].text)
    return found


def _with_texts(stored, authors, texts, before):
    """(stored, authors) with a chunk's texts and their authors added; (None, None) when the
    texts cannot be written (a full disk: they are read again after the fit, as before, and
    the folder of those kept so far goes with its Strings)."""
    try:
        stored.append(texts)
    except OSError as exc:
        log.warning("out of core: no room to keep the texts in %s (%s); they are read again after "
                    "the fit", tempfile.gettempdir(), exc.strerror or exc)
        return None, None
    return stored, _kept(authors, authors_of(texts), before)


def _kept(values, chunk, before):
    """``values`` (None: all None so far, ``before`` of them) with ``chunk`` appended."""
    if values is None and chunk.count(None) == len(chunk):
        return None
    values = values if values is not None else [None] * before
    values.extend(chunk)
    return values


class _View:
    """A view of a StreamedCorpus's documents, as long as the corpus."""

    def __init__(self, corpus):
        self.corpus = corpus

    def __len__(self):
        return len(self.corpus)


class _Documents(_View):
    @property
    def undated(self):
        """No document has a date value or a Date: header (dating them all says so)."""
        return self.corpus.dates is None and self.corpus.mail_dates is None

    def __iter__(self):
        labels, dates, mail = self.corpus.labels, self.corpus.dates, self.corpus.mail_dates
        for i, doc_id in enumerate(self.corpus.ids):
            yield _Dated(id=doc_id, text="", label=None if labels is None else labels[i],
                         date=None if dates is None else dates[i], mail_date=None if mail is None else mail[i])


@dataclass(frozen=True)
class _Dated(Document):
    """A document read in passes, without its text: its Date: header's value kept instead."""

    mail_date: str | None = None


class _Texts(_View):
    def __iter__(self):
        if self.corpus.stored is not None:
            return iter(self.corpus.stored)
        return (d.text for d in iter_documents(self.corpus.path, self.corpus.options))

    def take(self, rows):
        """The texts of these rows (positions in reading order), in the order given."""
        if self.corpus.stored is not None:
            return self.corpus.stored.take(rows)
        where = {int(r): i for i, r in enumerate(rows)}
        out = [None] * len(where)
        for row, text in enumerate(self):
            if row in where:
                out[where[row]] = text
        return [out[where[int(r)]] for r in rows]


def read_in_passes(source, config, folder, memory, progress, in_memory=None):
    """(StreamedCorpus, (preprocessing, analyzer, PartitionedTerms, coverage, timings)) of ``source``: a pass
    to learn the boilerplate lines (when ``repeated_line_share`` > 0), a pass to analyze and
    count, and the TF-IDF blocks written into ``folder``; ``memory`` is the run's
    :class:`MemoryPlan`. Said on stderr in one line. Without a ``folder`` (within budget):
    ``(in_memory(source, config, progress), None)``, the corpus read whole."""
    if folder is None:
        return in_memory(source, config, progress), None
    if config.n_topics == "auto":
        raise ParameterError("n_topics='auto' sweeps in memory, and this corpus would need about "
                             f"{human_size(memory.estimate)}; give n_topics, or raise max_memory.")
    for setting, what in (("phrase_labels", "reads every document's topic weights and text"),
                          ("ensemble", "fits its members on subsamples of rows of X"),
                          ("anchors", "starts its anchored topics from rows of X")):
        if getattr(config, setting):
            raise ParameterError(f"{setting} {what} in memory, and this corpus would need about "
                                 f"{human_size(memory.estimate)}; drop `{setting}`, or raise max_memory.")
    log.info("out of core: the in-memory run would need about %s, over the budget of %s "
             "(max_memory); reading in passes, X on disk in %s (removed afterwards)",
             human_size(memory.estimate), human_size(memory.budget), folder)
    corpus, start = StreamedCorpus(source, config.read, keep_texts=True), time.perf_counter()
    chunk_documents = memory.chunk_documents()
    workers = workers_for(memory.n_documents)
    ahead = AheadCounts(config.preprocess, str(folder), workers)  # pass 1 during the first reading
    try:
        with stage(progress, "preprocess"):
            preprocessing = learn_boilerplate_in_chunks(ahead.passes(lambda: corpus.text_chunks(chunk_documents)),
                                                        config.preprocess, ids=lambda: corpus.ids,
                                                        expected=memory.n_documents)
            counted = ahead.result(preprocessing)  # (None: it learned what changes the terms)
    finally:
        ahead.close()
    analyzer = Analyzer(preprocessing)
    with stage(progress, "vectorize"):
        dtm = vectorize_in_passes(corpus.text_chunks(chunk_documents) if counted is None else (), analyzer,
                                  config.vectorize, folder=str(folder), workers=workers, counted=counted)
    log.info("%s", corpus.summary())
    log.info("language: %s", preprocessing.language.describe(config.preprocess.stem))
    log.info("TF-IDF matrix: %d documents x %d terms, %d nonzeros in %d partitions on disk%s",
             *dtm.shape, dtm.nnz, len(dtm.X), in_words(dtm))
    if len(corpus) < 2:
        raise CorpusError(
            f"{corpus.source}: only {len(corpus)} usable document; topics need at least two "
            "documents (a folder of files, or a CSV/JSONL file with one document per row).")
    return corpus, (preprocessing, analyzer, dtm, dtm.coverage, {"vectorize": time.perf_counter() - start})


@contextlib.contextmanager
def scratch_folder(wanted=True):
    """A temporary folder for X's partitions, removed with everything in it afterwards (None,
    and nothing made, when not ``wanted``). An OSError of the run it holds (a full disk:
    numpy's ``3357 requested and 1357 written``) is the one-line error that names the
    temporary folder and what to do."""
    if not wanted:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="topicnmf-scratch-") as folder:
        try:
            yield folder
        except OSError as exc:
            if isinstance(exc, (ConnectionError, TimeoutError)):  # (a Dask cluster's, not the disk's)
                raise
            raise TopicNMFError(f"out of core: cannot write the scratch files in {tempfile.gettempdir()} "
                                f"({exc.strerror or exc}); free space there, or set TMPDIR to a folder with room for "
                                "X's and W's blocks, the ids and the texts (see README, out of core).") from None


def fit_settings(X):
    """Settings of the fit for X: out of core (X's blocks on disk), W's blocks kept in X's
    scratch folder during the fit and returned per block (``factorize_partitioned``'s
    ``scratch`` and ``stack=False``); none in memory."""
    if isinstance(X, parts.Partitions) and X.on_disk:
        return {"stack": False, "scratch": os.path.dirname(X.paths[0])}
    return {}


def on_disk(nmf):
    """``nmf`` with W given per block (``fit_settings``) as :class:`~.docweights.DocWeights`;
    the blocks' memory maps released one by one as they are copied (their pages leave the
    process's memory), so W is never whole in memory."""
    if not isinstance(nmf.W, tuple):
        return nmf
    blocks = list(nmf.W)
    nmf = replace(nmf, W=None)  # (the tuple of maps gone: the list below is the last holder)

    def released():
        while blocks:
            block = blocks.pop(0)
            yield np.array(block)
            mapping = getattr(block, "_mmap", None)
            if mapping is not None:
                mapping.madvise(mmap.MADV_DONTNEED)
            del block

    return replace(nmf, W=DocWeights(released()))


def fit_matrix(X, k, **kwargs):
    """``nmf.factorize``, or for X held as Partitions ``nmf.factorize_partitioned`` block by
    block (the same iterates as in memory), or, in a build without the partitioned solver,
    ``nmf.factorize`` on the blocks stacked."""
    if not isinstance(X, parts.Partitions):
        return nmf.factorize(X, k, **kwargs)
    partitioned = getattr(nmf, "factorize_partitioned", None)
    if partitioned is not None:
        return partitioned(X, k, **kwargs)
    return nmf.factorize(parts.stack(X), k, **kwargs)
