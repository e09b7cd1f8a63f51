"""One file of a folder -> its text, by its suffix: HTML/XHTML, PDF, DOCX and EML through
their readers (a page saved under another name, found by its content, as HTML), any other
suffix as a plain text file. What cannot be read comes back as a
reason to skip the file, never as an exception and never as nothing."""

import codecs
from importlib import import_module
from pathlib import Path

from ..mail import looks_like_mail
from .eml import message_text
from .errors import DocumentSkipped, needs_extra
from .files import read_file_bytes, text_of_bytes
from .mbox import is_mail_file, is_mbox
from .markdown import markdown_text
from .webpages import is_web_page, looks_like_html, page_suffix

# suffix -> (module, function, package it needs); modules are imported on first use.
READERS = {
    ".html": ("html", "html_text", "beautifulsoup4"),
    ".htm": ("html", "html_text", "beautifulsoup4"),
    ".xhtml": ("html", "html_text", "beautifulsoup4"),
    ".pdf": ("pdf", "pdf_text", "pypdf"),
    ".docx": ("docx", "docx_text", "python-docx"),
    ".eml": ("eml", "eml_text", "beautifulsoup4"),
    ".emlx": ("eml", "emlx_text", "beautifulsoup4"),
}
DOCUMENT_SUFFIXES = tuple(READERS)
MARKDOWN_SUFFIXES = (".md", ".markdown")
_PLAIN = ("ascii", "us-ascii", "utf-8", "utf8")


def read_file(path, max_bytes):
    """(text, skip_reason, encoding) of one file: exactly one of text and skip_reason is set;
    ``encoding`` is what the text was decoded from when that is not UTF-8 (else 'utf-8').
    ``path``: a str or a Path."""
    path = Path(path)
    entry = READERS.get(page_suffix(path.name))  # ('article.php?id=1', as a crawler saved it: .php)
    data, reason = read_file_bytes(path, max_bytes)
    if reason:
        return None, reason, None
    if entry is None and looks_like_html(data):  # a page under another name (.php, .aspx, none)
        entry = READERS[".html"]
    if entry is None:
        text, reason, encoding = _text_file(data)
        if text is not None and path.suffix.lower() in MARKDOWN_SUFFIXES:  # front matter and link targets out
            text = markdown_text(text)
            return (text, reason, encoding) if text.strip() else (None, "empty", None)
        return text, reason, encoding
    if not data.strip():
        return None, "empty", None
    module, function, package = entry
    try:
        try:
            reader = getattr(import_module(f".{module}", __package__), function)
        except ImportError:
            raise needs_extra(package, "documents") from None
        text, encoding = reader(data, max_bytes)
    except DocumentSkipped as exc:
        return None, str(exc), None
    if not text.strip():
        return None, "empty", None
    return text, None, "utf-8" if (encoding or "utf-8").lower() in _PLAIN else encoding


def found_by_content(path):
    """True for a file whose name is not among the suffixes read but whose content says what
    it is: a mail or news message or an mbox without a suffix, a Maildir message, a web page
    saved under its URL's name (``article.php?id=1``)."""
    return is_mail_file(path) or is_web_page(path)


def _text_file(data):
    """(text, skip_reason, encoding) of a file read as text; one that holds a mail or news
    message (it starts with a header block) is read as the message it is, by :mod:`.eml`, as
    an .eml file would be (an mbox is left whole: the corpus splits it into its messages)."""
    text, reason, encoding = text_of_bytes(data)
    if text is None or not looks_like_mail(text) or is_mbox(text):
        return text, reason, encoding
    if encoding and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        data = text.encode("utf-8")  # (a parser of mail reads 8-bit bytes, not wide ones)
    data = data.removeprefix(codecs.BOM_UTF8).lstrip()  # the header block first, as a parser wants it
    try:
        return message_text(data), None, encoding
    except DocumentSkipped as exc:
        return None, str(exc), None
