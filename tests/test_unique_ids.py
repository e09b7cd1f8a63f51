"""Ids made unique as documents pass, by a compact table of fingerprints: the same names as a
dict of every id read, in a fraction of its memory."""

import random

from topicnmf.corpus import Document, ReadLog
from topicnmf.unique_ids import SeenIds


def _with_a_dict(ids):
    """The renaming as a dict of every id seen gives it (the previous ReadLog)."""
    seen, out = {}, []
    for doc_id in ids:
        count = seen.get(doc_id, 0)
        seen[doc_id] = count + 1
        if count:
            new_id = f"{doc_id}#{count + 1}"
            while new_id in seen:
                count += 1
                new_id = f"{doc_id}#{count + 1}"
            seen[new_id] = 1
            doc_id = new_id
        out.append(doc_id)
    return out


def test_renaming_equals_a_dict_of_every_id_across_batches():
    rng = random.Random(0)
    ids = [rng.choice(["a", "b", "a#2", "a#3", "b#2#2", "c", "é/x", "b#2"]) for _ in range(300)]
    ids += [f"doc{rng.randrange(2000)}" for _ in range(3000)]
    log = ReadLog()
    got = []
    for start in range(0, len(ids), 97):  # batches cut anywhere
        got += [d.id for d in log.add_all(Document(id=i, text="") for i in ids[start:start + 97])]
    assert got == _with_a_dict(ids)
    assert len(set(got)) == len(got) and log.n_documents == len(ids)
    assert len(log.renamed) == sum(a != b for a, b in zip(ids, got))


def test_memory_per_id_is_a_few_dozen_bytes():
    seen = SeenIds()
    n = 200_000
    list(seen.renamed([f"archive/{i:07d}.txt" for i in range(n)]))
    assert seen.n == n and not seen.repeated
    assert seen.nbytes / n < 45  # a dict of the id strings: about 110 bytes an id
    assert "archive/0000007.txt" in seen and "archive/x.txt" not in seen
