"""Terms -> TF-IDF document-term matrix X (sparse CSR), with scikit-learn's TfidfVectorizer."""

import logging
from dataclasses import dataclass, replace

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from .errors import ParameterError, VocabularyError

log = logging.getLogger("topicnmf")
# min_df=None ("auto") keeps only terms in 2 or more documents, which drops typos and names
# of one document, except in a corpus this small, where a term of one document is a fair
# share of it (3 files and min_df=2 leave a handful of terms).
SMALL_CORPUS = 10
# dtype='auto': X (and W, H) in float32 from this many documents, and always out of core: half
# the memory and disk of X and W, ~2x faster HALS iterations, the same topics (README,
# "float32 at scale"); below, float64, so small corpora keep their outputs bit for bit.
FLOAT32_DOCUMENTS = 100_000
DTYPES = ("auto", "float64", "float32")


@dataclass(frozen=True)
class VectorizeOptions:
    """TF-IDF settings. Every default is defined here.

    min_df, max_df : int or float
        Keep terms in at least ``min_df`` documents (a fraction when a float < 1) and at most
        ``max_df`` (a fraction when a float <= 1), as in scikit-learn; a float above that is
        a count and must be whole (1.0 is one document). ``min_df=None``
        (the default) is 2, or 1 for a corpus of fewer than 10 documents; the matrix
        records the value used (``DocumentTermMatrix.options``).
    max_features : int or None
        Keep only the most frequent terms.
    sublinear_tf : bool
        Use 1 + log(tf): long documents and repeated words count less.
    dtype : {'auto', 'float64', 'float32'}
        X's floating type, which the fit's W and H follow. 'auto' (the default): float32
        for a corpus of FLOAT32_DOCUMENTS or more, or read out of core, else float64
        (resolved with ``min_df``). X is computed in float64 and rounded once to float32.
    """

    min_df: float | None = None
    max_df: float = 0.95
    max_features: int | None = None
    sublinear_tf: bool = True
    dtype: str = "auto"

    def __post_init__(self):
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if name == "min_df" and value is None:
                continue
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
                    or not np.isfinite(value)):
                raise ParameterError(f"{name} must be a positive finite number; got {value!r}.")
        # A float is a fraction below 1 (min_df) or up to 1 (max_df); above, a whole number
        # of documents, however it was written (--min-df 1.0 is one document).
        for name, fraction_to in (("min_df", 1.0), ("max_df", 1.0 + 1e-12)):
            value = getattr(self, name)
            if isinstance(value, float) and value >= fraction_to:
                if not value.is_integer():
                    raise ParameterError(
                        f"{name} must be a fraction ({'below' if name == 'min_df' else 'up to'} 1) "
                        f"or a whole number of documents; "
                        f"got {value}.")
                object.__setattr__(self, name, int(value))
        if self.max_features is not None and self.max_features < 1:
            raise ParameterError(f"max_features must be >= 1; got {self.max_features}.")
        if self.dtype not in DTYPES:
            raise ParameterError(f"dtype must be one of {', '.join(DTYPES)}; got {self.dtype!r}.")

    def resolve(self, n_documents, out_of_core=False):
        """These options with ``min_df`` chosen for a corpus of ``n_documents`` when None, and
        ``dtype`` when 'auto' (float32 from FLOAT32_DOCUMENTS documents or out of core)."""
        chosen = self
        if self.min_df is None:
            chosen = replace(chosen, min_df=1 if n_documents < SMALL_CORPUS else 2)
        if self.dtype == "auto":
            large = out_of_core or n_documents >= FLOAT32_DOCUMENTS
            chosen = replace(chosen, dtype="float32" if large else "float64")
        return chosen

    def to_dict(self):
        """The options as recorded (topics.json, model.json); ``dtype`` only when not float64
        (a record without it, as every model before it, is float64)."""
        return {"min_df": self.min_df, "max_df": self.max_df,
                "max_features": self.max_features, "sublinear_tf": self.sublinear_tf} | (
            {} if self.dtype == "float64" else {"dtype": self.dtype})

    @classmethod
    def recorded(cls, d):
        """The options of a record (:meth:`to_dict`): float64 when it names no dtype."""
        return cls(**({"dtype": "float64"} | d))


@dataclass(frozen=True)
class DocumentTermMatrix:
    """X (n_documents, n_terms) with its row ids and column terms.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix of float64 (float32 with ``options.dtype``), rows L2-normalized
    doc_ids : tuple of str, length n_documents
    terms : tuple of str, length n_terms (the analyzer's terms, e.g. stems)
    display_terms : tuple of str, length n_terms (readable forms)
    idf : ndarray of shape (n_terms,)
    options : VectorizeOptions
        The options the matrix was made with, ``min_df`` resolved.
    n_seen_terms : int
        Distinct terms in the documents before ``min_df``/``max_df``/``max_features``.
    """

    X: object
    doc_ids: tuple
    terms: tuple
    display_terms: tuple
    idf: np.ndarray
    options: VectorizeOptions = VectorizeOptions(min_df=2)
    n_seen_terms: int = 0

    @property
    def shape(self):
        return self.X.shape

    @property
    def empty_rows(self):
        """Documents (rows of X) with no terms left."""
        return int((np.diff(self.X.indptr) == 0).sum())

    def filtering(self):
        """What the document-frequency settings kept, in words (for error messages)."""
        o = self.options
        cap = f" and max_features={o.max_features}" if o.max_features else ""
        return (f"min_df={o.min_df} and max_df={o.max_df}{cap} kept {self.shape[1]} of "
                f"{self.n_seen_terms} terms")

    @property
    def norm(self):
        """||X||_F, from the stored nonzeros, accumulated in float64; 1.0 for an all-zero X."""
        value = float(np.sqrt(squares(self.X.data)))
        return value if value > 0 else 1.0

    @property
    def nnz(self):
        return int(self.X.nnz)

    def column_sums(self):
        """Each term's total weight in X. (n_terms,)"""
        return np.asarray(self.X.sum(axis=0), dtype=float).ravel()

    def document_frequency(self):
        """The number of documents each term occurs in. (n_terms,)"""
        return np.bincount(self.X.indices, minlength=self.shape[1])

    def of_columns(self, columns):
        """X, of which the caller reads only ``columns`` (a partitioned matrix gives those)."""
        return self.X


def _identity(terms):
    return terms


def squares(values, chunk=1 << 20):
    """sum(values ** 2) accumulated in float64 (float32 values converted a chunk at a time,
    not summed in float32)."""
    if values.dtype == np.float64:
        return float(np.vdot(values, values))
    return float(sum(np.vdot(c, c) for c in (values[i:i + chunk].astype(np.float64)
                                               for i in range(0, values.size, chunk))))


def in_words(dtm):
    """', float32' for a matrix made in float32 (said where its shape is logged), else ''."""
    return ", float32" if dtm.options.dtype == "float32" else ""


def in_dtype(X, options):
    """X (computed in float64) in ``options.dtype`` (resolved): rounded once to float32, or
    X itself."""
    return X.astype(np.float32) if options.dtype == "float32" else X


def _vectorizer(options, vocabulary=None):
    return TfidfVectorizer(
        analyzer=_identity, lowercase=False, min_df=options.min_df, max_df=options.max_df,
        max_features=options.max_features, sublinear_tf=options.sublinear_tf,
        vocabulary=vocabulary, dtype=np.float64,
    )


def vectorize(analyzed, doc_ids, options=VectorizeOptions()):
    """Fit TF-IDF on an :class:`~topicnmf.preprocess.AnalyzedCorpus`."""
    chosen = options.resolve(len(doc_ids))
    if options.min_df is None and chosen.min_df == 1:
        log.info("min_df=1: with %d documents (under %d) a term of one document is kept",
                 len(doc_ids), SMALL_CORPUS)
    options = chosen
    vectorizer = _vectorizer(options)
    try:
        X = vectorizer.fit_transform(analyzed.terms)
    except ValueError as exc:
        raise vocabulary_error(str(exc), options, len(doc_ids)) or exc from None
    terms = tuple(vectorizer.get_feature_names_out())
    return DocumentTermMatrix(
        X=in_dtype(X.tocsr(), options), doc_ids=tuple(doc_ids), terms=terms,
        display_terms=tuple(analyzed.display.get(t, t) for t in terms),
        idf=vectorizer.idf_.copy(), options=options, n_seen_terms=len(analyzed.display),
    )


def vocabulary_error(message, options, n_documents):
    """The :class:`VocabularyError` for scikit-learn's message about an empty vocabulary or
    document-frequency bounds that keep no term, or None for another message."""
    if "empty vocabulary" in message:
        return VocabularyError(
            "no terms left after preprocessing: every token was a stop word, a number "
            "or too short; check the input's language or lower min_token_length.")
    if "no terms remain" in message or "max_df corresponds" in message:
        return VocabularyError(
            f"every term was filtered out by min_df={options.min_df} / max_df={options.max_df} "
            f"over {n_documents} documents; lower min_df or raise max_df.")
    return None


def vectorize_with(analyzed, doc_ids, *, terms, idf, display_terms, options):
    """TF-IDF of new documents with a fitted vocabulary and IDF (for scoring new text), in
    ``options.dtype`` (float64 unless float32)."""
    vectorizer = _vectorizer(options, vocabulary={t: i for i, t in enumerate(terms)})
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    X = vectorizer.transform(analyzed.terms)
    return DocumentTermMatrix(X=in_dtype(X.tocsr(), options), doc_ids=tuple(doc_ids), terms=tuple(terms),
                              display_terms=tuple(display_terms), idf=np.asarray(idf),
                              options=options, n_seen_terms=len(analyzed.display))


def coverage(analyzed, terms):
    """Per document, the share of its words (single-word terms) that are in ``terms``: how
    much of a text the vocabulary sees (0 for a text with no words)."""
    vocabulary = frozenset(terms)
    shares = np.zeros(len(analyzed.terms))
    for i, doc in enumerate(analyzed.terms):
        words = [t for t in doc if " " not in t]
        if words:
            shares[i] = sum(t in vocabulary for t in words) / len(words)
    return shares


def presence(analyzed, terms):
    """Binary (documents, terms) incidence of analyzed texts over a fixed vocabulary: which
    documents of a reference corpus hold each term (for coherence against that corpus)."""
    vectorizer = CountVectorizer(analyzer=_identity, lowercase=False, binary=True, dtype=np.float64,
                                 vocabulary={t: i for i, t in enumerate(terms)})
    return vectorizer.transform(analyzed.terms).tocsr()
