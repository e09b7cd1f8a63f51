"""Bytes -> text: which encoding a file's bytes are in, or that they are not text at all.

UTF-8 comes first and is exact (most files are UTF-8, and a UTF-8 file decodes only one way).
A byte-order mark decides UTF-32 and UTF-16; zero bytes in every other (every fourth) position
decide BOM-less UTF-16 (UTF-32); UTF-8 with a few damaged bytes is kept as UTF-8. Everything
else is handed to charset-normalizer, a maintained detector that weighs how messy and how
plausible each candidate decoding is; its confidence is reported with the encoding. A
single-byte reading is then checked against the Western code pages it is often confused with
(Mac Roman, DOS 850, Windows-1250: :mod:`.western`).
"""

import codecs
import re
import unicodedata
from collections import Counter

import charset_normalizer

from .western import western_text

BINARY_SNIFF_BYTES = 8192
# Share of invalid bytes up to which a file is taken as damaged UTF-8 (the bad bytes shown
# as U+FFFD) rather than as a legacy encoding.
UTF8_DAMAGE_LIMIT = 0.01
# Single-byte encodings weighed beside charset-normalizer's own pick: its first pass stops at
# the first multi-byte decoding that fits, and took KOI8-R Russian for Shift-JIS.
LEGACY = ("cp1252", "cp1251", "koi8_r", "koi8_u", "cp1250", "cp1253", "cp1254", "cp1255",
          "cp1256", "cp1257", "iso8859_15")
# Encodings of text files in use (prefixes of Python codec names), Western, Cyrillic, Greek,
# Turkish, Hebrew, Arabic, Baltic, Chinese, Japanese, Korean, Thai, Vietnamese.
COMMON = ("cp125", "koi8", "iso8859", "latin_1", "gb", "big5", "cp932", "shift_jis",
          "euc", "cp949", "iso2022", "cp874", "tis_620", "utf_16", "utf_32")
# BOM-less Unicode of text without ASCII (Chinese, Japanese): zero bytes, but not in a pattern.
WIDE = ("utf_16_le", "utf_16_be")
# Fewer bytes above 127 than this are too little to tell one legacy encoding from another:
# such a file is read as Windows-1252 (or Latin-1), as before detection.
FEW_HIGH_BYTES = 8
_HIGH = bytes(range(0x80, 0x100))
# How much more chaos (share of implausible characters) and less coherence (language-likeness)
# Windows-1252 may show than the best candidate and still be chosen: the measures are noisy on
# short text (French text measured 0.08 more chaos in cp1252 than in Baltic cp1257).
CP1252_MARGIN = 0.1
# Other encodings of Latin letters: between them and cp1252 the detector's measures decide by
# noise ("caf\u00e9 d\u00e9j\u00e0" came out Baltic), so a cp1252 that fits at all is taken
# (Polish or Czech text in cp1250 is then read as cp1252).
LATIN = ("cp1250", "cp1254", "cp1257", "cp775", "iso8859", "latin_1", "mac_latin2")
# Highest chaos (charset-normalizer's share of implausible characters) for a detected decoding.
MAX_CHAOS = 0.2
# Multi-byte encodings of Chinese, Japanese and Korean: a few accented letters fit them too
# ("Le \u00e9t\u00e9\u2019s" came out cp932 at 92%), so they must beat a Western reading
# (as must the other single-byte scripts of LEGACY).
CJK = ("gb", "big5", "cp932", "shift_jis", "euc", "cp949", "iso2022", "hz", "johab")


def decode_bytes(data):
    """Decode a file's bytes: (text, encoding), or (None, None) when they look binary.

    ``encoding`` is 'utf-8', 'utf-16', 'utf-16-le', 'utf-16-be', 'utf-32', 'utf-32-le',
    'utf-32-be', 'utf-8 (invalid bytes replaced)', or a detected one with its confidence
    (1 - charset-normalizer's chaos), as in 'cp1252 (detected, confidence 100%)' or
    'koi8-r (detected, confidence 100%)'; with fewer than FEW_HIGH_BYTES bytes above 127, or
    no plausible detection, 'cp1252 (assumed)' ('latin-1 (assumed)' for bytes cp1252 leaves
    undefined). Text with
    control characters other than whitespace and escape is binary.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _checked(data.decode("utf-32", errors="replace"), "utf-32")
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16", errors="replace"), "utf-16")
    head = data[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        wide = wide_unicode(head)
        if wide is None:
            return _detect(data, WIDE)
        return _checked(data.decode(wide, errors="replace"), wide)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    # Valid multi-byte characters beside a few bad bytes: damaged UTF-8. Without any, the
    # bytes above 127 are a legacy encoding's letters (Latin-1 "caf\xe9").
    has_utf8 = any(ord(c) > 127 and c != "\ufffd" for c in text)
    if has_utf8 and damaged <= max(1, UTF8_DAMAGE_LIMIT * len(data)):
        return _checked(text, "utf-8 (invalid bytes replaced)")
    text, encoding = western_text(data, *_detect(data, None))  # (Mac Roman, DOS 850 ... told apart)
    return (None, None) if text is None else _checked(text, encoding)


def _detect(data, candidates):
    """charset-normalizer's most plausible decoding among ``candidates`` (None: any, and LEGACY)."""
    if candidates is None:
        matches = [*charset_normalizer.from_bytes(data), *charset_normalizer.from_bytes(data, cp_isolation=LEGACY)]
        # one of the encodings in use for text files; not a DOS code page that fits short text
        matches = [m for m in matches if m.encoding.startswith(COMMON) and (m.encoding not in WIDE or len(data) >= 32)]
    else:
        matches = list(charset_normalizer.from_bytes(data, cp_isolation=candidates))
    matches = [m for m in matches if m.chaos <= MAX_CHAOS]
    few = len(data) - len(data.translate(None, _HIGH)) < FEW_HIGH_BYTES
    latin = candidates is None and matches and not any("cp1252" in m.could_be_from_charset for m in matches) \
        and min(matches, key=lambda m: m.chaos).encoding.startswith(LATIN)
    if candidates is None and (few or not matches or latin):  # Windows-1252 as before, or Latin-1
        try:
            return _checked(data.decode("cp1252"), "cp1252 (assumed)")
        except UnicodeDecodeError:
            return _checked(data.decode("latin-1"), "latin-1 (assumed)")
    if not matches:
        return None, None
    # least chaos, then most coherent (language-like), then charset-normalizer's order
    best = min(enumerate(matches), key=lambda im: (round(im[1].chaos, 2), -round(im[1].coherence, 2), im[0]))[1]
    name = best.encoding
    # A Western reading whose accented letters sit alone between ASCII words beats any other
    # script's: Cyrillic, Greek or CJK text gives runs of non-ASCII letters (whole words), and
    # "Le \u00e0 \u2013 \u00e0" came out cp1251 ("\u0430", Cyrillic a, between Latin words).
    if candidates is None and name.startswith(CJK + LEGACY) and name != "cp1252" and _looks_western(data):
        western = [m for m in matches if "cp1252" in m.could_be_from_charset]
        if not western:
            return _checked(data.decode("cp1252"), "cp1252 (assumed)")
        best = western[0]
        return _checked(data.decode("cp1252"), f"cp1252 (detected, confidence {1 - best.chaos:.0%})")
    # Windows-1252, the most used legacy encoding, unless another is clearly more plausible
    # (Latin-1 text fits cp1250 and a dozen others as well, and short text fits anything).
    western = [m for m in matches if "cp1252" in m.could_be_from_charset]
    if western:
        w = min(western, key=lambda m: (m.chaos, -m.coherence))
        close = w.chaos <= best.chaos + CP1252_MARGIN and w.coherence >= best.coherence - CP1252_MARGIN
        if close or best.encoding.startswith(LATIN):
            best, name = w, "cp1252"
    text = _wide_text(data, name) if name in WIDE else data.decode(name, errors="replace")
    if text is None:
        return None, None
    return _checked(text, f"{name.replace('_', '-')} (detected, confidence {1 - best.chaos:.0%})")


def _looks_western(data):
    """Whether the bytes read as Windows-1252 look like Western text: its characters above
    127 are letters or punctuation in short runs between ASCII ("\u00e9t\u00e9\u2019s",
    "Gr\u00fc\u00dfe"); Japanese or Russian bytes read so give long runs of them
    ("\u201a\u00b1\u201a\u00f1\u201a\u00c9")."""
    try:
        text = data[:BINARY_SNIFF_BYTES * 4].decode("cp1252")
    except UnicodeDecodeError:
        return False
    runs = [m.group() for m in re.finditer(r"[^\x00-\x7f]+", text)]
    if not runs or any(unicodedata.category(c)[0] not in "LPS" for run in runs for c in run):
        return False
    return sum(len(r) for r in runs if len(r) >= 3) <= 0.25 * sum(map(len, runs))


def _wide_text(data, name):
    """BOM-less UTF-16 of text with few ASCII characters (Chinese, Japanese), or None when the
    bytes are not that: no lone surrogate, no private-use or unassigned character, and nine
    characters in ten ASCII or of one script (random bytes spread over all of them)."""
    try:
        text = data[:len(data) - len(data) % 2].decode(name)
    except UnicodeDecodeError:
        return None
    sample = text[:BINARY_SNIFF_BYTES]
    if not sample or any(unicodedata.category(c) in ("Co", "Cn") for c in sample):
        return None
    groups = Counter(map(_script_group, sample))
    ascii_share = groups.pop("ascii", 0)
    if ascii_share + max(groups.values(), default=0) < 0.9 * len(sample):
        return None
    return text


def _script_group(c):
    code = ord(c)
    if code < 0x80:
        return "ascii"
    if 0x3000 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
        return "cjk"  # punctuation, kana, ideographs, full-width forms
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "hangul"
    return code >> 7  # a 128-character block: one alphabet (Cyrillic, Greek, Arabic ...)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _checked(text, encoding):
    """(text, encoding), or (None, None) when control characters say it is not text."""
    sample = text[:BINARY_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        return None, None
    return text, encoding


def wide_unicode(head):
    """'utf-32-le'/'utf-32-be'/'utf-16-le'/'utf-16-be' when zero bytes fill the positions
    that ASCII text leaves empty in that encoding, else None."""
    if len(head) < 4:
        return None

    def mostly(a, zero):
        return a.count(0) > 0.9 * len(a) if zero else a.count(0) < 0.1 * len(a)

    q = [head[i::4] for i in range(4)]  # code points below U+10000 leave two bytes zero
    if mostly(q[2], True) and mostly(q[3], True) and mostly(q[0], False):
        return "utf-32-le"
    if mostly(q[0], True) and mostly(q[1], True) and mostly(q[3], False):
        return "utf-32-be"
    even, odd = head[0::2], head[1::2]
    if mostly(odd, True) and mostly(even, False):
        return "utf-16-le"
    if mostly(even, True) and mostly(odd, False):
        return "utf-16-be"
    return None
