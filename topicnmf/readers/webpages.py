"""Web pages as crawlers save them: named after their URL, told by their content.

wget, HTTrack and browsers' "save all" keep a dynamic page's URL as its file name:
``article.php?id=1``, ``index.html?page=2`` (wget ``--restrict-file-names=windows`` writes
``article.php@id=1``), ``story.aspx``, ``page.shtml``, or a name without a suffix
(``news/index``). Such a name's suffix is the URL path's, before its query string
(:func:`page_suffix`), and a file whose text starts as an HTML document does
(:func:`looks_like_html`: a doctype, ``<html>`` or ``<head>``, after an XML declaration or
comments) is an HTML page whatever it is called: read as one, never as plain text with its
markup and scripts.
"""

import codecs
import re
from pathlib import PurePath

from .decode import decode_bytes

SNIFF_BYTES = 2048
# Suffixes of pages a web server makes (and of saved static pages): with the HTML suffixes,
# the names a crawler gives pages.
SERVER_PAGES = (".php", ".php3", ".php4", ".php5", ".phtml", ".asp", ".aspx", ".jsp", ".jspx", ".do",
                ".action", ".cfm", ".cgi", ".pl", ".shtml", ".shtm", ".stm", ".html", ".htm", ".xhtml")
# A query string in a saved name: '?' (or wget's '@' for Windows) before key=value.
_QUERY = re.compile(r"[?@][^/]*=.*$|\?.*$")
_HTML_START = re.compile(
    r"\A(?:\ufeff)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)[\s>/]",
    re.IGNORECASE | re.DOTALL)


def page_suffix(name):
    """The lower-cased suffix of a file name, that of its URL path when the name carries a
    query string ('article.php?id=1' -> '.php', 'index.html?page=2' -> '.html')."""
    return PurePath(_QUERY.sub("", name) or name).suffix.lower()


def looks_like_html(data):
    """Whether ``data`` (a file's first bytes, or its text) starts as an HTML document."""
    if isinstance(data, bytes):  # (the start is ASCII in any encoding but UTF-16/32's)
        head = data[:SNIFF_BYTES].removeprefix(codecs.BOM_UTF8)
        wide = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:8]
        data = (decode_bytes(head)[0] or "") if wide else head.decode("latin-1")
    return _HTML_START.match(data[:SNIFF_BYTES]) is not None


def is_web_page(path):
    """True for a file named as a crawler names a page (a server page's suffix, a query
    string, or no suffix) whose content starts as an HTML document."""
    name = path.name
    saved = page_suffix(name) in SERVER_PAGES or _QUERY.search(name) or "." not in name.lstrip(".")
    if not saved or path.is_symlink() or not path.is_file():  # never a FIFO
        return False
    try:
        with open(path, "rb") as f:
            return looks_like_html(f.read(SNIFF_BYTES))
    except OSError:
        return False
