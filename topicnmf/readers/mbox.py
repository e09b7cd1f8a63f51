"""An mbox file -> its messages, one document each; mail files that have no text suffix.

An mbox holds messages one after another, each starting with a ``From `` line (the envelope
sender and date). A writer escapes a body line that starts with ``From `` as ``>From ``
(mboxrd: one ``>`` more for each level), but hand-joined archives and some exporters do not;
so, as mutt and formail do, a ``From `` line separates messages only when a header block
follows it (its next line is a header field), and a body line such as "From the harbour
office we heard that" stays in its message. Each message is then read as an .eml file is
(:func:`~topicnmf.readers.eml.message_text`: headers decoded, MIME parts, charsets and HTML
as text); one that cannot be read is a reason to skip it, never a silent loss.

:func:`is_mbox` tells an mbox by its first line and the header field after it, whatever the
file is called; :func:`is_mail_file` finds messages and mboxes among files without a text
suffix: a news spool's ``sci.space/61234``, a Maildir's ``1104537600.M0P1.host:2,S`` (in its
``cur/`` or ``new/`` folder).
"""

import io
import re

from ..mail import looks_like_mail
from .eml import message_text
from .errors import DocumentSkipped

MBOX_SUFFIXES = (".mbox", ".mbx")
_FROM_LINE = re.compile(r"From \S+.*\n[A-Za-z][\x21-\x39\x3b-\x7e]*:[ \t]")
# A message's start: a 'From ' line, then a header field (name, colon) on the next line.
_HEADER = re.compile(rb"[A-Za-z][\x21-\x39\x3b-\x7e]*:")  # a header field's name and colon
_ESCAPED_LINE = re.compile(rb">+From ")  # mboxrd: one '>' less
LINE_BYTES = 2**20  # lines read in pieces of at most this (a message may hold no newline at all)
_MAILDIR_NAME = re.compile(r"^\d+\.[^/]+(:2,[A-Za-z]*)?$")  # time.unique.host[:2,flags]
MAILDIR_FOLDERS = ("cur", "new")


def is_mail_file(path, sniff=4096):
    """True for a file without a suffix (a news spool's ``sci.space/61234``) or named as a
    Maildir names its messages, whose text starts with a mail or news header block, or like
    an mbox."""
    name = path.name
    maildir = _MAILDIR_NAME.match(name) and (":2," in name or path.parent.name in MAILDIR_FOLDERS)
    if ("." in name.lstrip(".") and not maildir) or path.is_symlink() or not path.is_file():  # never a FIFO
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(sniff).decode("utf-8", errors="replace")
    except OSError:
        return True  # read_text_file reports why it cannot be read
    return looks_like_mail(head) or is_mbox(head)


def is_mbox_file(path, sniff=4096):
    """True when the file at ``path`` starts like an mbox (see :func:`is_mbox`)."""
    try:
        if not path.is_file():  # never open a FIFO: it would wait for a writer
            return False
        with open(path, "rb") as f:
            return is_mbox(f.read(sniff).decode("utf-8", errors="replace"))
    except OSError:
        return False  # read_file reports why it cannot be read


def is_mbox(text):
    """True when ``text`` starts like an mbox: a ``From `` line, then a header field."""
    return _FROM_LINE.match(text.lstrip("\r\n").replace("\r\n", "\n")[:2000]) is not None


def split_mbox(data):
    """The messages (bytes, ``From `` line left out, ``>From `` unescaped) of an mbox's bytes."""
    return list(_split(io.BytesIO(data), None))


def mbox_documents(path, rel, max_bytes, on_skip):
    """(id, text) of each message of the mbox file ``path``: ids ``rel/1``, ``rel/2`` ..., or
    ``rel`` for an mbox of one message; ``on_skip(id, reason)`` is told of each message (or
    the file) that cannot be read.

    The file is streamed, a message at a time, as a table is: its size is not limited (a mail
    export is hundreds of MB to GBs), ``max_bytes`` limits each message, and a message past it
    is skipped (its bytes are not kept while it is passed over)."""
    too_big = f"larger than max_file_mb ({max_bytes / 2**20:.3g} MB)"
    try:
        if path.is_symlink() and not path.exists():
            on_skip(rel, "broken or looping link")
            return
        f = open(path, "rb")
    except OSError as exc:
        on_skip(rel, f"unreadable ({exc.strerror or type(exc).__name__})")
        return
    held, number = None, 0  # the first message waits: its id is rel alone if it is the only one
    with f:
        try:
            for number, message in enumerate(_split(f, max_bytes), start=1):
                if number == 1:
                    held = message
                    continue
                if number == 2:
                    yield from _read(f"{rel}/1", held, too_big, on_skip)
                yield from _read(f"{rel}/{number}", message, too_big, on_skip)
        except OSError as exc:
            on_skip(f"{rel}/{number + 1}", f"unreadable ({exc.strerror or type(exc).__name__})")
    if number == 1:
        yield from _read(rel, held, too_big, on_skip)


def _read(name, message, too_big, on_skip):
    """[(name, text)] of one message, or [] when it is skipped (``on_skip`` told why)."""
    if message is None:
        on_skip(name, too_big)
        return []
    try:
        return [(name, message_text(message))]
    except DocumentSkipped as exc:
        on_skip(name, str(exc))
        return []


def _split(f, max_bytes):
    """The messages of the mbox stream ``f`` (bytes, ``From `` line left out, ``>From ``
    unescaped), None for one larger than ``max_bytes`` (None: no limit). Read in lines of at
    most LINE_BYTES (a line is a separator only when it starts one of them); a ``From `` line
    separates only when a header field follows it (see the module)."""
    lines, size, started, at_start = [], 0, False, True
    pending = None  # a 'From ' line waiting for its next line
    while True:
        line = f.readline(LINE_BYTES)
        if pending is not None:
            if line and _HEADER.match(line):  # a separator: the message before it ends
                if started:
                    yield None if size < 0 else b"".join(lines)
                lines, size, started = [], 0, True
            elif started:
                lines, size = _add(lines, size, pending, max_bytes)
            pending = None
        if not line:
            break
        if at_start and line.startswith(b"From "):
            pending = line
        elif started:
            if at_start and _ESCAPED_LINE.match(line):
                line = line[1:]
            lines, size = _add(lines, size, line, max_bytes)
        at_start = line.endswith(b"\n")
    if started:
        yield None if size < 0 else b"".join(lines)


def _add(lines, size, line, max_bytes):
    """The message's lines and size with ``line`` added; size -1 (no lines kept) past the limit."""
    if size < 0:
        return lines, size
    size += len(line)
    if max_bytes is not None and size > max_bytes:
        return [], -1
    lines.append(line)
    return lines, size
