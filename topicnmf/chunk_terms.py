"""A chunk of texts -> a matrix of term counts, without Python work per token or per document.

:class:`ChunkTerms` gives the same terms as :class:`~.preprocess.Analyzer` text by text (tested
against it and against NLTK's ``RegexpTokenizer``): the texts that need it are cleaned one by
one (e-mail apparatus, boilerplate lines, invisible characters: the others are their own
cleaned text), NFKC-normalized (an ASCII chunk at once) and lowercased in one call (the
documents kept apart by a separator that lower() leaves alone and that stops a final sigma's
context), and a compiled scan
finds the tokens of ``TOKEN_PATTERN``: runs of word characters (``[^\\W_]``, taken from the
regular-expression engine NLTK compiles the pattern with, code point by code point) joined by
single apostrophes. Each distinct token is interned once per process in a compiled hash table
(compared code point by code point, so two tokens are never taken for one); only a token never
seen before reaches Python, where the analyzer keeps or drops it, stems it and numbers its term.
Term ids are the process's own, in order of first appearance: a chunk hands back the terms
numbered since its last chunk. Stemming is per distinct token; n-grams, Chinese and Japanese
segmentation and corpora in several languages take the analyzer document by document.
"""

import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache, partial
from itertools import compress, repeat
from operator import is_

import numpy as np
import scipy.sparse as sp
from numba import njit

from .compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)
from .mail.message import _MAYBE_HEADER
from .preprocess import TOKEN_PATTERN, _Tokenizer

WORD, APOSTROPHE = 1, 2
# the pattern the scan implements: word characters but "_", runs joined by one ' or U+2019
SCANNED_PATTERN = r"[^\W_]+(?:['\u2019][^\W_]+)*"
# between two documents: a private-use character NFKC and lower() leave as it is and never
# join to a neighbour, not a word character; a chunk holding it is read text by text
SEPARATOR = "\ue000"
# what strip_invisible removes: an ANSI escape's ESC, zero-width characters, soft hyphens
_INVISIBLE = re.compile("[\x1b\u00ad\u200b-\u200d\u2060\ufeff]")
_NFKC = partial(unicodedata.normalize, "NFKC")
_FNV_OFFSET, _FNV_PRIME = np.uint64(14695981039346656037), np.uint64(1099511628211)


@lru_cache(maxsize=1)
def character_classes():
    """(0x110000,) uint8: WORD for the code points the tokenizer's engine matches as
    ``[^\\W_]``, APOSTROPHE for ' and U+2019, else 0."""
    tokenizer = _Tokenizer(r"[^\W_]+")
    tokenizer.findall()  # compiles the pattern as NLTK does (its engine and flags)
    pattern = getattr(tokenizer._regexp, "_rx", tokenizer._regexp)
    everything = "".join(map(chr, range(0x110000)))
    classes = np.zeros(0x110000, dtype=np.uint8)
    for match in pattern.finditer(everything):
        classes[match.start():match.end()] = WORD
    classes[[0x27, 0x2019]] = APOSTROPHE  # (neither is a word character)
    classes[ord(SEPARATOR)] = 0
    return classes


@njit(cache=True)
def _scan(cp, ends, classes, starts_out, ends_out, hashes, per_doc):
    """Tokens of each document ``cp[ends[d-1]:ends[d]]``: [^\\W_]+(?:['’][^\\W_]+)*, leftmost
    and longest as a regex engine's findall gives them; their spans, FNV-1a hashes and counts
    per document. Returns the number of tokens."""
    k = 0
    start = 0
    for d in range(ends.size):
        stop = ends[d]
        i = start
        first = k
        while i < stop:
            if classes[cp[i]] != 1:
                i += 1
                continue
            a = i
            h = _FNV_OFFSET
            while True:
                while i < stop and classes[cp[i]] == 1:
                    h = (h ^ np.uint64(cp[i])) * _FNV_PRIME
                    i += 1
                if i + 1 < stop and classes[cp[i]] == 2 and classes[cp[i + 1]] == 1:
                    h = (h ^ np.uint64(cp[i])) * _FNV_PRIME
                    i += 1
                else:
                    break
            starts_out[k] = a
            ends_out[k] = i
            hashes[k] = h
            k += 1
        per_doc[d] = k - first
        start = stop
    return k


@njit(cache=True)
def _intern(cp, starts, ends, hashes, i, slots, slot_hash, store, offsets, n_raw, ids_out):
    """Each token's id from ``i`` on (the table: ``slots`` of ids, -1 empty; the tokens' code
    points in ``store`` at ``offsets``), a new one for a token not seen. Stops where the
    table is half full or the store full: returns (next token, number of ids)."""
    mask = slots.size - 1
    while i < starts.size:
        a, b, h = starts[i], ends[i], hashes[i]
        slot = np.int64(h & np.uint64(mask))
        found = -1
        while slots[slot] >= 0:
            if slot_hash[slot] == h:
                r = slots[slot]
                s = offsets[r]
                if offsets[r + 1] - s == b - a:
                    same = True
                    for j in range(b - a):
                        if store[s + j] != cp[a + j]:
                            same = False
                            break
                    if same:
                        found = r
                        break
            slot = (slot + 1) & mask
        if found < 0:
            if 2 * (n_raw + 1) > slots.size or offsets[n_raw] + b - a > store.size or n_raw + 2 > offsets.size:
                return i, n_raw
            s = offsets[n_raw]
            for j in range(b - a):
                store[s + j] = cp[a + j]
            offsets[n_raw + 1] = s + b - a
            slots[slot] = n_raw
            slot_hash[slot] = h
            found = n_raw
            n_raw += 1
        ids_out[i] = found
        i += 1
    return i, n_raw


@njit(cache=True)
def _rehash(slots, slot_hash, new_slots, new_hash):
    mask = new_slots.size - 1
    for s in range(slots.size):
        if slots[s] >= 0:
            slot = np.int64(slot_hash[s] & np.uint64(mask))
            while new_slots[slot] >= 0:
                slot = (slot + 1) & mask
            new_slots[slot] = slots[s]
            new_hash[slot] = slot_hash[s]


@njit(cache=True)
def _count(term_ids, per_doc, mark, where):
    """CSR (indptr, indices, data) of each document's term counts (ids < 0 skipped), a
    document's terms in order of first appearance; ``mark``/``where``: scratch, one a term."""
    n = per_doc.size
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(term_ids.size, dtype=np.int64)
    data = np.zeros(term_ids.size, dtype=np.float64)
    k = 0
    t = 0
    for d in range(n):
        for _ in range(per_doc[d]):
            term = term_ids[t]
            t += 1
            if term < 0:
                continue
            if mark[term] != d:
                mark[term] = d
                where[term] = k
                indices[k] = term
                k += 1
            data[where[term]] += 1.0
        indptr[d + 1] = k
    return indptr, indices[:k], data[:k]


def _numbered(values, ids, listed):
    """Ids of ``values`` in ``ids`` (value -> id; ``listed``: id -> value), new ones for the
    values not in it in order of first appearance, -1 for '' (a dropped token)."""
    ids[""] = -1
    fresh = dict.fromkeys(compress(values, map(is_, map(ids.get, values), repeat(None))))
    ids.update(zip(fresh, range(len(listed), len(listed) + len(fresh))))
    listed.extend(fresh)
    found = np.fromiter(map(ids.__getitem__, values), dtype=np.int64, count=len(values))
    del ids[""]
    return found


@njit(cache=True)
def _plain(store, offsets, min_length, keep_numbers, how):
    """Per token (code points ``store[offsets[i]:offsets[i + 1]]``): 1 when it is its own kept
    form but for the stop words (no apostrophe, an ASCII first character that is not a
    digit unless ``keep_numbers``, ``min_length`` characters or more), 0 when dropped (too
    short, or an ASCII digit first), 2 (left as it is) when the analyzer must say."""
    for i in range(how.size):
        a, b = offsets[i], offsets[i + 1]
        first = store[a]
        if first >= 128:
            continue
        plain = True
        for j in range(a, b):
            if store[j] == 0x27 or store[j] == 0x2019:
                plain = False
                break
        if not plain:
            continue
        if b - a < min_length or (not keep_numbers and 48 <= first <= 57):
            how[i] = 0
        else:
            how[i] = 1


class ChunkTerms:
    """Term counts of chunks of texts as ``analyzer`` would give them text by text, numbered
    by this object (``terms``: id -> term, in order of first appearance)."""

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.terms, self._ids = [], {}
        self._stem = analyzer.options.stem
        self.compiled = (TOKEN_PATTERN == SCANNED_PATTERN and analyzer.options.ngram_max == 1
                         and analyzer._split is None and not analyzer._by_language)
        if self.compiled:
            self._classes = character_classes()
            self._slots = np.full(1 << 12, -1, dtype=np.int64)
            self._slot_hash = np.zeros(1 << 12, dtype=np.uint64)
            self._store = np.zeros(1 << 16, dtype=np.uint32)
            self._offsets = np.zeros(1 << 11, dtype=np.int64)
            self._n_raw = 0
            self._raw_form = np.zeros(0, dtype=np.int64)  # a token's kept form (-1: dropped)
            self._forms, self._form_ids = [], {}  # kept forms (the terms, unless stemming)
            self._form_term = np.zeros(0, dtype=np.int64)  # a form's term (-1: a stop word once stemmed)

    def count(self, texts):
        """(CSR (len(texts), len(self.terms)) of term counts, {stem: Counter of surface forms}
        when stemming)."""
        texts = list(texts)
        if not self.compiled:
            return self._count_each(texts)
        raw = self._raw_ids(*self._tokens(self._cleaned(texts)))
        forms = self._raw_form[raw[0]]
        terms = np.append(self._form_term, -1)[forms]  # (a dropped token's form -1: the -1 appended)
        scratch = np.full(len(self.terms), -1, dtype=np.int64)
        indptr, indices, data = _count(terms, raw[1], scratch, np.empty_like(scratch))
        counts = sp.csr_matrix((data, indices, indptr), shape=(len(texts), len(self.terms)))
        return counts, (self._surfaces(forms) if self._stem else {})

    def _cleaned(self, texts):
        """The texts as Analyzer.clean leaves them: cleaned one by one only where it may
        change them (a possible mail header, boilerplate lines or signatures, an invisible
        character or ESC)."""
        analyzer, n = self.analyzer, len(texts)
        if analyzer.options.clean_email == "always" or analyzer.boilerplate_lines or analyzer.signatures:
            return list(map(analyzer.clean, texts))
        slow = np.zeros(n, dtype=bool)
        if analyzer.options.clean_email == "auto":
            slow |= np.fromiter(map(bool, map(_MAYBE_HEADER.match, texts)), dtype=bool, count=n)
        if _INVISIBLE.search("".join(texts)):  # (strip_invisible leaves the others as they are)
            slow |= np.fromiter(map(bool, map(_INVISIBLE.search, texts)), dtype=bool, count=n)
        for i in np.flatnonzero(slow).tolist():
            texts[i] = analyzer.clean(texts[i])
        return texts

    def _tokens(self, texts):
        """(code points of the normalized texts, token spans and hashes, tokens per text)."""
        n = len(texts)
        if "".join(texts).isascii():  # NFKC leaves ASCII as it is; documents apart by NUL
            cp = np.frombuffer("\x00".join(texts).lower().encode("ascii"), dtype=np.uint8)
            ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=n)) + np.arange(n)
        else:  # NFKC text by text (most are ASCII: left as they are at once); lowercased at once
            normal = list(map(_NFKC, texts))
            joined = SEPARATOR.join(normal).lower()  # (the separator stops a final sigma's context)
            cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            ends = np.append(np.flatnonzero(cp == ord(SEPARATOR)), cp.size)
            if ends.size != n:  # a text holds the separator: where each text ends, from their lengths
                lengths = np.fromiter((len(t.lower()) for t in normal), dtype=np.int64, count=n)
                ends = np.cumsum(lengths) + np.arange(n)
        capacity = cp.size // 2 + n + 1
        starts, stops = np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64)
        hashes, per_doc = np.empty(capacity, dtype=np.uint64), np.empty(n, dtype=np.int64)
        k = _scan(cp, ends, self._classes, starts, stops, hashes, per_doc)
        return cp, starts[:k], stops[:k], hashes[:k], per_doc

    def _raw_ids(self, cp, starts, stops, hashes, per_doc):
        """(each token's id in this process's table, tokens per text); new tokens kept or
        dropped, stemmed and numbered."""
        ids, i, before = np.empty(starts.size, dtype=np.int64), 0, self._n_raw
        while True:
            i, self._n_raw = _intern(cp, starts, stops, hashes, i, self._slots, self._slot_hash,
                                     self._store, self._offsets, self._n_raw, ids)
            if i == starts.size:
                break
            self._grow(int(stops[i] - starts[i]))
        if self._n_raw > before:
            self._number(before)
        return ids, per_doc

    def _grow(self, length):
        if 2 * (self._n_raw + 1) > self._slots.size:
            slots = np.full(2 * self._slots.size, -1, dtype=np.int64)
            slot_hash = np.zeros(slots.size, dtype=np.uint64)
            _rehash(self._slots, self._slot_hash, slots, slot_hash)
            self._slots, self._slot_hash = slots, slot_hash
        if self._offsets[self._n_raw] + length > self._store.size:
            self._store = np.concatenate([self._store, np.zeros(max(self._store.size, length), dtype=np.uint32)])
        if self._n_raw + 2 > self._offsets.size:
            self._offsets = np.concatenate([self._offsets, np.zeros(self._offsets.size, dtype=np.int64)])

    def _number(self, before):
        """Kept form and term of the tokens ``before`` .. ``_n_raw``, as the analyzer's
        per-token filter and stemmer give them: a plain token (no apostrophe, an ASCII first
        character) kept or dropped here, the others by the analyzer."""
        offsets = self._offsets[before:self._n_raw + 1]
        o = self.analyzer.options
        how = np.full(offsets.size - 1, 2, dtype=np.int8)
        if not self.analyzer._elisions:
            _plain(self._store, offsets, max(o.min_token_length, 1), o.keep_numbers, how)
        text = self._store[offsets[0]:offsets[-1]].tobytes().decode("utf-32-le", "surrogatepass")
        edges = (offsets - offsets[0]).tolist()
        asked = np.flatnonzero(how > 0).tolist()
        tokens = [text[edges[i]:edges[i + 1]] for i in asked]
        stop, keep = self.analyzer.stop_words, self.analyzer._kept.__getitem__
        forms = [("" if t in stop else t) if h == 1 else keep(t) for t, h in zip(tokens, how[asked].tolist())]
        raw_form = np.full(how.size, -1, dtype=np.int64)
        n_forms = len(self._forms)
        raw_form[asked] = _numbered(forms, self._form_ids, self._forms)
        self._raw_form = np.concatenate([self._raw_form, raw_form])
        new = self._forms[n_forms:]
        if self._stem:  # a stem that is a stop word is dropped (as terms_from_tokens)
            stems = [self.analyzer.stem(f) for f in new]
            new_terms = _numbered([("" if t in self.analyzer.stop_words else t) for t in stems], self._ids, self.terms)
        else:
            new_terms = _numbered(new, self._ids, self.terms)
        self._form_term = np.concatenate([self._form_term, new_terms])

    def _surfaces(self, forms):
        """{stem: Counter of its surface forms} of the kept tokens ``forms``."""
        surfaces = defaultdict(Counter)
        counts = np.bincount(forms[forms >= 0], minlength=len(self._forms))
        for f in np.flatnonzero(counts).tolist():
            form = self._forms[f]
            surfaces[self.analyzer.stem(form)][form] += int(counts[f])
        return dict(surfaces)

    def _count_each(self, texts):
        """:meth:`count` text by text through the analyzer (n-grams, CJK, mixed languages)."""
        analyzer, flat, indptr = self.analyzer, [], [0]
        surfaces = defaultdict(Counter)
        for text in texts:
            tokens = analyzer.tokens(text)
            if self._stem:
                for token, stem in zip(tokens, analyzer.stems(tokens) or tokens):
                    surfaces[stem][token] += 1
            flat.extend(analyzer.terms_from_tokens(tokens))
            indptr.append(len(flat))
        ids = np.fromiter(map(self._term_id, flat), dtype=np.int64, count=len(flat))
        counts = sp.csr_matrix((np.ones(ids.size), ids, np.asarray(indptr, dtype=np.int64)),
                               shape=(len(texts), len(self.terms)))
        counts.sum_duplicates()
        return counts, dict(surfaces)

    def _term_id(self, term):
        found = self._ids.get(term)
        if found is None:
            found = self._ids[term] = len(self.terms)
            self.terms.append(term)
        return found
