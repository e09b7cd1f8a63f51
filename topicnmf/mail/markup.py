"""HTML -> the text a reader sees, one block a line, with Python's own parser: how a mail's
HTML part is read (readers/eml.py) and how the cleaning reads a MIME message held as text, so
that a signature's ``--``, an ``-----Original Message-----`` line or a list footer stays a
line of its own for the rules that find them, and a quoted message (``<blockquote
type="cite">`` of Apple Mail and Thunderbird, Gmail's ``gmail_quote``) comes out as quoted
lines (``> ``), as a plain-text reply quotes it."""

import re
from html.parser import HTMLParser

# Elements whose content is never shown as text on the page.
INVISIBLE = frozenset(("script", "style", "noscript", "template", "svg", "math", "canvas", "iframe",
                       "object", "embed", "head", "nav", "select", "button"))
# Elements that start a new line when shown.
BLOCKS = frozenset(("address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
                    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
                    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul"))
# an inline style that hides the element: display:none or visibility:hidden (any spacing/case)
HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)",
                          re.IGNORECASE)
_SPACES = re.compile(r"[ \t\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")
_VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"))


def hidden(attrs):
    """Whether an element's attributes (a dict) hide it from a reader: ``hidden``,
    ``aria-hidden="true"``, or an inline style of ``display: none`` / ``visibility: hidden``."""
    style = attrs.get("style")
    return ("hidden" in attrs or attrs.get("aria-hidden") == "true"
            or (isinstance(style, str) and HIDING_STYLE.search(style) is not None))


def _quotes(tag, attrs):
    """A mail client's quoted message: ``<blockquote type="cite">``, a ``*quote*`` class."""
    return tag == "blockquote" and (attrs.get("type") == "cite" or "quote" in (attrs.get("class") or ""))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []  # (text, quote depth)
        self.open = []  # (tag, hides, quotes) of the elements open
        self.hiding = self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "body":  # a <head> left open ends here
            while self.open:
                self._pop()
        if tag not in _VOID:
            attrs = dict(attrs)
            entry = (tag, tag in INVISIBLE or hidden(attrs), _quotes(tag, attrs))
            self.open.append(entry)
            self.hiding += entry[1]
            self.depth += entry[2]
        self._block(tag)

    def handle_startendtag(self, tag, attrs):
        self._block(tag)

    def handle_endtag(self, tag):
        if any(t == tag for t, _, _ in self.open):
            while self._pop() != tag:
                pass
        self._block(tag)

    def _pop(self):
        tag, hides, quotes = self.open.pop()
        self.hiding -= hides
        self.depth -= quotes
        return tag

    def _block(self, tag):
        if tag in BLOCKS and not self.hiding:
            self.parts.append(("\n", self.depth))

    def handle_data(self, data):
        if not self.hiding:
            self.parts.append((data, self.depth))


def html_lines(markup):
    """The visible text of ``markup`` (str), a line per block element (``<p>``, ``<div>``,
    ``<br>``, ``<td>`` ...), spaces collapsed, blank lines dropped; no scripts, styles or
    hidden elements; the lines of a quoted message (see the module) start with ``> ``."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines, line, depth = [], [], 0
    for text, level in parser.parts + [("\n", 0)]:
        pieces = text.split("\n")
        for k, piece in enumerate(pieces):
            if k:  # a line ends
                kept = _SPACES.sub(" ", "".join(line)).strip()
                if kept:
                    lines.append("> " * depth + kept)
                line, depth = [], 0
            line.append(piece)
            if piece.strip():
                depth = max(depth, level)
    return "\n".join(lines)
