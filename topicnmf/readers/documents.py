"""One file of a folder -> its text, by its suffix: HTML/XHTML, PDF, DOCX and EML through
their readers, any other suffix as a plain text file. What cannot be read comes back as a
reason to skip the file, never as an exception and never as nothing."""

from importlib import import_module
from pathlib import Path

from .errors import DocumentSkipped, needs_extra
from .files import read_file_bytes, read_text_file

# suffix -> (module, function, package it needs); modules are imported on first use.
READERS = {
    ".html": ("html", "html_text", "beautifulsoup4"),
    ".htm": ("html", "html_text", "beautifulsoup4"),
    ".xhtml": ("html", "html_text", "beautifulsoup4"),
    ".pdf": ("pdf", "pdf_text", "pypdf"),
    ".docx": ("docx", "docx_text", "python-docx"),
    ".eml": ("eml", "eml_text", "beautifulsoup4"),
}
DOCUMENT_SUFFIXES = tuple(READERS)
_PLAIN = ("ascii", "us-ascii", "utf-8", "utf8")


def read_file(path, max_bytes):
    """(text, skip_reason, encoding) of one file: exactly one of text and skip_reason is set;
    ``encoding`` is what the text was decoded from when that is not UTF-8 (else 'utf-8').
    ``path``: a str or a Path."""
    path = Path(path)
    entry = READERS.get(path.suffix.lower())
    if entry is None:
        return read_text_file(path, max_bytes)
    data, reason = read_file_bytes(path, max_bytes)
    if reason:
        return None, reason, None
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
