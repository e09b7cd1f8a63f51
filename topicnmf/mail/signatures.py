"""Signatures without a delimiter, learned from a corpus: a trailing block of lines that
one author (the From: address) ends most of their posts with."""

from array import array
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


class StreamedSignatures:
    """:func:`signatures_of` over messages met one at a time, in memory that grows with the
    authors, not with their messages (a corpus read in chunks: out of core).

    A signature is a block that at least half of an author's posts end with, so for each
    block size it is among the two candidates a Misra-Gries summary keeps of the author's
    endings (any block in more than a third of them stays; Misra & Gries 1982). The
    candidates, as hashes, are all that is kept per author; :meth:`signatures` counts them
    exactly in one more pass over the messages, and chooses as :func:`signatures_of` does."""

    def __init__(self):
        self.posts = {}  # author -> posts
        self.summaries = {}  # author -> per block size, [hash, count, hash, count]

    def add(self, who, body):
        """One post of ``who`` (an address) with these body lines."""
        ending = [line.strip() for line in body if line.strip()][-(SIGNATURE_LINES + 1):]
        self.posts[who] = self.posts.get(who, 0) + 1
        summary = self.summaries.get(who)
        if summary is None:
            summary = self.summaries[who] = array("i", bytes(4 * 4 * SIGNATURE_LINES))
        for size in range(1, min(len(ending) - 1, SIGNATURE_LINES) + 1):  # never a whole post
            _count(summary, 4 * (size - 1), _key(tuple(ending[-size:])))

    def signatures(self, messages):
        """The signatures, from the candidates counted exactly over ``messages`` (an iterable
        of (author, body lines): the same messages again)."""
        wanted = {who for who, n in self.posts.items() if n >= MIN_POSTS}
        if not wanted:
            return frozenset()
        counts = {}  # (author, size) -> {block: posts}, blocks in the order first met
        for who, body in messages:
            if who not in wanted:
                continue
            ending = [line.strip() for line in body if line.strip()][-(SIGNATURE_LINES + 1):]
            summary = self.summaries[who]
            for size in range(1, min(len(ending) - 1, SIGNATURE_LINES) + 1):
                block, at = tuple(ending[-size:]), 4 * (size - 1)
                key = _key(block)
                if (summary[at + 1] and summary[at] == key) or (summary[at + 3] and summary[at + 2] == key):
                    blocks = counts.setdefault((who, size), {})
                    blocks[block] = blocks.get(block, 0) + 1
        learned = set()
        for who in wanted:
            needed = max(MIN_POSTS, SIGNATURE_SHARE * self.posts[who])
            for size in range(SIGNATURE_LINES, 0, -1):
                block = Counter(counts.get((who, size), {})).most_common(1)
                if block and block[0][1] >= needed:
                    learned.add(block[0][0])
                    break
        return frozenset(learned)


def _key(block):
    """A block's hash in 31 bits: two blocks that share one are both counted exactly later."""
    return hash(block) & 0x7FFFFFFF


def _count(summary, at, key):
    """The Misra-Gries summary with two counters at ``summary[at:at + 4]`` (key, count, key,
    count) after ``key``."""
    if summary[at + 1] and summary[at] == key:
        summary[at + 1] += 1
    elif summary[at + 3] and summary[at + 2] == key:
        summary[at + 3] += 1
    elif not summary[at + 1]:
        summary[at], summary[at + 1] = key, 1
    elif not summary[at + 3]:
        summary[at + 2], summary[at + 3] = key, 1
    else:
        summary[at + 1] -= 1
        summary[at + 3] -= 1
