"""Each batched path of reading and preprocessing against the per-document computation it
replaced (kept here as the reference): the same values, in the same order."""

import numpy as np
from hypothesis import given, settings, strategies as st

from topicnmf import sources as sources_module
from topicnmf.clean import email_parts, email_parts_of
from topicnmf.mail import Tally
from topicnmf.sources import _URL_ID, sources

IDS = ["a.txt", "x/y.txt", "x/z/w.txt", "http://Host.com/p", "https://h2.org", "box.mbox/3", "q/r", "p1", "top",
       "mailto:x", "file:///etc/p"]
TEXTS = ["plain text", "From: a@example.org\nSubject: hi\n\nbody\n-- \nsig", "Note: not mail", "",
         "Subject: x\nFrom: b@example.org\n\nthe body\n> quoted", "  From someone", "From x@y Tue Jan 1\nbody"]


def _reference_sources(ids):
    names = ({}, {})
    codes = (np.empty(len(ids), dtype=np.int32), np.empty(len(ids), dtype=np.int32))
    for i, doc_id in enumerate(map(str, ids)):
        if "/" not in doc_id:
            codes[0][i] = names[0].setdefault(".", len(names[0]))
            codes[1][i] = names[1].setdefault(".", len(names[1]))
            continue
        url = _URL_ID.match(doc_id)
        parts = [url.group(1).lower()] if url else doc_id.split("/")[:-1]
        for level, name in enumerate((parts[0], "/".join(parts))):
            codes[level][i] = names[level].setdefault(name, len(names[level]))
    return [(tuple(n), c) for n, c in zip(names, codes)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(IDS), max_size=30), st.sampled_from([1, 2, 5, 1 << 16]))
def test_sources_are_numbered_as_one_id_at_a_time(ids, batch):
    sources_module.BATCH, kept = batch, sources_module.BATCH
    try:
        got = [(g.names, g.codes) for g in sources(ids)]
    finally:
        sources_module.BATCH = kept
    for (names, codes), (want_names, want_codes) in zip(got, _reference_sources(ids)):
        assert names == want_names and codes.tolist() == want_codes.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(TEXTS), max_size=12), st.sampled_from(["auto", "always", "never"]))
def test_mail_parts_and_the_tally_of_a_batch_are_those_of_each_text(texts, mode):
    parts = email_parts_of(texts, mode)
    assert parts == [email_parts(t, mode) for t in texts]
    one, batch = Tally(mode), Tally(mode)
    expected = [one.text_of(t, m, p) for t, (m, p) in zip(texts, parts)]
    assert batch.texts_of(texts, parts) == expected
    assert batch.summary() == one.summary()
