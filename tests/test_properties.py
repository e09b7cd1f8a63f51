"""Property-based tests: the reader and the tokenizer never crash on arbitrary input, except
with the documented CorpusError."""

import re
import string

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from topicnmf.corpus import decode_bytes, read_corpus
from topicnmf.errors import CorpusError
from topicnmf.preprocess import Analyzer, PreprocessOptions
from topicnmf.readers.decode import wide_unicode

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# What decode_bytes counts as a control character (binary above 1%); tab, newlines, form
# feed and escape are text.
CONTROL = "".join(map(chr, [*range(0, 9), *range(14, 27), *range(28, 32), 127]))
ENCODINGS = {"utf-8", "utf-8 (invalid bytes replaced)", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
             "utf-32-be"}
DETECTED = re.compile(r"[a-z0-9-]+ \((detected, confidence \d+%|assumed)\)")
# Any Unicode text but control characters, lone surrogates and the BOM character.
UNICODE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROL + "\ufeff"),
                       max_size=500)
ASCII_TEXT = st.text(st.sampled_from(string.printable), min_size=1, max_size=12)
CP1252 = re.compile(r"cp1252 \((detected, confidence \d+%|assumed)\)")
CP1252_ONLY = [c for c in bytes(range(128, 256)).decode("cp1252", errors="ignore") if c not in CONTROL]


def utf16_shaped(head):
    """Zero bytes in (nearly) every other position, and (nearly) none in the others."""
    even, odd = head[0::2], head[1::2]
    return len(head) >= 4 and any(
        a.count(0) > 0.9 * len(a) and b.count(0) < 0.1 * len(b) for a, b in ((even, odd), (odd, even)))


@SETTINGS
@given(st.binary(max_size=2000))
def test_decode_bytes_returns_text_or_says_binary(data):
    text, encoding = decode_bytes(data)
    assert decode_bytes(data) == (text, encoding)  # deterministic
    if text is None:
        assert encoding is None
        return
    assert isinstance(text, str) and (encoding in ENCODINGS or DETECTED.fullmatch(encoding))
    sample = text[:8192]
    assert sum(c in CONTROL for c in sample) <= 0.01 * len(sample)
    text.encode("utf-8")  # valid Unicode: no lone surrogate
    if not encoding.startswith("utf-"):
        assert "\x00" not in text  # a zero byte in the first 8 KiB means UTF-16/32 or binary


@SETTINGS
@given(UNICODE_TEXT)
def test_valid_utf8_text_is_read_as_itself(text):
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")


@SETTINGS
@given(st.binary(max_size=3000), st.data())
def test_a_zero_byte_in_the_head_says_binary_unless_utf16(data, draw):
    at = draw.draw(st.integers(0, len(data)))
    data = b"x" + data[:at] + b"\x00" + data[at:]  # "x": no BOM
    assume(not utf16_shaped(data[:8192]) and wide_unicode(data[:8192]) is None)  # UTF-16/32 shapes
    text, encoding = decode_bytes(data)
    if text is not None:  # only as UTF-16 that it faithfully is (detected: Chinese and the like)
        codec = encoding.split()[0]
        assert codec.startswith("utf-") and text.encode(codec) == data[:len(text.encode(codec))]


@SETTINGS
@given(UNICODE_TEXT, st.sampled_from([("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("utf-16", "utf-16")]))
def test_text_survives_its_encoding(text, encodings):
    written, read = encodings
    assert decode_bytes(text.encode(written)) == (text, read)


WESTERN_LETTERS = "\u00e0\u00e1\u00e2\u00e4\u00e7\u00e8\u00e9\u00ea\u00eb\u00ee\u00ef\u00f1\u00f3\u00f4\u00f6\u00f9\u00fa\u00fb\u00fc\u00df"
# words of French, German and Spanish, accented and not, in any order
WESTERN_WORD = st.sampled_from(
    "caf\u00e9 cr\u00e8me d\u00e9j\u00e0 o\u00f9 fran\u00e7ais na\u00efve \u00fcber sch\u00f6n ma\u00f1ana ni\u00f1o "
    "gar\u00e7on \u00e9t\u00e9 p\u00e8re \u00e0 la le et de und der el que tr\u00e8s bient\u00f4t gr\u00f6\u00dfe "
    "stra\u00dfe m\u00fcde for\u00eat r\u00eave coraz\u00f3n canci\u00f3n a\u00f1o the planet moon".split())
WESTERN_TEXT = st.lists(st.tuples(WESTERN_WORD, st.sampled_from([" ", " ", ", ", ". ", " \u2013 ", "\u2019s ", " \u201c"])),
                        min_size=1, max_size=60).map(lambda ws: "Le " + "".join(w + p for w, p in ws))


@SETTINGS
@given(WESTERN_TEXT)
@example("Le \u00e9t\u00e9\u2019s \u00e9t\u00e9\u2019s \u00e9t\u00e9\u2019s ")  # once read as cp932 (92%)
@example("Le \u00e0 \u2013 \u00e0 \u2013 \u00e0 \u2013 \u00e0 \u2013 ")  # once read as cp1251 (100%)
def test_western_text_in_cp1252_is_read_as_cp1252(text):
    data = text.encode("cp1252")
    decoded, used = decode_bytes(data)
    if data.isascii():
        assert (decoded, used) == (text, "utf-8")
    else:
        assert decoded == text and CP1252.fullmatch(used), used


@SETTINGS
@given(st.text(st.sampled_from(CP1252_ONLY + list(string.printable)), max_size=300))
def test_any_cp1252_text_decodes_to_valid_text_deterministically(text):
    data = ("x" + text).encode("cp1252")  # "x": no byte-order mark
    decoded, used = decode_bytes(data)
    assert decode_bytes(data) == (decoded, used)
    if decoded is not None:
        decoded.encode("utf-8")
        assert used in ENCODINGS or DETECTED.fullmatch(used)
        if CP1252.fullmatch(used):
            assert decoded == "x" + text


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
