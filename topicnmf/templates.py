"""Template lines learned per source and per language, as well as corpus-wide.

A line in ``repeated_line_share`` (20%) of the whole corpus is boilerplate (:func:`clean.repeated_lines`).
A site section, a subfolder, an mbox or a language under that share keeps its template that
way: a German section's cookie banner and footer, an English section's breadcrumb line
(``Home › Sport``), a mailing list's footer in a project folder of mixed files. So lines are
also learned within each group of documents: each source at both levels of
:func:`sources.sources` (the folder a file lies in and the input's top folder; the mbox a
message came from; a URL's host), and, in a mixed-language corpus, each language. A line is a
group's template when it is in ``GROUP_SHARE`` (80%) or more of that group's documents (and
in 10 or more; the larger of this and the corpus-wide share).

The high share is what keeps real repeated content. A template is put on every page of its
section; a family's shared description is not on every package of it. Grouped by their
sections as if they were folders, Debian's 57,343 package descriptions have no line in 80% of
a section (the most repeated: "Node.js is an event-based server-side JavaScript engine." in
66% of ``javascript``, the Haskell library lines in 46% of ``haskell``), BBC's, the inaugural
addresses' and the State of the Union's labels none in 20%; the bundled field guides' subject
folders none at all.
"""

from collections import Counter

from .languages import detect_document
from .sources import sources
from .unique_ids import SeenIds

GROUP_SHARE = 0.8


def groupings(ids, language):
    """The groupings that apply: the levels of :func:`sources.sources` that have two groups or
    more (one group is the corpus: the corpus-wide rule's), as lists of group codes; and
    whether documents are grouped by language too (a mixed-language corpus)."""
    levels = [level.codes.tolist() for level in sources(ids) if len(level.names) > 1] if ids is not None else []
    return levels, language.mixed


class TemplateCounts:
    """Per group of each grouping, the documents holding each line, by lossy counting (Manku
    & Motwani 2002) with buckets of two documents: a line in more than half of a group's
    documents is never lost, and little else is kept, so memory stays small however large
    the corpus. Fed the documents in order, each with its group in each grouping. As
    :func:`clean.count_lines`, an exact copy of an earlier document is not counted, and a
    one-line document is counted with no line."""

    def __init__(self, share, n_groupings, min_documents=10):
        self.needed_share, self.min_documents = max(share, GROUP_SHARE), min_documents
        self.groups = [{} for _ in range(n_groupings)]  # group -> [documents, {line: [count, missed]}]
        self._seen = SeenIds()

    def add(self, text, groups):
        lines = _lines(text, self._seen)
        if lines is None:
            return
        for table, group in zip(self.groups, groups):
            entry = table.setdefault(group, [0, {}])
            entry[0] += 1
            n, counts = entry
            for line in lines:
                if line in counts:
                    counts[line][0] += 1
                else:
                    counts[line] = [1, (n - 1) // 2]
            if n % 2 == 0:  # the end of a bucket: keep the lines that may still be in half
                entry[1] = {line: c for line, c in counts.items() if c[0] + c[1] > n // 2}

    def _needed(self, n):
        return max(self.min_documents, self.needed_share * n)

    def doubtful(self):
        """{(grouping, group): lines whose count is in doubt}: to be counted again exactly."""
        doubt = {}
        for level, table in enumerate(self.groups):
            for group, (n, counts) in table.items():
                needed = self._needed(n)
                lines = {line for line, (c, missed) in counts.items() if c < needed <= c + missed}
                if lines:
                    doubt[level, group] = lines
        return doubt

    def repeated(self, recounted):
        """The lines in the share of one group's documents; ``recounted``: {(grouping, group):
        {line: documents}} for :meth:`doubtful`'s lines."""
        found = set()
        for level, table in enumerate(self.groups):
            for group, (n, counts) in table.items():
                needed = self._needed(n)
                found |= {line for line, (c, _) in counts.items() if c >= needed}
                found |= {line for line, c in recounted.get((level, group), {}).items() if c >= needed}
        return frozenset(found)


def recount(documents, doubt):
    """{(grouping, group): Counter of lines} for ``doubt`` (:meth:`TemplateCounts.doubtful`),
    over ``documents``: (text, groups) in the order they were counted."""
    counted, seen = {key: Counter() for key in doubt}, SeenIds()
    for text, groups in documents:
        lines = _lines(text, seen)
        for level, group in enumerate(groups):
            if lines and (level, group) in doubt:
                counted[level, group].update(lines & doubt[level, group])
    return counted


def _lines(text, seen):
    """The trimmed lines of a text of more than one line (empty for one line), or None for
    an exact copy of an earlier text."""
    lines = {line.strip() for line in text.splitlines()} - {""}
    if len(lines) <= 1:
        return set()
    return None if seen.bump(text) else lines


def template_lines(texts, ids, language, share, min_documents=10):
    """The lines in at least ``max(share, GROUP_SHARE)`` of one group's ``texts`` (and in
    ``min_documents`` of them), groups being the sources the ``ids`` name and, when
    ``language`` (a LanguageChoice) is mixed, the documents' languages. Empty when ``share``
    is 0 (every line kept) or no grouping has two groups."""
    levels, by_language = groupings(ids, language)
    if not share or not (levels or by_language):
        return frozenset()
    if by_language:
        levels.append([detect_document(text) or language.language for text in texts])
    counts = TemplateCounts(share, len(levels), min_documents)
    documents = [(text, [codes[i] for codes in levels]) for i, text in enumerate(texts)]
    for text, groups in documents:
        counts.add(text, groups)
    doubt = counts.doubtful()
    return counts.repeated(recount(documents, doubt) if doubt else {})
