"""TF-IDF and transform on the workers of a Dask cluster, X's blocks made and kept there.

The texts are cut into chunks (a run of neighbouring chunks per worker) and each chunk
becomes Dask tasks on its worker, as :mod:`.passes` does in this process:

- pass 1: the chunk analyzed (the corpus's :class:`~topicnmf.preprocess.Analyzer`, made
  once per worker) into term counts, which stay on the worker; only the chunk's distinct
  terms, their document frequencies and total counts and the stems' surface forms come
  back, and are merged here into the vocabulary (``min_df``, ``max_df``, ``max_features``
  as scikit-learn chooses them: :func:`.passes._vocabulary`);
- pass 2: the chunk's counts turned into its block of the TF-IDF matrix with the global
  IDF (:func:`.passes._tfidf_block`), kept on the worker; its coverage, nonzeros and
  column sums come back.

X is then :class:`RemotePartitions`: futures of its blocks, which the Dask fit
(``nmf.factorize_partitioned(..., client=)``) takes where they are. The terms and X are
those of :func:`topicnmf.vectorize.vectorize` on the whole corpus (tested equal). Transform
(:func:`transform_on`) is the same pass 2 with a saved model's vocabulary and IDF, then W
for H fixed on the blocks, and each document's fit there too.

Tasks carry their texts, and the futures X's blocks were made from are held with them, so
a worker lost on the way, or during the fit, has its chunks made again elsewhere.
"""

import math
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from .errors import ClusterError
from .nmf import factorize_partitioned
from .partitions import Partitions, placed_on
from .passes import CHUNK_DOCUMENTS, PartitionedTerms, _display, _tfidf_block, _vocabulary, analyze_chunk
from .preprocess import Analyzer, Preprocessing
from .topics import fit_strength
from .vectorize import SMALL_CORPUS, log, squares

CHUNK_BYTES = 4 << 20  # text per task at most (a task's texts travel in it)
WORKER_CHECK_S = 5  # while waiting for results, how often to check that workers are left
NO_WORKERS = "The Dask cluster has no workers left; start workers and run again."


@dataclass(frozen=True)
class RemotePartitions(Partitions):
    """X's row blocks held on Dask workers: ``futures`` (one per block, in row order).
    A block read here (``block(i)``, iterating) is fetched from its worker. ``sources``:
    the futures the blocks were made from, held so that Dask can make a lost worker's
    blocks again (the chunks' term counts stay on the workers beside X)."""

    futures: tuple = ()
    nnz: int = 0
    sources: tuple = ()

    def __post_init__(self):
        pass  # neither blocks nor paths: the blocks are the futures'

    def block(self, i):
        return self.futures[i].result()


def preprocessing_of(analyzer):
    """What an analyzer was made of (to make it again on a worker)."""
    return Preprocessing(analyzer.options, analyzer.boilerplate_lines, analyzer.signatures,
                         language=analyzer.language)


def vectorize_on(client, texts, analyzer, options):
    """(PartitionedTerms with X's blocks on the workers, coverage) of ``texts``: the terms,
    IDF and matrix of :func:`topicnmf.vectorize.vectorize`."""
    chunks = _placed(client, texts)
    prep = _broadcast(client, preprocessing_of(analyzer))
    counted = [client.submit(_count, prep, texts[a:b], **placed_on(w), pure=False) for (a, b), w in chunks]
    summaries = _gather(client, [client.submit(_summary, c, pure=False) for c in counted])
    n = len(texts)
    index, df, tf, surfaces = {}, np.zeros(0, dtype=np.int64), np.zeros(0), defaultdict(Counter)
    chunk_ids = []
    for terms, chunk_df, chunk_tf, chunk_surfaces in summaries:  # merged in chunk order
        ids = np.fromiter((index.setdefault(t, len(index)) for t in terms), dtype=np.int64,
                          count=len(terms))
        df = np.concatenate([df, np.zeros(len(index) - df.size, dtype=np.int64)])
        tf = np.concatenate([tf, np.zeros(len(index) - tf.size)])
        df[ids] += chunk_df
        tf[ids] += chunk_tf
        for stem, forms in chunk_surfaces.items():
            surfaces[stem].update(forms)
        chunk_ids.append(ids)
    chosen = options.resolve(n)
    if options.min_df is None and chosen.min_df == 1:
        log.info("min_df=1: with %d documents (under %d) a term of one document is kept", n,
                 SMALL_CORPUS)
    ids, terms = _vocabulary(_Counted(index, df, tf, n), chosen)
    kept_df = df[ids].astype(np.float64)  # TfidfTransformer's smooth IDF, as passes makes it
    idf = np.full_like(kept_df, fill_value=n + 1, dtype=np.float64)
    idf /= kept_df + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    column = np.full(len(index), -1, dtype=np.int64)
    column[ids] = np.arange(ids.size)
    words = np.array([" " not in t for t in index], dtype=bool)
    idf_there = _broadcast(client, idf)
    made = [client.submit(_tfidf, c, column[g], idf_there, chosen.sublinear_tf, words[g], chosen,
                          pure=False) for c, g in zip(counted, chunk_ids)]
    X, info = _kept(client, made, ids.size, sources=[prep, idf_there, *counted])
    return PartitionedTerms(
        X=X, terms=terms, display_terms=_display(terms, surfaces), idf=idf, options=chosen,
        n_seen_terms=len(index), coverage=info["coverage"], nnz=info["nnz"],
        empty_rows=info["empty"], norm=info["norm"], sums=info["sums"], df=df[ids].copy()
    ), info["coverage"]


def transform_on(client, texts, model, options, fit=None):
    """(W, coverage, fit, empty rows) of new texts under a saved model, computed on the
    workers: :func:`topicnmf.scoring.score`'s values (its TF-IDF rows in
    ``model.vectorize.dtype``, W with H fixed by ``options``, the coverage and fit of each
    document). ``fit``: how to factorize on the cluster (default
    ``factorize_partitioned(..., client=client)``)."""
    chunks = _placed(client, texts)
    prep = _broadcast(client, model.preprocess)
    vocabulary = _broadcast(client, {t: i for i, t in enumerate(model.terms)})
    idf = _broadcast(client, np.asarray(model.idf, dtype=np.float64))
    made = [client.submit(_model_tfidf, prep, texts[a:b], vocabulary, idf,
                          model.vectorize, **placed_on(w), pure=False) for (a, b), w in chunks]
    X, info = _kept(client, made, len(model.terms), sources=[prep, vocabulary, idf])
    k = model.H.shape[0]
    if info["nnz"] == 0:
        return np.zeros((len(texts), k)), info["coverage"], np.zeros(len(texts)), info["empty"]
    fit = fit or (lambda *args, **kwargs: factorize_partitioned(*args, client=client, **kwargs))
    W = fit(X, k, options=options, H=model.H, update_H=False).W
    H = _broadcast(client, model.H)
    strength = _gather(client, [client.submit(fit_strength, f, W[X.rows(i)], H, pure=False)
                                for i, f in enumerate(X.futures)])
    return W, info["coverage"], np.concatenate(strength), info["empty"]


@dataclass(frozen=True)
class _Counted:
    """Pass 1's merged counts, as :func:`.passes._vocabulary` reads them."""

    index: dict
    df: np.ndarray
    tf: np.ndarray
    n_documents: int


def _placed(client, texts):
    """Chunks of texts as ((first, end), worker): neighbouring chunks on one worker, a
    multiple of the workers' count of chunks, each within CHUNK_DOCUMENTS and CHUNK_BYTES."""
    workers = sorted(client.scheduler_info()["workers"]) or [None]
    size = sum(map(len, texts))
    count = max(1, math.ceil(len(texts) / CHUNK_DOCUMENTS), math.ceil(size / CHUNK_BYTES))
    count = min(max(len(texts), 1), len(workers) * math.ceil(count / len(workers)))
    edges = np.linspace(0, len(texts), count + 1).astype(int).tolist()
    return [((a, b), workers[i * len(workers) // count])
            for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))]


def _kept(client, made, n_terms, sources=()):
    """X's blocks (the first of each task's pair, kept on its worker) as RemotePartitions,
    and the blocks' coverage, nonzeros, empty rows, norm and column sums summed here."""
    blocks = [client.submit(operator.getitem, f, 0, pure=False) for f in made]
    infos = _gather(client, [client.submit(_info, f, n_terms, pure=False) for f in made])
    rows = [r for r, *_ in infos]
    offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(rows, dtype=np.int64)]))
    nnz = sum(i[2] for i in infos)
    squares = sum(i[3] for i in infos)
    X = RemotePartitions(n_cols=n_terms, offsets=offsets, futures=tuple(blocks), nnz=nnz,
                         sources=tuple(sources) + tuple(made))
    sums = np.zeros(n_terms)
    for info in infos:
        sums += info[5]
    norm = float(np.sqrt(squares))
    return X, {"coverage": np.concatenate([i[1] for i in infos]) if infos else np.zeros(0),
               "nnz": nnz, "empty": sum(i[4] for i in infos), "norm": norm if norm > 0 else 1.0,
               "sums": sums}


def _gather(client, futures):
    """The futures' results; a cluster left without workers (the tasks would wait for one
    forever) raises ClusterError."""
    from distributed import wait

    while True:
        try:
            wait(futures, timeout=WORKER_CHECK_S)
            return client.gather(futures)
        except TimeoutError:
            if not client.nthreads():
                raise ClusterError(NO_WORKERS) from None


# -- on the workers --

_ANALYZER = [None, None]  # (preprocessing, its analyzer) of this worker process


def _broadcast(client, value):
    """``value`` for the workers' tasks, as one Dask key made by a task (a dict passed bare
    became one key per item: a model's vocabulary 15,716 keys, which hung or lost keys on a
    busy cluster). Made by a task, not scattered: Dask forgets scattered data lost with its
    worker, and every key made from it, and its active memory manager drops a broadcast's
    extra copies a few seconds after they are made, so a worker killed mid-fit took X's
    blocks with it (forgotten, not made again) in 2 runs of 7 of test_cluster's test; a
    task's result is made again on the workers left."""
    return client.submit(_value, _Held(value), pure=False)


class _Held:
    """A value carried whole in a task (Dask does not look inside it)."""

    def __init__(self, value):
        self.value = value


def _value(held):
    return held.value


def _analyzer(preprocessing):
    if _ANALYZER[0] is not preprocessing:
        _ANALYZER[:] = [preprocessing, Analyzer(preprocessing)]
    return _ANALYZER[1]


def _count(preprocessing, texts):
    """Pass 1 of a chunk: (distinct terms, counts (documents, terms), surface forms)."""
    return analyze_chunk(_analyzer(preprocessing), texts)


def _summary(counted):
    """What the vocabulary needs of a chunk: its terms, their document frequencies and total
    counts, the surface forms."""
    terms, counts, surfaces = counted
    return (terms, np.bincount(counts.indices, minlength=len(terms)),
            np.bincount(counts.indices, weights=counts.data, minlength=len(terms)), surfaces)


def _tfidf(counted, column, idf, sublinear_tf, is_word, options):
    """Pass 2 of a chunk: (its TF-IDF block in ``options.dtype``, its coverage); ``column``
    and ``is_word`` per chunk term."""
    return _tfidf_block(counted[1], column, idf, sublinear_tf, is_word, options)


def _model_tfidf(preprocessing, texts, vocabulary, idf, options):
    """A chunk of new texts as TF-IDF rows over a saved model's vocabulary (``options``: its
    VectorizeOptions, the dtype chosen), and coverage."""
    terms, counts, _ = analyze_chunk(_analyzer(preprocessing), texts)
    column = np.fromiter((vocabulary.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))
    is_word = np.fromiter((" " not in t for t in terms), dtype=bool, count=len(terms))
    return _tfidf_block(counts, column, idf, options.sublinear_tf, is_word, options)


def _info(made, n_terms):
    X, coverage = made
    return (X.shape[0], coverage, X.nnz, squares(X.data),
            int((np.diff(X.indptr) == 0).sum()),
            np.bincount(X.indices, weights=X.data, minlength=n_terms))
