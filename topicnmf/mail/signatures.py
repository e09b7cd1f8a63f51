"""Signatures without a delimiter, learned from a corpus: a trailing block of lines that
one author (the From: address) ends most of their posts with."""

from collections import Counter, defaultdict

from .message import SIGNATURE_LINES, author, message_parts

MIN_POSTS = 2  # an author's posts needed to learn their signature
SIGNATURE_SHARE = 0.5  # of those posts ending with the same block


def learn_signatures(texts):
    """:func:`signatures_of` the messages among ``texts``."""
    return signatures_of((who, message_parts(text)) for text in texts if (who := author(text)) is not None)


def signatures_of(messages):
    """Trailing blocks (tuples of stripped lines, 1 to SIGNATURE_LINES long) that one author
    (the From: address) ends at least half of their posts with, in two posts or more, after
    the delimited signatures, quotes and headers are gone: a signature without a delimiter.
    The longest such block per author is kept (with each shorter one it contains)."""
    endings = defaultdict(list)
    for who, parts in messages:  # (author, Parts) pairs
        endings[who].append([line.strip() for line in parts.body if line.strip()])
    learned = set()
    for posts in endings.values():
        if len(posts) < MIN_POSTS:
            continue
        needed = max(MIN_POSTS, SIGNATURE_SHARE * len(posts))
        for size in range(SIGNATURE_LINES, 0, -1):
            counts = Counter(tuple(p[-size:]) for p in posts if len(p) > size)  # never a whole post
            block = next((b for b, c in counts.most_common(1) if c >= needed), None)
            if block:
                learned.add(block)
                break
    return frozenset(learned)
