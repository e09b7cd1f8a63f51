"""Markdown files (.md, .markdown) as their words: the front matter a static-site generator
reads (a YAML block between ``---`` lines, or TOML between ``+++``, at the top: Jekyll, Hugo)
gives its title and nothing else, and links and images keep their text, not their targets
(``[full story](https://site/politics/...)`` -> ``full story``). Left as they were, every
post's ``categories:``, ``tags:`` and link paths put its category first in every topic."""

import re

_FRONT = re.compile(r"\A\ufeff?(---|\+\+\+)[ \t]*\r?\n(.*?)\r?\n(?:\1|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_KEY = re.compile(r"^[ \t]*[\w-]+[ \t]*[:=]", re.M)
_TITLE = re.compile(r"^title[ \t]*[:=][ \t]*(.*?)[ \t]*$", re.M | re.I)
# [text](target "title") and ![alt](target): the text; reference definitions "[id]: target" go
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([ \t]*<?[^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*>?(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)")
_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.M)


def markdown_text(text):
    """``text`` (a Markdown file's) without its front matter (its title kept as the first
    line) and with links and images reduced to their text."""
    front = _FRONT.match(text)
    if front and _KEY.match(front.group(2).lstrip("\r\n")):  # a block of keys, not a rule above text
        title = _TITLE.search(front.group(2))
        text = (_unquote(title.group(1)) + "\n" if title else "") + text[front.end():]
    return _DEFINITION.sub("", _LINK.sub(lambda m: m.group(1), text))


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
