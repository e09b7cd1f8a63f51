"""HTML and XHTML -> the text a reader sees: the title, then the visible text, one block a
line. Scripts, styles, templates, navigation menus, hidden elements and comments are left
out; entities come out as the characters they stand for (``&nbsp;`` as a space), also when a
page escaped them twice (``&amp;nbsp;``). Parsed by lxml, the text kept as the parser goes
(:class:`_Visible`: no tree is built, so a page takes a few times its size to read, not some
15 times its size as BeautifulSoup's tree did); without lxml, through BeautifulSoup's tree
with Python's own html.parser."""

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
    from lxml import etree

    PARSER = "lxml"
except ImportError:  # BeautifulSoup falls back on Python's parser
    PARSER = "html.parser"
FEED_CHARS = 2**20  # the page is handed to the parser a piece at a time

_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
# An entity left in the text by a page that escaped its markup twice ("&amp;nbsp;").
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_SPACES = re.compile(r"[ \t\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")


def html_text(markup, max_bytes=None):
    """(text, encoding) of an HTML page given as bytes (in the encoding its ``<meta charset>``
    or XML declaration names, else decoded like any text file) or str (encoding None).
    ``max_bytes`` is not needed: the page's own size was checked."""
    encoding = None
    if isinstance(markup, bytes):
        declared = EncodingDetector.find_declared_encoding(markup, is_html=True)
        text, encoding = _declared(markup, declared) if declared else (None, None)
        if text is None:
            text, encoding = decode_bytes(markup)
            if text is None:
                raise DocumentSkipped("binary")
        markup = text
    if PARSER != "lxml":  # Python's parser through BeautifulSoup: the page's tree is built
        return _tree_text(markup), encoding
    visible = _Visible()
    parser = etree.HTMLParser(target=visible, recover=True)  # (as BeautifulSoup's lxml builder parses)
    for start in range(0, len(markup), FEED_CHARS):
        parser.feed(markup[start:start + FEED_CHARS])
    parser.close()
    return "\n".join(line for line in (visible.title(), *visible.lines) if line), encoding


def _declared(data, name):
    """(text, encoding) of ``data`` in the encoding its markup declares, or (None, None) when
    Python has no such codec."""
    try:
        return data.decode(name, errors="replace"), name.lower()
    except LookupError:
        return None, None


class _Visible:
    """An lxml parser target that keeps the text a reader sees as the page is parsed, a line
    per block, without building the page's tree (a 39 MB page held some 15 bytes of tree a byte
    of HTML): the events BeautifulSoup's lxml builder would have made a tree of, walked as
    :func:`_visible` walks it. Invisible elements (and hidden ones) are left out with their
    content; the first ``<title>`` is the title."""

    def __init__(self):
        self.lines, self._line, self._open = [], [], []  # open: (tag, hides, block)
        self._hiding = 0
        self._title, self._in_title, self._titled = [], 0, False

    def start(self, tag, attrib):
        tag = tag if isinstance(tag, str) else ""
        if tag == "title" and not self._titled:
            self._in_title, self._titled = len(self._open) + 1, True
        hides = tag in INVISIBLE or hidden(dict(attrib))
        block = tag in BLOCKS and not hides and not self._hiding
        if block:
            self._end_line()
        self._open.append((tag, hides, block))
        self._hiding += hides

    def end(self, tag):
        if not self._open:
            return
        if self._in_title == len(self._open):
            self._in_title = 0
        _, hides, block = self._open.pop()
        self._hiding -= hides
        if block:
            self._end_line()

    def data(self, text):
        if self._in_title:
            self._title.append(text)
        if not self._hiding:
            self._line.append(text)

    def close(self):
        self._end_line()

    def title(self):
        return "".join(self._title).strip()  # (one string, as BeautifulSoup joins a title's pieces)

    def _end_line(self):
        if self._line:
            body = _ENTITY.sub(lambda m: html.unescape(m.group()), "".join(self._line))
            self._line = []
            self.lines.extend(kept for line in body.splitlines() if (kept := _SPACES.sub(" ", line).strip()))


def _tree_text(markup):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, PARSER)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = _ENTITY.sub(lambda m: html.unescape(m.group()), "".join(_visible(soup)))
    lines = (_SPACES.sub(" ", line).strip() for line in body.splitlines())
    return "\n".join(line for line in (title, *lines) if line)


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
