"""Text -> text: strip what is not the document's own content.

Two cleanings: e-mail/news apparatus (below), and boilerplate lines that a template repeats
across a large share of the documents (``repeated_lines``/``drop_lines``).

An e-mail exported to a text file starts with a header block (From:, To:, Date:,
Message-ID:, ...), often quotes the message it answers (lines starting with ">", under an
"On ... wrote:" line, or below "-----Original Message-----"), and ends in a signature
after a "-- " line. Left in, addresses, mail-client names and a sender's signature become
topic terms, and topics follow senders instead of subjects.

``clean_email`` removes all of that (the rules are in mail/message.py), keeping the Subject line's
text. Under the default mode ``auto`` it touches only documents that start with a mail or
news header block (at least two header lines, one of them From:, Subject:, Newsgroups:,
Message-ID: or Path:, or an mbox ``From `` line): none of the documents of the six corpora in
../shared/corpora do, so they read exactly as before.
"""

import re
from collections import Counter
from itertools import compress

from .mail import assemble, looks_like_mail, message_parts
from .mail.message import _MAYBE_HEADER as MAYBE_HEADER  # (what a mail's first line starts with)
from .unique_ids import SeenIds

MODES = ("auto", "always", "never")


def looks_like_email(text):
    """True when the text starts with an e-mail or news header block (see mail/message.py)."""
    return looks_like_mail(text)


def email_parts(text, mode="auto"):
    """(is a message, its :class:`~topicnmf.mail.Parts`, or None when ``mode`` leaves it alone)."""
    is_message = mode != "never" and looks_like_mail(text)
    if mode == "never" or (mode == "auto" and not is_message):
        return is_message, None
    return is_message, message_parts(text)


NOT_MAIL = (False, None)


def email_parts_of(texts, mode="auto"):
    """:func:`email_parts` of each of ``texts`` (a list); under 'auto' the texts that cannot
    start with a header block (most) ruled out by one compiled match each, in C."""
    if mode == "never":
        return [NOT_MAIL] * len(texts)
    if mode != "auto":
        return [email_parts(text, mode) for text in texts]
    parts = [NOT_MAIL] * len(texts)
    for i in compress(range(len(texts)), map(MAYBE_HEADER.match, texts)):
        parts[i] = email_parts(texts[i], mode)
    return parts


def clean_email_counted(text, mode="auto", signatures=frozenset()):
    """(text, is a message, :class:`~topicnmf.mail.Removed` or None when left alone)."""
    is_message, parts = email_parts(text, mode)
    if parts is None:
        return text, is_message, None
    cleaned, removed = assemble(parts, signatures)
    return cleaned, is_message, removed


def clean_email(text, mode="auto", signatures=frozenset()):
    """The message of an e-mail or news post: no header block (the subject kept), no quoted
    text, attributions, forwarded original, signature (delimited, or one of the learned
    ``signatures``), PGP armour, uuencoded or base64 blobs, non-text MIME parts (see mail/message.py).
    ``mode``: 'auto' (only texts that start with a header block), 'always' or 'never'."""
    return clean_email_counted(text, mode, signatures)[0]


def repeated_lines(texts, min_share, min_documents=10):
    """Lines (whitespace-trimmed) found in at least ``min_share`` of the documents and in at
    least ``min_documents`` of them: a site's header, footer or disclaimer.

    Measured on ../shared/corpora: dropping lines repeated in as few as 5 or 20 Debian
    package descriptions lowers coherence (mean NPMI at k=20 0.385 -> 0.216 / 0.239) and
    label agreement, because those shared paragraphs (a Haskell or Node.js family's
    description) are the packages' subject; the most repeated Debian line is in 1.8% of
    the documents. Hence a share, not a count: the default 0.2 catches a template line on
    one document in five; of the shared corpora it drops only the Wikipedia sample's
    section headings ("References", "See also", ...), its topics unchanged.
    """
    if not min_share:
        return frozenset()
    counts = Counter()
    n_texts = count_lines(texts, counts)
    return lines_repeated(counts, n_texts, min_share, min_documents)


def count_lines(texts, counts):
    """Add to ``counts`` (a Counter) each trimmed line of ``texts`` once per text, for texts of
    more than one line; returns the number of texts. An exact copy of an earlier text is not
    counted again (nor in the number): thirty copies of one syndicated article among fifty
    others made every line of it 'boilerplate', and left the copies empty."""
    n_texts, seen = 0, SeenIds()
    for text in texts:
        lines = text.splitlines()
        if len(lines) < 2:  # (794k one-line summaries: no set made for each, 0.9 -> 0.3 s)
            n_texts += 1
            continue
        lines = {line.strip() for line in lines} - {""}
        if len(lines) > 1:  # a one-line document (a tweet, a survey answer) is all content
            if seen.bump(text):
                continue
            counts.update(lines)
        n_texts += 1
    return n_texts


class LineCounts:
    """:func:`count_lines` over a corpus too large to count every line of: per trimmed line,
    the texts holding it, kept in bounded memory by lossy counting (Manku & Motwani 2002,
    "Approximate frequency counts over data streams"). Every ``width`` texts (a bucket) a
    line whose count, plus the most it can have missed before it was first kept, is at most
    the buckets so far is dropped; so a line held by more than one text in ``width`` is never
    lost, and at most ``(lines per text) * width * log(texts / width)`` lines are kept
    whatever the corpus's size. :meth:`repeated` gives the lines of
    :func:`lines_repeated` exactly: a line whose kept count leaves it in doubt is counted
    again (``recount``)."""

    def __init__(self, min_share, width=None):
        self.min_share = min_share
        self.width = width or max(1, int(round(100 / min_share))) if min_share else 1
        self.counts = {}  # line -> [texts counted since kept, most it can have missed before]
        self.n_texts = 0
        self.copies, self._seen = 0, SeenIds()  # exact copies of an earlier text: not counted

    def add(self, texts):
        """Count the lines of ``texts`` (as :func:`count_lines`); returns how many texts."""
        before = self.n_texts
        for text in texts:
            self.n_texts += 1
            if not self.min_share:
                continue
            lines = {line.strip() for line in text.splitlines()} - {""}
            if len(lines) > 1 and self._seen.bump(text):
                self.copies += 1
            elif len(lines) > 1:
                missed = (self.n_texts - 1) // self.width
                for line in lines:
                    entry = self.counts.get(line)
                    if entry is None:
                        self.counts[line] = [1, missed]
                    else:
                        entry[0] += 1
            if self.n_texts % self.width == 0:
                bucket = self.n_texts // self.width
                self.counts = {line: e for line, e in self.counts.items() if e[0] + e[1] > bucket}
        return self.n_texts - before

    def repeated(self, min_documents=10, recount=None):
        """The lines in at least ``min_share`` of the texts and in ``min_documents``; those
        whose count is in doubt are counted exactly by ``recount(lines)`` ({line: texts})."""
        needed = max(min_documents, self.min_share * (self.n_texts - self.copies))
        sure = {line for line, (n, _) in self.counts.items() if n >= needed}
        doubt = {line for line, (n, missed) in self.counts.items() if n < needed <= n + missed}
        if doubt:
            sure |= {line for line, n in recount(doubt).items() if n >= needed}
        return frozenset(sure)


def count_these_lines(texts, wanted):
    """{line: texts of more than one line holding it} for the trimmed lines in ``wanted``
    (an exact copy of an earlier text not counted again)."""
    counts, seen = Counter(), SeenIds()
    for text in texts:
        lines = {line.strip() for line in text.splitlines()} - {""}
        if len(lines) > 1 and not seen.bump(text):
            counts.update(lines & wanted)
    return counts


def lines_repeated(counts, n_texts, min_share, min_documents=10):
    """The lines of ``counts`` (see :func:`count_lines`) in at least ``min_share`` of
    ``n_texts`` texts and in at least ``min_documents``."""
    needed = max(min_documents, min_share * n_texts)
    return frozenset(line for line, n in counts.items() if n >= needed)


def drop_lines(text, lines):
    """``text`` without the lines whose trimmed form is in ``lines``."""
    if not lines:
        return text
    return "\n".join(line for line in text.splitlines() if line.strip() not in lines)


# -- characters that are not content ------------------------------------------------------------

# Zero-width space/non-joiner/joiner, word joiner, BOM (zero-width no-break space), soft
# hyphen: invisible, yet a tokenizer splits words at them ("pla\u00adnet").
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
# ANSI terminal escapes (colours, cursor moves): ESC [ parameters, intermediates, a final letter.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def strip_invisible(text):
    """``text`` without zero-width characters, soft hyphens and ANSI escape sequences."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if text.isascii():
        return text
    return _INVISIBLE.sub("", text)


_SURROGATE = re.compile("[\ud800-\udfff]")
# What must not reach a report raw in an id: C0/C1 controls (NUL, newline, ESC ...), DEL,
# bidirectional overrides and isolates (which reorder the text around them), and surrogates
# (a file name's undecodable bytes, kept by Python as U+DC80..U+DCFF).
_UNSAFE_IN_ID = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def without_surrogates(text):
    """(text with every lone surrogate replaced by U+FFFD, how many were replaced)."""
    if text.isascii():
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def all_safe(documents):
    """True when :func:`visible_id` leaves the id, label and date of each of ``documents``
    (objects with those and a text) and :func:`without_surrogates` its text as they are:
    one scan of them all, joined, instead of a call per value."""
    names = " ".join(v for d in documents for v in (d.id, d.label, d.date) if v is not None)
    return _UNSAFE_IN_ID.search(names) is None and _SURROGATE.search("".join(d.text for d in documents)) is None


def visible_id(name):
    """``name`` with what must not reach a report raw written as a visible escape: a file
    name's undecodable byte 0xE9 as ``\\xe9`` (4 characters), newline as ``\\n``, other
    controls as ``\\x00``, bidi overrides and other surrogates as ``\\u202e``."""
    return _UNSAFE_IN_ID.sub(_escape, name)


def _escape(match):
    c = match.group()
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape of the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return _NAMED.get(c) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
