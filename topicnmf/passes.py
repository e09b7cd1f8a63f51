"""TF-IDF of a corpus in two passes over chunks of documents, never holding all the texts.

Pass 1 analyzes each chunk (in a pool of worker processes when there are several chunks),
counts each term's document frequency and total count, and keeps the chunk as a matrix of
term counts over term ids (in memory, or as ``.npz`` files in a folder). The vocabulary is
then chosen exactly as scikit-learn's ``TfidfVectorizer`` chooses it (``min_df``, ``max_df``,
``max_features`` with the same ties, terms in sorted order), and pass 2 turns each chunk of
counts into a block of the TF-IDF matrix with the global IDF: the same terms and values as
:func:`topicnmf.vectorize.vectorize` on the whole corpus (tested), as
:class:`~topicnmf.partitions.Partitions`. Each document's coverage (the share of its words
in the vocabulary) comes out of pass 2 as well.
"""

import os
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from . import partitions as parts
from .errors import VocabularyError
from .chunk_terms import ChunkTerms
from .preprocess import Analyzer, Preprocessing
from .vectorize import (SMALL_CORPUS, DocumentTermMatrix, VectorizeOptions, coverage, in_dtype, log, squares,
                        vectorize, vocabulary_error)

CHUNK_DOCUMENTS = 20_000
POOL_DOCUMENTS = 200_000  # from this many documents, chunks are analyzed in worker processes


@dataclass(frozen=True)
class PartitionedTerms:
    """X (n_documents, n_terms) as row blocks, with what :class:`DocumentTermMatrix` tells.

    Attributes
    ----------
    X : Partitions (CSR blocks in ``options.dtype``, rows L2-normalized)
    terms, display_terms : tuple of str, length n_terms
    idf : ndarray (n_terms,)
    options : VectorizeOptions (``min_df`` resolved)
    n_seen_terms : int
    coverage : ndarray (n_documents,)
    nnz, empty_rows : int
    norm : float (||X||_F, 1.0 for an all-zero X)
    sums, df : ndarray (n_terms,)
        Each term's total weight in X, and its document frequency.
    """

    X: parts.Partitions
    terms: tuple
    display_terms: tuple
    idf: np.ndarray
    options: VectorizeOptions
    n_seen_terms: int
    coverage: np.ndarray
    nnz: int
    empty_rows: int
    norm: float
    sums: np.ndarray
    df: np.ndarray

    @property
    def shape(self):
        return self.X.shape

    filtering = DocumentTermMatrix.filtering

    def column_sums(self):
        return self.sums

    def document_frequency(self):
        return self.df

    def of_columns(self, columns):
        """X (n_documents, n_terms) with only the entries of ``columns`` (arrays of column
        indices) kept, CSR in memory: what coherence reads of the topics' top terms."""
        wanted = np.zeros(self.shape[1], dtype=bool)
        wanted[np.concatenate([np.asarray(c, dtype=np.int64) for c in columns])] = True
        blocks = []
        for block in self.X:
            keep = wanted[block.indices]
            rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))[keep]
            blocks.append(sp.csr_matrix((block.data[keep], (rows, block.indices[keep])), shape=block.shape))
        return sp.vstack(blocks, format="csr")


def analyze_chunk(analyzer, texts):
    """One chunk analyzed: (its distinct terms in order of appearance, a CSR matrix of term
    counts (documents, distinct terms), {stem: Counter of surface forms} when stemming)."""
    chunk = ChunkTerms(analyzer)
    counts, surfaces = chunk.count(texts)
    return chunk.terms, counts, surfaces


class _Numbered:
    """A process's :class:`~.chunk_terms.ChunkTerms`, handing back with each chunk the terms it
    numbered since the chunk before: (process, new terms, counts, surfaces)."""

    def __init__(self, analyzer):
        self.chunk_terms, self.sent = ChunkTerms(analyzer), 0

    def __call__(self, texts):
        counts, surfaces = self.chunk_terms.count(texts)
        new, self.sent = self.chunk_terms.terms[self.sent:], len(self.chunk_terms.terms)
        return os.getpid(), new, counts, surfaces


_WORKER = None


def _start_worker(preprocessing):
    global _WORKER
    _WORKER = _Numbered(Analyzer(preprocessing))


def _analyze_in_worker(texts):
    return _WORKER(texts)


def _analyzed(chunks, analyzer, workers):
    """(process, terms it numbered since its chunk before, counts, surfaces) of each chunk, in
    order; with ``workers`` > 1 in a process pool that analyzes up to ``workers`` chunks ahead
    of the one handed back (a worker's chunks come back in the order it took them)."""
    if workers <= 1:
        numbered = _Numbered(analyzer)
        for texts in chunks:
            yield numbered(texts)
        return
    preprocessing = Preprocessing(analyzer.options, analyzer.boilerplate_lines, analyzer.signatures,
                                  language=analyzer.language)  # what the analyzer was made of
    ChunkTerms(analyzer)  # (its character classes made here once, before the workers fork)
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(preprocessing,)) as pool:
        pending = []
        for texts in chunks:
            pending.append(pool.submit(_analyze_in_worker, texts))
            if len(pending) > workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


class _Counts:
    """Pass 1's state: term ids, document frequencies, total counts, surface forms, and the
    chunks as count matrices over term ids (in memory or as files in ``folder``)."""

    def __init__(self, folder):
        self.index, self.folder = {}, folder
        self.df = np.zeros(1024, dtype=np.int64)
        self.tf = np.zeros(1024, dtype=np.float64)
        self.surfaces = defaultdict(Counter)
        self.chunks, self.n_documents = [], 0
        self.of_process = {}  # process -> (its term id -> ours)

    def add(self, process, new_terms, counts, surfaces):
        # the process's term ids -> ours: its new terms looked up (in C), ours made for those
        # not seen before (in the order the process numbered them)
        known = np.fromiter(map(self.index.get, new_terms, repeat(-1)), dtype=np.int64, count=len(new_terms))
        new = np.flatnonzero(known < 0)
        known[new] = np.arange(len(self.index), len(self.index) + new.size)
        self.index.update(zip(map(new_terms.__getitem__, new.tolist()), known[new].tolist()))
        ids = self.of_process[process] = np.concatenate([self.of_process.get(process, known[:0]), known])
        if len(self.index) > self.df.size:
            grow = max(len(self.index), 2 * self.df.size) - self.df.size
            self.df = np.concatenate([self.df, np.zeros(grow, dtype=np.int64)])
            self.tf = np.concatenate([self.tf, np.zeros(grow, dtype=np.float64)])
        self.df[ids] += np.bincount(counts.indices, minlength=ids.size)  # (a process's ids are distinct)
        self.tf[ids] += np.bincount(counts.indices, weights=counts.data, minlength=ids.size)
        for stem, forms in surfaces.items():
            self.surfaces[stem].update(forms)
        block = sp.csr_matrix((counts.data, ids[counts.indices], counts.indptr),
                              shape=(counts.shape[0], len(self.index)))
        if self.folder is not None:
            path = os.path.join(self.folder, f"counts-{len(self.chunks):05d}.npz")
            sp.save_npz(path, block, compressed=False)
            block = path
        self.chunks.append(block)
        self.n_documents += counts.shape[0]

    def chunk(self, i):
        block = self.chunks[i]
        return parts.load_block(block) if isinstance(block, str) else block


def _vocabulary(counts, options):
    """(kept term ids in column order, their terms) chosen as scikit-learn's CountVectorizer
    chooses them: document-frequency bounds, then the ``max_features`` most frequent terms
    (ties as its argsort over the sorted terms breaks them), in sorted order."""
    n = counts.n_documents
    seen = len(counts.index)
    if not seen:
        raise vocabulary_error("empty vocabulary", options, n)
    df = counts.df[:seen]
    high = options.max_df if isinstance(options.max_df, Integral) else options.max_df * n
    low = options.min_df if isinstance(options.min_df, Integral) else options.min_df * n
    if high < low:
        raise vocabulary_error("max_df corresponds to < documents than min_df", options, n)
    terms = list(counts.index)
    candidates = np.array(sorted(np.flatnonzero((df <= high) & (df >= low)).tolist(),
                                 key=terms.__getitem__), dtype=np.int64)  # in sorted term order
    if options.max_features is not None and candidates.size > options.max_features:
        chosen = (-counts.tf[candidates]).argsort()[:options.max_features]
        candidates = candidates[np.sort(chosen)]
    if not candidates.size:
        raise vocabulary_error("After pruning, no terms remain", options, n)
    return candidates, tuple(terms[i] for i in candidates.tolist())


def _display(terms, surfaces):
    """Each term's readable form: a stem's most frequent surface form (ties alphabetical),
    an n-gram's parts' forms (as :func:`topicnmf.preprocess.analyze`)."""
    word = {stem: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for stem, c in surfaces.items()}
    if " " not in "\n".join(terms):  # no n-grams: each term's word, or the term (looked up in C)
        return tuple(map(word.get, terms, terms))
    return tuple(" ".join(word.get(p, p) for p in term.split(" ")) for term in terms)


def _tfidf_block(block, column, idf, sublinear_tf, is_word, options=None):
    """One chunk of counts over term ids -> (its TF-IDF rows over the vocabulary, coverage),
    computed in float64 and given in ``options.dtype`` (float64 when None)."""
    ids = block.indices
    rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
    words = is_word[ids]
    n_words = np.bincount(rows[words], weights=block.data[words], minlength=block.shape[0])
    cols = column[ids]
    keep = cols >= 0
    seen = np.bincount(rows[keep & words], weights=block.data[keep & words], minlength=block.shape[0])
    coverage = np.divide(seen, n_words, out=np.zeros(block.shape[0]), where=n_words > 0)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=block.shape[0]))])
    X = sp.csr_matrix((block.data[keep].astype(np.float64), cols[keep], indptr),
                      shape=(block.shape[0], idf.size))
    X.sort_indices()
    if sublinear_tf:  # as TfidfTransformer: tf -> 1 + log(tf), times idf, rows L2-normalized
        np.log(X.data, X.data)
        X.data += 1
    X.data *= idf[X.indices]
    X = normalize(X, norm="l2", copy=False)
    return (X if options is None else in_dtype(X, options)), coverage


_SETTINGS = None  # pass 2's (column, idf, is_word, options, folder) in this process


def _start_pass_2(settings):
    global _SETTINGS
    _SETTINGS = settings


def _tfidf_chunk(i, chunk):
    """Pass 2 of chunk ``i`` (its counts, or their file, removed once read): (its TF-IDF block,
    or the file it was written to in the folder, coverage, (nnz, sum of squares, empty rows,
    column sums))."""
    column, idf, is_word, options, folder = _SETTINGS
    X, shares = _tfidf_block(parts.load_block(chunk) if isinstance(chunk, str) else chunk,
                             column, idf, options.sublinear_tf, is_word, options)
    stats = (X.nnz, squares(X.data), int((np.diff(X.indptr) == 0).sum()),
             np.bincount(X.indices, weights=X.data, minlength=idf.size))
    if folder is not None:
        path = os.path.join(os.path.abspath(folder), f"block-{i:05d}.npz")
        sp.save_npz(path, X, compressed=False)
        os.remove(chunk)
        X = path
    return X, shares, stats


def _pass_2(chunks, settings, workers):
    """_tfidf_chunk of each chunk, in order; in ``workers`` processes when more than one."""
    if workers <= 1 or len(chunks) < 2:
        _start_pass_2(settings)
        try:
            yield from map(_tfidf_chunk, range(len(chunks)), chunks)
        finally:
            _start_pass_2(None)
        return
    with ProcessPoolExecutor(workers, initializer=_start_pass_2, initargs=(settings,)) as pool:
        yield from pool.map(_tfidf_chunk, range(len(chunks)), chunks)


def vectorize_in_passes(chunks, analyzer, options=VectorizeOptions(), *, folder=None, workers=1, counted=None):
    """TF-IDF of a corpus given as ``chunks`` (an iterable of lists of texts, read once).

    Parameters
    ----------
    chunks : iterable of list of str
    analyzer : Analyzer
    options : VectorizeOptions
    folder : str, optional
        Keep the chunks' counts and the TF-IDF blocks there as ``.npz`` files (out of core,
        so ``dtype='auto'`` is float32); by default in memory.
    workers : int
        Processes analyzing chunks (1: in this process).
    counted : optional
        Pass 1 done already (:class:`~.first_pass.AheadCounts`' counts, made with this
        analyzer): ``chunks`` are not read.

    Returns
    -------
    PartitionedTerms
    """
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
    counts = counted if counted is not None else _Counts(folder)
    for process, new_terms, chunk_counts, surfaces in (() if counted is not None else _analyzed(chunks, analyzer, workers)):
        counts.add(process, new_terms, chunk_counts, surfaces)
    chosen = options.resolve(counts.n_documents, out_of_core=folder is not None)
    if options.min_df is None and chosen.min_df == 1:
        log.info("min_df=1: with %d documents (under %d) a term of one document is kept",
                 counts.n_documents, SMALL_CORPUS)
    ids, terms = _vocabulary(counts, chosen)
    df = counts.df[ids].astype(np.float64)  # TfidfTransformer's smooth IDF, in its order of operations
    idf = np.full_like(df, fill_value=counts.n_documents + 1, dtype=np.float64)
    idf /= df + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    column = np.full(len(counts.index), -1, dtype=np.int64)
    column[ids] = np.arange(ids.size)
    is_word = np.array([" " not in t for t in counts.index], dtype=bool)
    coverage, totals = [], {"nnz": 0, "squares": 0.0, "empty": 0, "sums": np.zeros(ids.size)}
    blocks = []
    for X, shares, (nnz, total, empty, sums) in _pass_2(counts.chunks, (column, idf, is_word, chosen, folder), workers):
        totals["nnz"] += nnz  # (summed in the chunks' order, as one process would)
        totals["squares"] += total
        totals["empty"] += empty
        totals["sums"] += sums
        coverage.append(shares)
        blocks.append(X)
    if folder is not None:
        rows = [len(c) for c in coverage]
        X = parts.Partitions(n_cols=ids.size, offsets=tuple(np.concatenate([[0], np.cumsum(rows)]).tolist()),
                             paths=tuple(blocks))
    else:
        X = parts.in_memory(blocks)
    nnz, total, empty = totals["nnz"], totals["squares"], totals["empty"]
    norm = float(np.sqrt(total))
    return PartitionedTerms(X=X, terms=terms, display_terms=_display(terms, counts.surfaces), idf=idf,
                            options=chosen, n_seen_terms=len(counts.index),
                            coverage=np.concatenate(coverage), nnz=nnz, empty_rows=empty,
                            norm=norm if norm > 0 else 1.0, sums=totals["sums"], df=counts.df[ids].copy())


def workers_for(n_documents):
    """Processes to tokenize a corpus of ``n_documents`` with: both cores from POOL_DOCUMENTS on."""
    return min(2, os.cpu_count() or 1) if n_documents >= POOL_DOCUMENTS else 1


def vectorize_texts(texts, doc_ids, analyzer, options, analyzed=None):
    """(DocumentTermMatrix, coverage) of texts in memory: of their ``analyzed`` terms, or when
    None (a large corpus), analyzed chunk by chunk in worker processes (:func:`vectorize_large`)."""
    if analyzed is None:
        return vectorize_large(texts, doc_ids, analyzer, options, workers_for(len(texts)))
    dtm = vectorize(analyzed, doc_ids, options)
    return dtm, coverage(analyzed, dtm.terms)


def vectorize_large(texts, doc_ids, analyzer, options, workers=2):
    """(DocumentTermMatrix, coverage) of texts held in memory, analyzed chunk by chunk in
    ``workers`` processes: :func:`topicnmf.vectorize.vectorize`'s terms and matrix (to 1e-12)
    on every core, without holding every document's term list."""
    got = vectorize_in_passes(chunked(texts), analyzer, options, workers=workers)
    dtm = DocumentTermMatrix(X=parts.stack(got.X), doc_ids=tuple(doc_ids), terms=got.terms,
                             display_terms=got.display_terms, idf=got.idf, options=got.options,
                             n_seen_terms=got.n_seen_terms)
    return dtm, got.coverage


def chunked(items, size=None):
    """Lists of up to ``size`` (default CHUNK_DOCUMENTS) consecutive items of an iterable."""
    size, chunk = size or CHUNK_DOCUMENTS, []
    if isinstance(items, (list, tuple)):  # (sliced)
        yield from (list(items[i:i + size]) for i in range(0, len(items), size))
        return
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


__all__ = ["PartitionedTerms", "VocabularyError", "analyze_chunk", "chunked", "vectorize_in_passes",
           "vectorize_large", "vectorize_texts", "workers_for"]
