"""PDF -> the text of its text layer, page after page, through pypdf (the ``documents``
extra). A PDF locked with a password, one without a text layer (scanned pages) and a damaged
one are reasons to skip it, raised as :class:`DocumentSkipped`."""

import io
import logging
import re

from .errors import DocumentSkipped, needs_extra

# A word broken over two lines by a hyphen ("informa-\ntion"), joined again.
_HYPHENATED = re.compile(r"(\w)-\n(\w)")


def pdf_text(data, max_bytes=None):
    """(text, None) of the PDF in ``data`` (bytes). ``max_bytes`` is not needed: pypdf caps
    what one compressed stream may expand to."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import FileNotDecryptedError, PdfReadError
    except ImportError:
        raise needs_extra("pypdf", "documents") from None
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # pypdf logs every tolerated flaw of a file as a warning
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # many PDFs are locked with no password
            raise DocumentSkipped("encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError:
        raise DocumentSkipped("encrypted PDF (needs a password)") from None
    except DocumentSkipped:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, NotImplementedError, OSError):
        raise DocumentSkipped("damaged PDF") from None
    finally:
        quiet.setLevel(level)
    text = _HYPHENATED.sub(r"\1\2", "\n".join(pages))
    if not text.strip():
        raise DocumentSkipped("PDF without a text layer (scanned? run OCR on it first)")
    return text, None
