"""A mail or news message's text -> its author's own words, and what was cut, by rule.

Text -> text, whatever the message was read from (an .eml file, one message of an mbox, a
news post saved as a plain file, a table cell). By the formats' conventions (RFC 5322 mail,
RFC 1036 news) and common practice:

- ``header``: the leading header block. Field names are any printable characters but the
  colon (``Article-I.D.:``, ``X-Face:``); folded lines start with a space or tab; the first line
  may be an mbox ``From `` line or a news ``Path:``. The Subject's text is kept (without ``Re:``).
- ``mime``: of a MIME message, the non-text parts and the parts' headers; transfer encodings
  (base64, quoted-printable) decoded; HTML parts kept as their text when there is no plain one.
- ``forwarded``: everything below ``-----Original Message-----`` and its kin.
- ``pgp``: PGP signature, key and message blocks, and the armour of a signed message.
- ``blob``: uuencoded files (``begin 644 name`` ... ``end``) and runs of base64 lines.
- ``signature``: what follows a ``-- ``, ``--``, ``---`` or ``___`` line near the end.
- ``attribution``: ``In article <id>, name writes:``, ``name writes:``, ``On <date>, name
  wrote:``, ``Quoting name:`` and kin, also wrapped over two lines, and ``[deleted]``/``[...]``.
- ``quote``: lines quoted from other messages, marked ``>``, ``> >``, ``name>``, or ``|`` / ``:``
  in runs of two lines or after an attribution.
- ``learned_signature``: a trailing block that one author repeats across posts without a
  delimiter (learned from the corpus: see :mod:`.signatures`).

:func:`clean_message` returns the text and a :class:`Removed` count of characters per rule,
in two steps: :func:`message_parts` (every rule but the learned signatures: the costly part,
MIME parsing included) and :func:`assemble` (the learned signatures, then the text), so a
corpus is parsed once while its signatures are learned and applied.
"""

import email
import email.errors
import email.header
import email.policy
import email.utils
import re
from collections import Counter
from dataclasses import dataclass

from .markup import html_lines

RULES = ("header", "mime", "forwarded", "pgp", "blob", "signature", "attribution", "quote",
         "learned_signature")

# RFC 5322 field name: printable ASCII but the colon; a letter first keeps prose out.
_FIELD = re.compile(r"^([A-Za-z][\x21-\x39\x3b-\x7e]*):[ \t]*(.*)")
_MBOX_FROM = re.compile(r"^From \S+")
_STRONG_FIELDS = frozenset({"from", "subject", "newsgroups", "message-id", "path"})
_RE_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
HEADER_SNIFF = 5000  # characters in which a header block must end

_ORIGINAL = re.compile(r"^\s*(-{2,}\s*(original message|forwarded message|forwarded by|ursprüngliche nachricht"
                       r"|weitergeleitete nachricht|message d'origine|message transféré|mensaje original"
                       r"|mensaje reenviado|messaggio originale|messaggio inoltrato)\b.*"
                       r"|begin forwarded message:)\s*$", re.IGNORECASE)
_PGP_BEGIN = re.compile(r"^-----BEGIN PGP (SIGNATURE|PUBLIC KEY BLOCK|PRIVATE KEY BLOCK|MESSAGE)-----\s*$")
_PGP_SIGNED = re.compile(r"^-----BEGIN PGP SIGNED MESSAGE-----\s*$")
_UU_BEGIN = re.compile(r"^begin(-base64)? [0-7]{3,4} \S")
_UU_LINE = re.compile(r"^M[\x20-\x60]{60}\s*$")
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/]{40,}={0,2}\s*$")
_SIG_DELIMITER = re.compile(r"^(--\s?|-{3,}\s*|_{3,}\s*)$")
# What a mailing list's footer says (Mailman, Google Groups, LISTSERV, Sympa): not the author's.
_LIST_FOOTER = re.compile(r"mailing list|/listinfo/|mailman|unsubscribe|you received this message because"
                          r"|subscribed to the", re.IGNORECASE)
# The line between a message's text and that of a message attached to it (see readers/eml.py).
PART_BREAK = "-------- Attached message --------"
SIGNATURE_LINES = 15  # a delimiter further from the end than this is not a signature's

_VERB = r"(writes|wrote|said|says|schrieb|a écrit|escribió)"
_ATTRIBUTION = re.compile(
    r"^\s*(in article\s*<[^>]*>.*|in\s+<[^>]*@[^>]*>.*|on\b.{4,}\b" + _VERB + r"\s*:?"
    r"|quoting\b.*:|.{1,120}\b" + _VERB + r"\b.{0,60}:)\s*$", re.IGNORECASE)
ATTRIBUTION = _ATTRIBUTION  # (for junk.py: attribution lines are metadata)
_STRONG_ATTRIBUTION = re.compile(r"^\s*(in article\s*<|in\s+<[^>]*@|on\b.{4,}\b" + _VERB + r"\s*:?\s*$)",
                                 re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^\s*(in article\b|in\s+<|on\s|quoting\b|.*<[^>]*@[^>]*>)", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"^\s*.{0,80}\b" + _VERB + r"\s*:\s*$", re.IGNORECASE)
_SNIPPED = re.compile(r"^\s*[\[<(]\s*(\.\.\.|…|deleted|snip|snipped|text deleted|stuff deleted|"
                      r"quoted text \w+|\w+ deleted)\s*[\]>)]\s*$", re.IGNORECASE)
_QUOTE_ANGLE = re.compile(r"^\s*[A-Za-z]{0,4}>")
_QUOTE_WEAK = re.compile(r"^\s*[|:](?![|:-])")



@dataclass(frozen=True)
class Removed:
    """Characters removed from one message, per rule (see RULES), and its length before."""

    total: int = 0
    by_rule: tuple = ()  # ((rule, characters), ...) for the rules that removed any

    @property
    def removed(self):
        return sum(n for _, n in self.by_rule)




def header_end(lines):
    """(index of the first body line, fields as [(name, value)]) of a leading header block, or
    (0, []) when the text does not start with one: at least two fields, one of them From,
    Subject, Newsgroups, Message-ID or Path, or an mbox ``From `` first line."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    fields_, mbox = [], False
    if i < len(lines) and _MBOX_FROM.match(lines[i]):
        mbox, i = True, i + 1
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        match = _FIELD.match(line)
        if match:
            fields_.append([match.group(1).lower(), (match.group(2) or "").strip()])
        elif line[:1] in " \t" and fields_:  # a folded continuation line
            fields_[-1][1] += " " + line.strip()
        else:
            return 0, []
        i += 1
    names = {n for n, _ in fields_}
    if not fields_ or not (mbox or (len(fields_) >= 2 and names & _STRONG_FIELDS)):
        return 0, []
    return i, [tuple(f) for f in fields_]


# What a text that starts with a header block starts with (a field name and its colon, or an
# mbox ``From ``): one match rules out most texts (a package summary) before any slicing.
_MAYBE_HEADER = re.compile(r"\s*(?:[A-Za-z][\x21-\x39\x3b-\x7e]*:|From )")


def looks_like_mail(text):
    """True when the text starts with a mail or news header block."""
    if not _MAYBE_HEADER.match(text):  # (\s is what str.lstrip strips)
        return False
    head = text[:HEADER_SNIFF].lstrip()
    if not head or not (_FIELD.match(head) or head.startswith("From ")):
        return False
    return header_end(head.splitlines())[0] > 0


def author(text):
    """The address in the From: field of a message (lowercase), or None."""
    if not looks_like_mail(text):
        return None
    _, fields_ = header_end(text[:HEADER_SNIFF].splitlines())
    value = next((v for n, v in fields_ if n == "from"), "")
    address = email.utils.parseaddr(value)[1] or value.strip()
    return address.lower() or None


@dataclass(frozen=True)
class Parts:
    """A message after every rule but the learned signatures: its subject, its body lines,
    the characters each rule removed, and its length before."""

    subject: str
    body: tuple
    removed: tuple  # ((rule, characters), ...)
    total: int


def message_parts(text):
    """The :class:`Parts` of a mail or news message (header, MIME, forwarded original, PGP,
    blobs, delimited signature, quotes and attributions removed)."""
    removed = Counter()
    lines = text.splitlines()
    end, fields_ = header_end(lines)
    subject = next((_RE_PREFIX.sub("", decode_words(v)).strip() for n, v in fields_ if n == "subject"), "")
    removed["header"] = _chars(lines[:end]) - len(subject)
    body = lines[end:]
    if _is_mime(dict(fields_)):
        body, cut = _mime_text(lines[:end], body)
        removed["mime"] = cut
    body = _cut_forwarded(body, removed)
    body = _drop_blocks(body, removed)
    body = _each_part(body, lambda part: _cut_signature(part, removed), removed)
    body = _drop_quotes(body, removed)
    return Parts(subject, tuple(body), tuple((r, n) for r, n in removed.items() if n > 0), len(text))


def assemble(parts, signatures=frozenset()):
    """(text, :class:`Removed`) of a message's :class:`Parts` without the learned
    ``signatures`` (trailing blocks, tuples of stripped lines) found at its end."""
    removed = Counter(dict(parts.removed))
    body = _cut_learned(list(parts.body), signatures, removed)
    kept = ([parts.subject] if parts.subject else []) + body
    return "\n".join(kept), Removed(parts.total, tuple((r, removed[r]) for r in RULES if removed[r] > 0))


def clean_message(text, signatures=frozenset()):
    """(the message's own words, :class:`Removed`) of a mail or news message.

    ``signatures``: trailing blocks (tuples of stripped lines) learned by
    :func:`~topicnmf.mail.signatures.learn_signatures`, removed from the end of the message.
    """
    return assemble(message_parts(text), signatures)


def _chars(lines):
    return sum(len(line) + 1 for line in lines)


def _is_mime(headers):
    ctype = headers.get("content-type", "").lower()
    encoding = headers.get("content-transfer-encoding", "").lower()
    return (ctype.startswith(("multipart/", "text/html")) or encoding in ("base64", "quoted-printable")
            or "iso-2022-" in ctype)  # 7-bit text in a stateful charset: decoded by its parts


_ENCODED_WORDS = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=(?:[ \t]*=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)*")


def decode_words(value):
    """A header value with its RFC 2047 encoded words (``=?utf-8?q?...?=``) decoded, each run
    of adjacent ones together (a character may be split between two); one in an unknown
    charset, or damaged, is left as it is."""
    return _ENCODED_WORDS.sub(_decode_run, value) if "=?" in value else value


def _decode_run(match):
    try:
        return str(email.header.make_header(email.header.decode_header(match.group())))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return match.group()


def _mime_text(header_lines, body):
    """(the text parts' lines, characters removed) of a MIME message, by Python's email
    parser: text/plain parts, or text/html ones as text where a message has no plain part."""
    raw = "\n".join(header_lines + [""] + body)
    message = email.message_from_string(raw, policy=email.policy.compat32)
    plain, html = [], []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, errors="replace")
        except LookupError:
            text = payload.decode("utf-8", errors="replace")
        (html if part.get_content_subtype() == "html" else plain).append(text)
    texts = plain or [html_lines(h) for h in html]
    lines = "\n\n".join(texts).splitlines()
    return lines, max(_chars(body) - _chars(lines), 0)


_QUOTED_HEADER = re.compile(r"^\s*\**(from|von|de)\s*:\**\s+\S", re.IGNORECASE)
_QUOTED_HEADER_NEXT = re.compile(r"^\s*\**(sent|date|gesendet|envoyé|enviado( el)?|inviato|to)\s*:", re.IGNORECASE)


def _cut_forwarded(body, removed):
    """Without a forwarded or replied-to original: below '-----Original Message-----' and its
    kin, or an Outlook-style quoted header ('From: ...' then 'Sent: ...'), with the rule of
    underscores above it."""
    for i, line in enumerate(body):
        quoted_header = (_QUOTED_HEADER.match(line) and i + 1 < len(body)
                         and _QUOTED_HEADER_NEXT.match(body[i + 1]))
        if _ORIGINAL.match(line) or quoted_header:
            if quoted_header and i and re.fullmatch(r"\s*[_-]{10,}\s*", body[i - 1]):
                i -= 1
            removed["forwarded"] += _chars(body[i:])
            return body[:i]
    return body


def _drop_blocks(body, removed):
    """Without PGP blocks and armour, uuencoded files and base64 runs."""
    out, i = [], 0
    while i < len(body):
        line = body[i]
        if _PGP_SIGNED.match(line):
            j = i + 1
            while j < len(body) and body[j].strip():  # Hash: SHA1, then a blank line
                j += 1
            removed["pgp"] += _chars(body[i:j])
            i = j
            continue
        block = _PGP_BEGIN.match(line)
        if block:
            j = _find(body, i + 1, re.compile(rf"^-----END PGP {block.group(1)}-----"))
            removed["pgp"] += _chars(body[i:j + 1])
            i = j + 1
            continue
        if _UU_BEGIN.match(line):
            j = _find(body, i + 1, re.compile(r"^(end|====)\s*$"))
            removed["blob"] += _chars(body[i:j + 1])
            i = j + 1
            continue
        if _BASE64_LINE.match(line) or _UU_LINE.match(line):
            j = i
            while j < len(body) and (_BASE64_LINE.match(body[j]) or _UU_LINE.match(body[j])
                                     or (j > i and len(body[j].strip()) < 40 and re.fullmatch(
                                         r"[A-Za-z0-9+/=`!-_]*", body[j].strip() or "x") and body[j].strip())):
                j += 1
            if j - i >= 3:
                removed["blob"] += _chars(body[i:j])
                i = j
                continue
        out.append(line)
        i += 1
    return out


def _find(body, start, pattern):
    """Index of the first line from ``start`` matching ``pattern``, or the last line."""
    for j in range(start, len(body)):
        if pattern.match(body[j]):
            return j
    return len(body) - 1


def _each_part(body, cut, removed):
    """``cut`` applied to each message's part of ``body`` (a message, then the messages
    attached to it, between ``PART_BREAK`` lines, counted as ``mime``), joined by a blank line."""
    if PART_BREAK not in body:
        return cut(body)
    removed["mime"] += body.count(PART_BREAK) * (len(PART_BREAK) + 1)
    out, part = [], []
    for line in body + [PART_BREAK]:
        if line != PART_BREAK:
            part.append(line)
            continue
        kept = cut(part)
        while kept and not kept[-1].strip():
            kept.pop()
        out += ([""] if out and kept else []) + kept
        part = []
    return out


def _cut_signature(body, removed):
    """Without the signature after the last delimiter near the end; when what was cut is a
    mailing list's footer (Mailman's ``___`` + "... mailing list" + its address), the
    author's signature before it too."""
    last = len(body)
    while last and not body[last - 1].strip():
        last -= 1
    for i in range(last - 1, max(last - SIGNATURE_LINES, 0) - 1, -1):
        if _SIG_DELIMITER.match(body[i]):
            removed["signature"] += _chars(body[i:])
            footer = _LIST_FOOTER.search("\n".join(body[i + 1:last]))
            return _cut_signature(body[:i], removed) if footer else body[:i]
    return body


def _drop_quotes(body, removed):
    """Without quoted lines, attributions and [deleted] marks."""
    n = len(body)
    quoted = [bool(_QUOTE_ANGLE.match(line)) or bool(_SNIPPED.match(line)) for line in body]
    weak = [bool(_QUOTE_WEAK.match(line)) for line in body]
    attribution = [False] * n
    for i, line in enumerate(body):
        if attribution[i]:
            continue
        if (i + 1 < n and not line.rstrip().endswith(":") and _ATTRIBUTION_START.match(line)
                and _ATTRIBUTION_END.match(body[i + 1]) and len(line) < 160
                and _ATTRIBUTION.match(line.strip() + " " + body[i + 1].strip())):
            attribution[i] = attribution[i + 1] = True  # wrapped over two lines
        elif _ATTRIBUTION.match(line) and (_STRONG_ATTRIBUTION.match(line)
                                           or _before_quote(body, i + 1, quoted, weak)):
            attribution[i] = True
    for i in range(n):  # '|' and ':' quote in runs of two, or after an attribution
        if weak[i] and ((i + 1 < n and weak[i + 1]) or (i and (weak[i - 1] or attribution[i - 1]
                                                                or quoted[i - 1]))):
            quoted[i] = True
    out = []
    for i, line in enumerate(body):
        if attribution[i]:
            removed["attribution"] += len(line) + 1
        elif quoted[i]:
            removed["quote"] += len(line) + 1
        else:
            out.append(line)
    return out


def _before_quote(body, j, quoted, weak):
    while j < len(body) and not body[j].strip():
        j += 1
    return j < len(body) and (quoted[j] or weak[j])


def _cut_learned(body, signatures, removed):
    if not signatures:
        return body
    stripped = [line.strip() for line in body if line.strip()]
    for size in range(min(len(stripped) - 1, SIGNATURE_LINES), 0, -1):
        if tuple(stripped[-size:]) in signatures:
            kept, seen = len(body), 0
            while seen < size:
                kept -= 1
                seen += bool(body[kept].strip())
            removed["learned_signature"] += _chars(body[kept:])
            return body[:kept]
    return body
