"""EML (one RFC 5322 message) -> a plain-text message: its main header lines, a blank line,
then its text. The text is the text/plain parts that are not attachments; a message with
none gives its text/html part through the HTML reader. Written as a mail with headers, the
result goes through the same e-mail cleaning as any mail kept as text (topicnmf.clean),
which keeps the subject and drops the headers, quotes and signature."""

import email
import email.policy

from .decode import decode_bytes
from .errors import DocumentSkipped
from .html import html_text

# Header lines kept, in this order: enough for the e-mail cleaning to know a mail.
HEADERS = ("From", "Newsgroups", "Date", "Subject", "Message-ID")


def eml_text(data, max_bytes=None):
    """(text, None) of the message in ``data`` (bytes). ``max_bytes`` is not needed: a part
    decodes to no more than the message's own size."""
    try:
        return _message_text(email.message_from_bytes(data, policy=email.policy.default))
    except RecursionError:  # MIME parts nested thousands deep
        raise DocumentSkipped("damaged EML (MIME parts nested too deeply)") from None


def _message_text(message):
    heads = []
    for name in HEADERS:
        try:
            value = message[name]
        except (ValueError, IndexError, TypeError):  # a header too malformed to parse
            value = None
        if value is not None and str(value).strip():
            heads.append(f"{name}: {' '.join(str(value).split())}")
    plain, markup = [], []
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(_content(part))
        elif kind == "text/html":
            markup.append(html_text(_content(part))[0])
    body = "\n\n".join(t for t in (plain or markup) if t.strip())
    if not body.strip() and not heads:
        raise DocumentSkipped("not an e-mail message (no headers, no text)")
    return "\n".join(heads) + "\n\n" + body, None


def _content(part):
    """The part's text, decoded by its declared charset or, failing that, as any text file."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):  # unknown or wrong charset
        text, _ = decode_bytes(part.get_payload(decode=True) or b"")
        return text or ""
