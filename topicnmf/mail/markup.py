"""HTML -> the text a reader sees, one block a line, with Python's own parser: what a mail's
HTML part gives the cleaning when BeautifulSoup is not installed (and a MIME message held as
text gives, whatever is installed), so that a signature's ``--``, an ``-----Original
Message-----`` line or a list footer stays a line of its own for the rules that find them."""

import re
from html.parser import HTMLParser

# Elements whose content is never shown as text on the page.
INVISIBLE = frozenset(("script", "style", "noscript", "template", "svg", "math", "canvas", "iframe",
                       "object", "embed", "head", "nav", "select", "button"))
# Elements that start a new line when shown.
BLOCKS = frozenset(("address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
                    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
                    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul"))
_SPACES = re.compile(r"[ \t\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")
_VOID = frozenset(("br", "hr", "img", "meta", "link", "input", "wbr"))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE and tag not in _VOID:
            self._skip += 1
        elif tag in BLOCKS and not self._skip:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCKS and not self._skip:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self._skip:
            self._skip -= 1
        elif tag in BLOCKS and not self._skip:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_lines(markup):
    """The visible text of ``markup`` (str), a line per block element (``<p>``, ``<div>``,
    ``<br>``, ``<td>`` ...), spaces collapsed, blank lines dropped; no scripts or styles."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
