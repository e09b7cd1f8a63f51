"""A table's text column holding HTML (a CMS or scraper export: ``<h1>``, ``<p class=...>``,
``&quot;``, ``&nbsp;``): detected from its first cells and read as .html files are, so markup
and entity names (``quot``, ``nbsp``, ``amp``) do not become terms."""

import logging
import re
from itertools import chain

from .html import html_text

SAMPLE_CELLS = 50  # the first non-empty text cells looked at
MARKUP_SHARE = 0.5  # the share of them with markup that makes the column HTML
# An HTML element's tag (not any "<...>": "a < b > c" or "<joe@example.org>" is text), or an entity.
_MARKUP = re.compile(
    r"</?(?:a|abbr|article|aside|b|blockquote|body|br|caption|code|dd|div|dl|dt|em|figcaption|figure|footer|"
    r"h[1-6]|head|header|hr|html|i|img|li|main|nav|ol|p|pre|q|s|section|small|span|strong|sub|sup|table|"
    r"tbody|td|th|thead|title|tr|u|ul)(?:\s[^<>]*)?/?>"
    r"|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});", re.IGNORECASE)
MODES = ("auto", "html", "none")

log = logging.getLogger(__name__)
_said = set()  # (table, column) already reported: a corpus read in passes is read again


def with_visible_text(records, options, source):
    """``records`` ((row label, record or None), as ``table_records`` gives them) with each
    text read as HTML when ``options.text_markup`` is 'html', or 'auto' and at least
    ``MARKUP_SHARE`` of the first ``SAMPLE_CELLS`` texts hold markup; a text that holds no
    visible text then becomes None (an empty cell)."""
    if options.text_markup == "none":
        return records
    records = iter(records)
    head = []
    for pair in records:
        head.append(pair)
        if sum(record is not None for _, record in head) >= SAMPLE_CELLS:
            break
    texts = [record["text"] for _, record in head if record is not None]
    marked = sum(bool(_MARKUP.search(text)) for text in texts)
    if options.text_markup == "auto" and not (texts and marked >= MARKUP_SHARE * len(texts)):
        return chain(head, records)
    if (key := (str(source), options.text_column)) not in _said:
        _said.add(key)
        log.info("%s: the %r column holds HTML (%d of its first %d texts have tags or entities): its visible "
                 "text is read, as for .html files (text_markup 'none' keeps it as it is)",
                 source, options.text_column, marked, len(texts))
    return (_visible(label, record) for label, record in chain(head, records))


def _visible(label, record):
    if record is None:
        return label, None
    text, _ = html_text(record["text"])
    return label, (record | {"text": text} if text.strip() else None)

