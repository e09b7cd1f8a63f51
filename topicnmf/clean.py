"""Text -> text: strip what is not the document's own content.

Two cleanings: e-mail/news apparatus (below), and boilerplate lines that a template repeats
across a large share of the documents (``repeated_lines``/``drop_lines``).

An e-mail exported to a text file starts with a header block (From:, To:, Date:,
Message-ID:, ...), often quotes the message it answers (lines starting with ">", under an
"On ... wrote:" line, or below "-----Original Message-----"), and ends in a signature
after a "-- " line. Left in, addresses, mail-client names and a sender's signature become
topic terms, and topics follow senders instead of subjects.

``clean_email`` removes all of that, keeping the Subject line's text. Under the default
mode ``auto`` it touches only documents that start with an e-mail header block (at least two
header lines, one of them From:, Subject:, Newsgroups: or Message-ID:): none of the
documents of the six corpora in ../shared/corpora do, so they read exactly as before.
"""

import re
from collections import Counter

MODES = ("auto", "always", "never")

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$")
_STARTS_WITH_HEADER = re.compile(r"\s*[A-Za-z][A-Za-z0-9-]*:")
_KEY_HEADERS = frozenset({"from", "subject", "newsgroups", "message-id"})
_QUOTED = re.compile(r"^\s*(>|\|>)")
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.*\bwrote:|.*\bwrites:|.*\bwrote:|in article\s+<[^>]*>.*)\s*$", re.IGNORECASE
)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|forwarded message)\s*-{2,}\s*$", re.IGNORECASE)
_SIGNATURE = re.compile(r"^--\s?$")
SIGNATURE_LINES = 15  # a "-- " line further from the end than this is not a signature


def _header_block(lines):
    """(lines up to the end of the leading header block, blank lines before it included,
    subject text), or (0, None)."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    names, subject = [], None
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        match = _HEADER.match(line)
        if match:
            names.append(match.group(1).lower())
            if names[-1] == "subject":
                subject = match.group(2).strip()
        elif not (line[:1] in " \t" and names):  # a folded continuation line
            return 0, None
        i += 1
    if len(names) < 2 or not _KEY_HEADERS.intersection(names):
        return 0, None
    return i, subject


def looks_like_email(text):
    """True when the text starts with an e-mail or news header block."""
    if not _STARTS_WITH_HEADER.match(text):  # cheap test first: most texts fail it
        return False
    return _header_block(text[:5000].splitlines())[0] > 0


def clean_email(text, mode="auto"):
    """The message of an e-mail: no header block (the subject kept), no quoted text, no
    attribution lines, no forwarded original, no signature. ``mode``: 'auto' (only texts
    that start with a header block), 'always' or 'never'."""
    if mode == "never" or (mode == "auto" and not looks_like_email(text)):
        return text
    lines = text.splitlines()
    skip, subject = _header_block(lines)
    body = lines[skip:]
    for i, line in enumerate(body):
        if _ORIGINAL.match(line):
            body = body[:i]
            break
    for i in range(len(body) - 1, max(len(body) - SIGNATURE_LINES, 0) - 1, -1):
        if _SIGNATURE.match(body[i]):
            body = body[:i]
            break
    kept = []
    for i, line in enumerate(body):
        if _QUOTED.match(line):
            continue
        if _ATTRIBUTION.match(line):
            following = next((b for b in body[i + 1:] if b.strip()), "")
            if _QUOTED.match(following):
                continue
        kept.append(line)
    return "\n".join(([subject] if subject else []) + kept)


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
    for text in texts:
        lines = {line.strip() for line in text.splitlines()} - {""}
        if len(lines) > 1:  # a one-line document (a tweet, a survey answer) is all content
            counts.update(lines)
    needed = max(min_documents, min_share * len(texts))
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
