"""One RFC 5322 message (bytes) -> a plain-text message: its header lines, a blank line, then
its text. Every way a mail reaches topicnmf goes through here, so that each is read alike: an
.eml file, an Apple Mail .emlx file, one message of an mbox, a mail file without a suffix (a
news spool's post, a Maildir's message) and a text file that holds a mail.

The headers are decoded (RFC 2047 words such as ``=?utf-8?b?...?=``, raw 8-bit values) and each
unfolded onto one line; the MIME fields that described the body's encoding are left out, since
the body is decoded. The text is the text/plain parts that are not attachments, each decoded
by its declared charset (ISO-2022-JP too) or, without one, as any text file; a message with
none gives its text/html parts as text, one line per block element, a quoted message's
lines quoted with ``> `` (:func:`~topicnmf.mail.markup.html_lines`, Python's own parser). A message attached to
it (a forward as a message/rfc822 part) follows, after a ``PART_BREAK`` line,
so that the cleaning finds the signature and list footer of each. Written as a mail with
headers, the result goes through the e-mail cleaning (topicnmf.clean), which keeps the subject
and drops the headers, quotes and signature."""

import email
import email.policy
import re

from ..mail import PART_BREAK, decode_words
from ..mail.markup import html_lines
from .decode import decode_bytes
from .errors import DocumentSkipped

# Header fields that describe the raw body's encoding: wrong once the body is decoded.
MIME_FIELDS = ("content-", "mime-version")
_EMLX_COUNT = re.compile(rb"\s*(\d+)[ \t]*\r?\n")


def eml_text(data, max_bytes=None):
    """(text, None) of the message in ``data`` (bytes). ``max_bytes`` is not needed: a part
    decodes to no more than the message's own size."""
    return message_text(data), None


def emlx_text(data, max_bytes=None):
    """(text, None) of an Apple Mail ``.emlx`` file: a line with the message's size in bytes,
    the RFC 822 message, then an XML property list (flags, dates) that is not text."""
    count = _EMLX_COUNT.match(data)
    if count is None:
        raise DocumentSkipped("not an Apple Mail .emlx file (no byte count on its first line)")
    return message_text(data[count.end():count.end() + int(count.group(1))]), None


def message_text(data):
    """The plain-text message of the RFC 5322 message ``data`` (bytes; an mbox ``From `` line
    first is allowed); raises DocumentSkipped when there is nothing to read."""
    try:
        return _message_text(email.message_from_bytes(data, policy=email.policy.default))
    except RecursionError:  # MIME parts nested thousands deep
        raise DocumentSkipped("damaged EML (MIME parts nested too deeply)") from None


def _message_text(message):
    heads = []
    for name, raw in message.raw_items():
        if name.lower().startswith(MIME_FIELDS):
            continue
        value = header_value(raw)
        if value:
            heads.append(f"{name}: {value}")
    body = f"\n{PART_BREAK}\n".join(t for t in _texts(message) if t.strip())
    if not body.strip() and not heads:
        raise DocumentSkipped("not an e-mail message (no headers, no text)")
    return "\n".join(heads) + "\n\n" + body + "\n"


def _texts(message):
    """The text of ``message``, then that of each message attached to it (a forward sent as a
    message/rfc822 part), each its own: the cleaning finds each one's signature."""
    texts, messages = [], [message]
    while messages:
        plain, markup, stack = [], [], [messages.pop(0)]
        while stack:
            part = stack.pop()
            if part.get_content_type() == "message/rfc822" and part.is_multipart():
                messages += part.get_payload()  # an attached message: read after this one
            elif part.is_multipart():
                stack += reversed(part.get_payload())
            elif part.get_content_disposition() == "attachment":
                continue
            elif part.get_content_type() == "text/plain":
                plain.append(_content(part))
            elif part.get_content_type() == "text/html":
                markup.append(html_lines(_content(part)))
        texts.append("\n\n".join(t.strip("\n") for t in (plain or markup) if t.strip()))
    return texts


def header_value(raw):
    """A header's value as text on one line: raw 8-bit bytes decoded as any text (UTF-8
    first), RFC 2047 encoded words decoded by their charsets (left as they are when unknown)."""
    if any("\udc80" <= c <= "\udcff" for c in raw):  # 8-bit bytes, kept by the parser as surrogates
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"))[0] or ""
    return " ".join(decode_words(" ".join(raw.split())).split())


def _content(part):
    """The part's text: decoded by its declared charset, or as any text file when it declares
    none (8-bit mail sent without one), names an unknown one or does not match its bytes."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset()
    if charset:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeError):
            pass
    text, _ = decode_bytes(payload)
    return text or ""
