"""Property-based tests: the reader and the tokenizer never crash on arbitrary input, except
with the documented CorpusError."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topicnmf.corpus import decode_bytes, read_corpus
from topicnmf.errors import CorpusError
from topicnmf.preprocess import Analyzer, PreprocessOptions

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.binary(max_size=2000))
def test_decode_bytes_returns_text_or_says_binary(data):
    text, encoding = decode_bytes(data)
    assert (text is None) == (encoding is None)
    if text is not None:
        assert isinstance(text, str) and isinstance(encoding, str)


@SETTINGS
@given(st.text(max_size=500), st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]))
def test_text_survives_its_encoding(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    decoded, used = decode_bytes(data)
    # cp1252 bytes that are also valid UTF-8 ("\u00c2\u00a0" -> C2 A0) are UTF-8 to any reader;
    # the property holds whenever a Unicode encoding was written and one was read
    if decoded is not None and encoding != "cp1252" and used in ("utf-8", "utf-16"):
        assert decoded == text


@SETTINGS
@given(st.lists(st.tuples(st.text(alphabet=string.ascii_letters + "-_ .", min_size=1, max_size=12),
                          st.binary(max_size=300)), max_size=6))
def test_reading_a_folder_of_arbitrary_files(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("fuzz")
    for name, data in files:
        name = name.strip(". ") or "x"
        (folder / f"{name}.txt").write_bytes(data)
    try:
        corpus = read_corpus(folder)
    except CorpusError as exc:
        assert str(exc).startswith(str(folder))
        return
    assert corpus.ids == sorted(corpus.ids)
    assert all(doc.text.strip() for doc in corpus.documents)


@SETTINGS
@given(st.text(max_size=800), st.booleans(), st.integers(1, 3))
def test_analyzer_never_crashes_and_keeps_its_promises(text, stem, ngrams):
    a = Analyzer(PreprocessOptions(stem=stem, ngram_max=ngrams))
    terms = a(text)
    assert all(isinstance(t, str) and t for t in terms)
    unigrams = [t for t in terms if " " not in t]
    assert all(not t[0].isdigit() for t in unigrams)
    assert all(t == t.lower() or not t.isascii() for t in unigrams)
