"""HTML and XHTML -> the text a reader sees: the title, then the visible text, one block a
line. Scripts, styles, templates, navigation menus, hidden elements and comments are left
out; entities come out as the characters they stand for (``&nbsp;`` as a space), also when a
page escaped them twice (``&amp;nbsp;``). Parsed with BeautifulSoup (lxml when installed,
else Python's own html.parser)."""

import html
import re
import warnings

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
from bs4 import XMLParsedAsHTMLWarning
from bs4.dammit import EncodingDetector

from ..mail.markup import BLOCKS, INVISIBLE, hidden
from .decode import decode_bytes
from .errors import DocumentSkipped

try:
    import lxml  # noqa: F401

    PARSER = "lxml"
except ImportError:  # BeautifulSoup falls back on Python's parser
    PARSER = "html.parser"

_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
# An entity left in the text by a page that escaped its markup twice ("&amp;nbsp;").
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_SPACES = re.compile(r"[ \t\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")


def html_text(markup, max_bytes=None):
    """(text, encoding) of an HTML page given as bytes (in the encoding its ``<meta charset>``
    or XML declaration names, else decoded like any text file) or str (encoding None).
    ``max_bytes`` is not needed: the page's own size was checked."""
    encoding = None
    if isinstance(markup, bytes) and not EncodingDetector.find_declared_encoding(markup, is_html=True):
        markup, encoding = decode_bytes(markup)
        if markup is None:
            raise DocumentSkipped("binary")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, PARSER)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = _ENTITY.sub(lambda m: html.unescape(m.group()), "".join(_visible(soup)))
    lines = (_SPACES.sub(" ", line).strip() for line in body.splitlines())
    text = "\n".join(line for line in (title, *lines) if line)
    return text, encoding or getattr(soup, "original_encoding", None)


def _visible(soup):
    """The strings a reader sees, a newline around each block element: one walk down the
    tree with an explicit stack (a page nested 100,000 deep reads in linear time and never
    reaches Python's recursion limit), skipping invisible elements with their content."""
    stack, blocks = [iter(soup.contents)], [False]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            if blocks.pop():
                yield "\n"
        elif isinstance(node, Tag):
            if node.name in INVISIBLE or hidden(node.attrs):
                continue
            block = node.name in BLOCKS
            if block:
                yield "\n"
            stack.append(iter(node.contents))
            blocks.append(block)
        elif isinstance(node, NavigableString) and not isinstance(node, _NOT_TEXT):
            yield str(node)
