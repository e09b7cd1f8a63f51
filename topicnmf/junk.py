"""Topics made of residue rather than subjects, found without trusting coherence.

Header words always occur together, and so do a commodity table's contract codes: such topics
score high NPMI. Three flags look at what the top terms *are* instead:

- ``metadata``: most of the occurrences of several top terms (4 of 10) lie in a header block,
  an attribution line, an e-mail address, a URL or domain name, a file path, a Usenet path or
  markup (tags, entities), in the text as tokenized (after cleaning).
- ``codes``: half the top terms or more look like identifiers: letters and digits mixed
  (``may7``, ``q3f``), numbers, hex strings, or words written in capitals nearly everywhere
  they occur (tickers such as ``UNTRD``).
- ``few_authors``: half or more of the topic's document weight sits in the posts of one
  author (the From: address), at least three times that author's share of the documents,
  and 3 of its top 10 terms are found mostly in that author's posts: a topic of one person's
  signature or habits, not a subject (a columnist who alone writes on a subject in words
  others use too is not flagged). Or the same of one **source** (:func:`sources`: the folder
  a file lies in or the top folder of the input, as a mirrored web site's pages lie under
  its host's folder; the mbox file a message came from; the host of a URL id), where the
  3 top terms must also be in 80% of that source's documents, on a line that half of them
  repeat (numbers aside): its boilerplate (a site's navigation, a list's footer, a
  template), not the subject of a folder of one subject, even of short documents that use
  its words in most of them.

:func:`assess` returns, per component of the factorization, a :class:`Junk` with its flags,
an explanation and advice for each, and the characteristic terms ``--drop-flagged`` removes.
A flagged topic is never shown first: :func:`demotion` lists the topics with a junk flag after
all others, and those with one of ``evaluate.topic_quality``'s flags (``low_coherence``,
``near_duplicate``, ``few_documents``, ``common_words``) after the topics with none
(``build_topics``'s ``demote``).
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import numpy as np

from .docweights import column_top, top_rows
from .evaluate import topic_quality
from .mail import ATTRIBUTION, authors as authors_of, header_end
from .sources import Groups, sources  # noqa: F401 (sources: part of this module's API)
from .topics import balance_scale

FLAGS = ("metadata", "codes", "few_authors")
DOCUMENTS_SCANNED = 50  # strongest documents per topic whose text is scanned for contexts
METADATA_SHARE = 0.5  # of a term's occurrences in metadata contexts, to count as metadata
METADATA_TERMS = 0.4  # share of the top terms that are metadata, to flag the topic (see README)
CODE_TERMS = 0.5  # share of the top terms that look like codes, to flag the topic
CAPITALS_SHARE = 0.8  # of a term's occurrences in capitals, to count as a ticker
AUTHOR_SHARE = 0.5  # of the topic's weight in one author's posts
AUTHOR_LIFT = 3.0  # ... at least this many times the author's share of the documents
MIN_AUTHORS = 5  # distinct authors a corpus needs for the flag to mean anything
MIN_SOURCES = 3  # distinct sources, likewise
SOURCE_COVERAGE = 0.8  # share of a source's documents a term must be in to be its boilerplate
AUTHOR_TERMS = 0.3  # share of the top terms found mostly in that author's posts (not a columnist's subject)
CHARACTERISTIC_TERMS = 100  # a flagged topic's strongest terms searched for its characteristic ones

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_CONTEXTS = re.compile("|".join((
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses, message ids
    r"\b(?:https?|ftp)://\S+|\bwww\.\S+",  # URLs
    r"\b(?:[A-Za-z0-9-]+\.)+(?:com|org|net|edu|gov|mil|int|info|biz|[a-z]{2})\b(?!\.\w)",  # domains
    r"(?:\b[A-Za-z]:)?(?:[\\/][\w.-]+){2,}[\\/]?",  # file paths
    r"\b[\w.-]+(?:![\w.-]+){2,}",  # Usenet paths
    r"<[^<>\n]{1,200}>",  # tags
    r"&#?\w{2,8};",  # entities
)))
_FIELD_LINE = re.compile(r"^(?:[A-Z][\w.]*-[\w.-]*|x-[\w.-]+|from|subject|newsgroups|path|organization|lines|"
                         r"date|references|sender|reply-to|distribution|keywords|summary|message-id|to|cc):\s",
                         re.IGNORECASE)
_MIXED = re.compile(r"^(?=.*\d)(?=.*[^\W\d_])\w+$")
_HEX = re.compile(r"^[0-9a-f]{8,}$")
_NUMBERS = re.compile(r"\d+")


@dataclass(frozen=True)
class Junk:
    """What marks one topic as residue: flags, ((flag, explanation and what to do), ...),
    and the characteristic terms (display forms) that ``--drop-flagged`` drops."""

    flags: tuple = ()
    advice: tuple = ()
    terms: tuple = ()


def assess(texts, W, H, top, display_terms, *, clean=lambda text: text, X=None, ids=None):
    """Per component a :class:`Junk`.

    Parameters
    ----------
    texts : sequence of str, the documents' raw texts (authors are read from their headers)
    W : ndarray (n_documents, k); H : ndarray (k, n_terms)
    top : ndarray (k, n_top), top term indices per component
    display_terms : sequence of str
    clean : callable, the text as tokenized (the analyzer's cleaning)
    X : sparse (n_documents, n_terms), optional: term presence, to name an author's own terms
    ids : sequence of str, optional: the documents' ids, whose paths name their sources
    """
    k = H.shape[0]
    words = [[display_terms[j] for j in top[t] if H[t, j] > 0] for t in range(k)]
    wide = [[display_terms[j] for j in top_rows(H[t], CHARACTERISTIC_TERMS) if H[t, j] > 0]
            for t in range(k)]
    tops = column_top(W, DOCUMENTS_SCANNED)  # (W may be on disk: docweights.DocWeights)
    candidates = np.unique(np.concatenate(tops)) if k else np.zeros(0, dtype=np.int64)
    weights = W[candidates]
    at = {int(d): i for i, d in enumerate(candidates)}
    scanned = sorted({int(d) for t in range(k) for d in tops[t] if weights[at[int(d)], t] > 0})
    authors, scanned_texts = _authors_and_texts(texts, scanned)
    cleaned = dict(zip(scanned, map(clean, scanned_texts)))
    meta, total, capitals = _contexts(list(cleaned.values()), {w for ws in wide for w in ws})
    known = [i for i, a in enumerate(authors) if a is not None]  # (once, not per topic)
    levels = _weighed(sources(ids), W) if ids is not None and X is not None else ()  # (may be none)
    totals = W.sum(axis=0) if levels else None
    out = []
    for t in range(k):
        flags, advice, terms = [], [], []
        metadata = [w for w in words[t] if total[w] and meta[w] >= METADATA_SHARE * total[w]]
        if words[t] and len(metadata) >= METADATA_TERMS * len(words[t]):
            more = [w for w in wide[t] if total[w] and meta[w] >= METADATA_SHARE * total[w]]
            share = sum(meta[w] for w in metadata) / sum(total[w] for w in metadata)
            flags.append("metadata")
            advice.append(("metadata", f"top terms {', '.join(metadata)} come from headers, addresses, domains, "
                           f"paths or markup ({share:.0%} of their occurrences): clean the input (--clean-email "
                           "always for mail), add suggested_stop_words.txt with --stop-words, or --drop-flagged"))
            terms += more
        codes = [w for w in words[t] if _is_code(w, total[w], capitals[w])]
        if words[t] and len(codes) >= CODE_TERMS * len(words[t]):
            flags.append("codes")
            advice.append(("codes", f"top terms {', '.join(codes)} are codes, identifiers or tickers, not words: "
                           "leave tables of codes out of the input, add suggested_stop_words.txt with "
                           "--stop-words, or --drop-flagged"))
            terms += [w for w in wide[t] if _is_code(w, total[w], capitals[w]) and w not in terms]
        who = _one_author(authors, known, W, t)
        own = _authors_terms(X, authors, who[0], top[t], display_terms) if who and X is not None else words[t]
        if who is not None and len(own) >= AUTHOR_TERMS * len(words[t]):
            name, share, base = who
            flags.append("few_authors")
            advice.append(("few_authors", f"{share:.0%} of its weight is in posts by {name}, who wrote {base:.0%} "
                           "of the documents: a signature or one person's habits, not a subject; add its terms "
                           "(suggested_stop_words.txt) with --stop-words, or --drop-flagged"))
            terms += [w for w in own if w not in terms]
        elif (found := _one_source(levels, totals, t, X, top[t], display_terms, len(words[t]),
                                   lambda mine, own: _template_terms(own, [d for d in tops[t] if mine[d]], cleaned))):
            (name, share, base), own = found
            flags.append("few_authors")
            advice.append(("few_authors", f"{share:.0%} of its weight is in {name} ({base:.0%} of the documents), "
                           f"and its top terms {', '.join(own)} are in nearly every document there: that "
                           "source's boilerplate (navigation, a footer, a template), not a subject; add its terms "
                           "(suggested_stop_words.txt) with --stop-words, or --drop-flagged"))
            terms += [w for w in own if w not in terms]
        out.append(Junk(tuple(flags), tuple(advice), tuple(terms)))
    return tuple(out)


def balanced_quality(X, W, H, top, display_terms):
    """``topic_quality`` of each component (factorization order) of balance(W, H), the
    topics as they are shown, W's columns scaled as they are read. X: the matrix whose
    ``top`` columns (k, n_top) are read; W an array or a DocWeights (on disk, out of core:
    read in passes, the same values)."""
    scale = balance_scale(H)
    return topic_quality(X, W, H / scale[:, None], top, display_terms, scale=scale)


def demotion(junk, H, quality):
    """Per component (factorization order) how far down it is listed: 3 when empty (no
    term), 2 with a junk flag (``junk``: :func:`assess`'s), 1 with one of
    ``topic_quality``'s flags (``quality``: :func:`balanced_quality`'s), 0 with none. Topics
    are listed by this level, then by prevalence, so topic 1 carries no flag while any
    topic carries none."""
    empty = ~np.asarray(H.max(axis=1) > 0).ravel()
    return [3 if e else 2 if j.flags else 1 if q.flags else 0 for e, j, q in zip(empty, junk, quality)]


def _contexts(texts, wanted):
    """Per wanted term: occurrences in metadata contexts, all occurrences, occurrences in capitals."""
    meta, total, capitals = Counter(), Counter(), Counter()
    for text in texts:
        lines = text.splitlines()
        end, _ = header_end(lines)
        spans = lines[:end] + [line for line in lines[end:] if _FIELD_LINE.match(line) or ATTRIBUTION.match(line)]
        rest = "\n".join(line for line in lines[end:] if not (_FIELD_LINE.match(line) or ATTRIBUTION.match(line)))
        spans += _CONTEXTS.findall(rest)
        for token in _TOKEN.findall(text):
            low = token.lower()
            if low in wanted:
                total[low] += 1
                capitals[low] += token.isupper() and len(token) > 1
        for token in _TOKEN.findall("\n".join(spans)):
            if token.lower() in wanted:
                meta[token.lower()] += 1
    return meta, total, capitals


def _is_code(term, n, n_capitals):
    if " " in term:
        return all(_is_code(part, n, n_capitals) for part in term.split())
    return bool(_MIXED.match(term) or term.isdigit() or _HEX.match(term)
                or (n and n_capitals >= CAPITALS_SHARE * n and len(term) <= 6))


def _authors_and_texts(texts, rows):
    """(every text's author, the texts of ``rows`` in that order) from one pass over
    ``texts``: read in passes, each pass parses the whole input again (7.9M documents: one
    pass less of the topics stage's three)."""
    if isinstance(texts, list):  # (in memory)
        return authors_of(texts), [texts[row] for row in rows]
    if hasattr(texts, "authors_and_texts"):  # (kept by the first pass: textpass.KeptTexts)
        return texts.authors_and_texts(rows)
    wanted, picked = set(rows), {}

    def kept():
        for row, text in enumerate(texts):
            if row in wanted:
                picked[row] = text
            yield text

    return authors_of(kept()), [picked[row] for row in rows]


@dataclass(frozen=True)
class _Weighed:
    """A level's sources of two documents or more (a source of one is never flagged), at
    most MAX_SOURCES of the largest: their names, document counts, each document's index
    into them (-1: none) and the topics' weight in each, (sources, k)."""

    groups: Groups
    names: tuple
    documents: np.ndarray
    index: np.ndarray
    weight: np.ndarray


MAX_SOURCES = 100_000


def _weighed(levels, W):
    """Each level of :func:`sources` with the topics' weight per source: one pass over W
    (which may be on disk) for both levels."""
    out = []
    for groups in levels:
        if len(groups.names) < MIN_SOURCES:  # too few sources for the flag to mean anything
            continue
        counts = np.bincount(groups.codes, minlength=len(groups.names))
        kept = np.flatnonzero(counts >= 2)
        if len(kept) > MAX_SOURCES:
            kept = np.sort(kept[np.argsort(-counts[kept], kind="stable")[:MAX_SOURCES]])
        index = np.full(len(groups.names), -1, dtype=np.int64)
        index[kept] = np.arange(len(kept))
        out.append(_Weighed(groups, tuple(groups.names[i] for i in kept), counts[kept],
                            index[groups.codes], np.zeros((len(kept), W.shape[1]))))
    blocks = W.blocks() if hasattr(W, "blocks") else [(0, W)]
    for start, block in blocks:
        for level in out:
            mine = level.index[start:start + block.shape[0]]
            has = mine >= 0
            for t in range(block.shape[1]):
                level.weight[:, t] += np.bincount(mine[has], weights=block[has, t],
                                                  minlength=len(level.names))
    return tuple(out)


def _one_source(levels, totals, t, X, top, display_terms, n_words, templated):
    """((source, share of the weight, share of the documents), its boilerplate top terms) when
    one source at either level carries the topic and 3 of its top terms are in 80% of that
    source's documents and mostly there, on a line its documents repeat (``templated(mine,
    terms)``: those of the terms that are); else None. ``totals``: the topics' weights."""
    for level in levels:
        n = len(level.groups.codes)
        if not len(level.names) or totals[t] <= 0:
            continue
        best = int(np.argmax(level.weight[:, t]))  # the first of equals, as by first appearance
        share, base = level.weight[best, t] / totals[t], level.documents[best] / n
        if share < AUTHOR_SHARE or share < AUTHOR_LIFT * base:
            continue
        mine = level.index == best
        present = X[:, top] > 0
        in_mine = np.asarray(present[mine].sum(axis=0)).ravel()
        everywhere = np.asarray(present.sum(axis=0)).ravel()
        own = [display_terms[j] for j, a, b in zip(top, in_mine, everywhere)
               if b and a >= 0.5 * b and a >= SOURCE_COVERAGE * mine.sum()]
        own = templated(mine, own) if n_words and len(own) >= AUTHOR_TERMS * n_words else own
        if n_words and len(own) >= AUTHOR_TERMS * n_words:
            return (f"source {level.names[best]!r}", float(share), float(base)), own
    return None


def _template_terms(terms, docs, cleaned):
    """The ``terms`` that stand on a line repeated (its numbers aside) in half or more of the
    documents ``docs`` (those scanned, ``cleaned``: index -> text as tokenized) that hold
    them: a template's line (a footer naming its page, a byline with its date), where a
    folder of one subject's short documents holds its words in sentences of its own."""
    texts = [cleaned[d].lower() for d in docs if d in cleaned]
    out = []
    for term in terms:
        keys, holding = Counter(), 0
        for text in texts:
            lines = {_NUMBERS.sub("#", " ".join(line.split())) for line in text.splitlines() if term in line}
            holding += bool(lines)
            keys.update(lines)
        if holding >= 2 and keys.most_common(1)[0][1] >= 0.5 * holding:
            out.append(term)
    return out


def _one_author(authors, known, W, t, minimum=MIN_AUTHORS):
    """(author, share of the weight, share of the documents) when one author (or any group: a
    source) carries topic t (``known``: the documents with one; ``minimum`` distinct ones needed)."""
    if len({authors[i] for i in known}) < minimum:
        return None
    weights = W[:, t]
    by_author, docs = defaultdict(float), Counter(authors[i] for i in known)
    for i in known:
        by_author[authors[i]] += float(weights[i])
    total = float(weights.sum())
    if total <= 0:
        return None
    name, weight = max(by_author.items(), key=lambda item: item[1])
    share, base = weight / total, docs[name] / len(authors)
    if share >= AUTHOR_SHARE and share >= AUTHOR_LIFT * base and docs[name] >= 2:
        return name, share, base
    return None


def _authors_terms(X, authors, name, top, display_terms):
    """The top terms found mostly (half their documents or more) in ``name``'s posts."""
    mine = np.array([a == name for a in authors])
    present = X[:, top] > 0
    in_mine = np.asarray(present[mine].sum(axis=0)).ravel()
    everywhere = np.asarray(present.sum(axis=0)).ravel()
    return [display_terms[j] for j, a, b in zip(top, in_mine, everywhere) if b and a >= 0.5 * b]


def stop_word_file(junk_terms, flags=FLAGS):
    """The text of suggested_stop_words.txt: the characteristic terms of the topics with
    these ``flags``."""
    lines = [f"# Terms of topics flagged {', '.join(flags)}; use with --stop-words FILE"]
    return "\n".join(lines + sorted(set(junk_terms))) + "\n"


def _advice_for(q):
    """What each of evaluate.topic_quality's own flags means and what to do."""
    text = {
        "low_coherence": "its top terms rarely share documents: try fewer topics, or read its documents",
        "near_duplicate": f"overlaps topic(s) {', '.join(map(str, q.duplicate_of))}: try fewer topics",
        "few_documents": "two documents carry most of its weight: look for duplicates or outliers, or try fewer topics",
        "common_words": f"very common words: --extra-stop-words {','.join(q.suggested_stop_words)}, or --drop-flagged",
    }
    return tuple((f, text[f]) for f in q.flags if f in text)


def with_junk(quality, junk, order):
    """``quality`` (in topic order) with the junk flags of the components (``junk``, in the
    factorization's order; ``order[t]`` is topic t + 1's component) and advice for every flag."""
    out = []
    for q, t in zip(quality, order):
        j = junk[t]
        out.append(replace(q, flags=q.flags + j.flags, advice=_advice_for(q) + j.advice, junk_terms=j.terms))
    return tuple(out)


def is_junk(quality):
    """Whether a topic carries one of the junk flags."""
    return any(f in FLAGS for f in quality.flags)


def dropped_terms(quality):
    """((topic, (terms ...)), ...): the single-word characteristic terms of the flagged topics
    (junk terms, and common_words' suggested stop words) that ``--drop-flagged`` drops."""
    out = []
    for t, q in enumerate(quality, start=1):
        terms = [w for w in dict.fromkeys(q.junk_terms + q.suggested_stop_words) if " " not in w]
        if terms:
            out.append((t, tuple(terms)))
    return tuple(out)
