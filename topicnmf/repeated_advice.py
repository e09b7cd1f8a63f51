"""Pointing a junk-flagged topic to ``--drop-repeated-lines`` when its terms come from lines
repeated word for word that the boilerplate rules kept (in under ``repeated_line_share`` of
the corpus and under 80% of any one source's or language's documents: a template on some
of a section's pages, a footer of one mailing list among many).

Only the topic's top documents are read for such lines (those of 3 or more of them holding 2
of the topic's junk terms); each line found is then counted in the whole corpus, and the advice
names the share that drops it.
"""

import math
from collections import Counter
from dataclasses import replace

from .clean import count_lines, count_these_lines
from .docweights import column_top

TOP_DOCUMENTS = 50  # of each flagged topic, read for repeated lines
MIN_IN_TOP = 3  # top documents a line must be in
MIN_DOCUMENTS = 10  # as the boilerplate rule: a line in fewer documents is never dropped


def with_repeated_line_advice(junk, W, texts_of_rows, all_texts, analyzer, share):
    """``junk`` (per component, :func:`junk.assess`'s) with advice added to each flagged
    topic whose junk terms come from kept repeated lines. ``texts_of_rows(rows)``: those
    documents' texts (rows of W); ``all_texts()``: every text, in one pass (read only when such lines are found);
    ``analyzer``: the run's (its ``clean`` and ``tokens``); ``share``: the share in use."""
    flagged = [t for t, j in enumerate(junk) if j.flags and j.terms]
    if not flagged or W.shape[0] == 0:
        return junk
    tops = column_top(W, min(TOP_DOCUMENTS, W.shape[0]))
    found = {}
    for t in flagged:
        terms = {term.lower() for term in junk[t].terms}
        counts = Counter()
        count_lines((analyzer.clean(text) for text in texts_of_rows(tops[t])), counts)
        lines = {line for line, n in counts.items() if n >= MIN_IN_TOP
                 and len(terms & set(analyzer.tokens(line))) >= min(2, len(terms))}
        if lines:
            found[t] = lines
    if not found:
        return junk
    everywhere = count_these_lines((analyzer.clean(text) for text in all_texts()), set().union(*found.values()))
    n = W.shape[0]
    out = list(junk)
    for t, lines in found.items():
        held = {line: everywhere[line] for line in lines if everywhere[line] >= MIN_DOCUMENTS}
        if not held:
            continue
        fewest = min(held.values())
        line = max(held, key=lambda key: (held[key], key))
        drop = max(0.01, math.floor(100 * fewest / n) / 100)
        note = (f"; its terms come from {len(held)} line(s) repeated word for word (such as {line[:60]!r}, in "
                f"{held[line]} documents), kept as under {share:g} of the documents and 80% of any source's: "
                f"--drop-repeated-lines {drop:g} drops them")
        (flag, advice), *rest = junk[t].advice
        out[t] = replace(junk[t], advice=((flag, advice + note), *rest))
    return tuple(out)
