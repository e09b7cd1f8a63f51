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

import re

from ..mail import looks_like_mail
from .eml import message_text
from .errors import DocumentSkipped
from .files import read_file_bytes

MBOX_SUFFIXES = (".mbox", ".mbx")
_FROM_LINE = re.compile(r"From \S+.*\n[A-Za-z][\x21-\x39\x3b-\x7e]*:[ \t]")
# A message's start: a 'From ' line, then a header field (name, colon) on the next line.
_SEPARATOR = re.compile(rb"^From [^\r\n]*\r?\n(?=[A-Za-z][\x21-\x39\x3b-\x7e]*:)", re.MULTILINE)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)  # mboxrd: one '>' less
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
    starts = list(_SEPARATOR.finditer(data))
    bounds = [m.end() for m in starts]
    ends = [m.start() for m in starts[1:]] + [len(data)]
    return [_ESCAPED_FROM.sub(rb"\1", data[b:e]) for b, e in zip(bounds, ends)]


def mbox_documents(path, rel, max_bytes):
    """([(id, text)], [(id, reason skipped)]) of the messages of the mbox file ``path``: ids
    ``rel/1``, ``rel/2`` ..., or ``rel`` for an mbox of one message."""
    data, reason = read_file_bytes(path, max_bytes)
    if reason:
        return [], [(rel, reason)]
    messages = split_mbox(data)
    docs, skipped = [], []
    for number, message in enumerate(messages, start=1):
        name = f"{rel}/{number}" if len(messages) > 1 else rel
        try:
            docs.append((name, message_text(message)))
        except DocumentSkipped as exc:
            skipped.append((name, str(exc)))
    return docs, skipped
