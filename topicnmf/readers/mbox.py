"""An mbox file -> its messages' texts, one document each (Python's :mod:`mailbox`).

An mbox holds messages one after another, each starting with a ``From `` line (the
envelope sender and date) at the start of a line; a ``From `` inside a message is escaped as
``>From ``. :func:`is_mbox` tells such a file by its first line and the header field after
it, whatever the file is called (:func:`is_mail_file` finds messages and mboxes among files
without a suffix, as news spools and maildirs store them); :func:`mbox_messages` reads the messages with the standard
library's parser and decodes each one's bytes as any text file's (:func:`decode_bytes`).
"""

import mailbox
import re

from ..mail import looks_like_mail
from .decode import decode_bytes

MBOX_SUFFIXES = (".mbox", ".mbx")
_ESCAPED_FROM = re.compile(r"^>(>*From )", re.MULTILINE)  # mboxrd: one '>' less
_FROM_LINE = re.compile(r"From \S+.*\n[A-Za-z][\x21-\x39\x3b-\x7e]*:[ \t]")


def is_mail_file(path, sniff=4096):
    """True for a file without a suffix (a news spool's ``sci.space/61234``, a maildir's
    message) whose text starts with a mail or news header block, or like an mbox."""
    if "." in path.name.lstrip(".") or path.is_symlink() or not path.is_file():  # never open a FIFO
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(sniff).decode("utf-8", errors="replace")
    except OSError:
        return True  # read_text_file reports why it cannot be read
    return looks_like_mail(head) or is_mbox(head)


def is_mbox(text):
    """True when ``text`` starts like an mbox: a ``From `` line, then a header field."""
    return _FROM_LINE.match(text.lstrip("\r\n").replace("\r\n", "\n")[:2000]) is not None


def mbox_messages(path):
    """(number from 1, text) of each message of the mbox file ``path`` that decodes as text
    (the ``From `` line left out, ``>From `` unescaped, headers and body kept for the cleaning)."""
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            text, _ = decode_bytes(box.get_bytes(key))
            if text is not None and text.strip():
                yield number, _ESCAPED_FROM.sub(r"\1", text)
    finally:
        box.close()
