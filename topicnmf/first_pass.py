"""Out of core: tokenizing and counting in the first reading pass, ahead of what it learns.

The first pass over a corpus learns its preprocessing (boilerplate lines, mail signatures,
language: :mod:`.boilerplate`), and the analyzer that tokenizes depends on it. Most corpora
teach nothing that changes the analyzer (no template lines, no mail, their language the one
assumed), so :class:`AheadCounts` counts the chunks of that same pass with the analyzer of
nothing learned, in the worker processes while the pass reads on, and :meth:`AheadCounts.result`
hands the counts on only when the learned preprocessing makes the same analyzer; otherwise
they are dropped and the texts are read and counted again, as before. Either way the terms
and X are those of the learned analyzer.
"""

import os
from concurrent.futures import ProcessPoolExecutor

from .chunk_terms import ChunkTerms
from .languages import LanguageChoice, choose_language, language_name
from .passes import _analyze_in_worker, _Counts, _Numbered, _start_worker
from .preprocess import Analyzer, Preprocessing


def _tokenizing(preprocessing):
    """What of a Preprocessing the analyzer's terms depend on (not the cleaning summary, nor how
    a language was chosen but whether it is known)."""
    c = preprocessing.language
    return (preprocessing.options, preprocessing.boilerplate_lines, preprocessing.signatures,
            c.language, c.languages, c.segmenter, c.how == "unknown")


class AheadCounts:
    """Pass 1's counts (``passes._Counts``) of the chunks given to :meth:`add`, made with the
    analyzer of ``options`` and nothing learned, in ``workers`` processes (1: here)."""

    def __init__(self, options, folder, workers):
        language = LanguageChoice() if language_name(options.language) == "auto" else choose_language([], options.language)
        self.assumed = Preprocessing(options, language=language)
        self.counts, self.pending = _Counts(folder), []
        self.pool = self.here = None
        if workers > 1:
            ChunkTerms(Analyzer(self.assumed))  # (its character classes made here once, before the workers fork)
            self.pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(self.assumed,))
        else:
            self.here = _Numbered(Analyzer(self.assumed))
        self.workers = workers

    def add(self, texts):
        """Count a chunk (in a worker: at most ``workers`` chunks ahead of the counts)."""
        if self.pool is None:
            self.counts.add(*self.here(texts))
            return
        self.pending.append(self.pool.submit(_analyze_in_worker, texts))
        while self.pending and (self.pending[0].done() or len(self.pending) > 2 * self.workers):
            self.counts.add(*self.pending.pop(0).result())

    def passes(self, chunk_passes):
        """``chunk_passes`` whose first pass also gives each chunk to :meth:`add`."""
        calls = []

        def each():
            if calls:
                yield from chunk_passes()
                return
            calls.append(True)
            for texts in chunk_passes():
                self.add(texts)
                yield texts

        return each

    def result(self, preprocessing):
        """The counts, when ``preprocessing`` (what the pass learned) makes the analyzer they
        were made with; else None, their files removed."""
        try:
            for future in self.pending:
                self.counts.add(*future.result())
        finally:
            self.close()
        if _tokenizing(preprocessing) == _tokenizing(self.assumed):
            return self.counts
        for chunk in self.counts.chunks:
            if isinstance(chunk, str):
                os.remove(chunk)
        return None

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
