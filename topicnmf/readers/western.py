"""Which Western single-byte code page a legacy text is in: Windows-1252, Mac Roman or DOS
850, told apart by where their accented letters fall.

The three share ASCII and put the same letters at other bytes: ``é`` is 0xE9 in Windows-1252
(Latin-1), 0x8E in Mac Roman, 0x82 in DOS 850. A statistical detector takes such a file for
Windows-1252 (or Latin-1), and the text comes out with C1 control characters
(``caf\\x8e``, Mac Roman as Latin-1) or with symbols and capitals inside lower-case words
(``caf‚ crŠme``, DOS 850 as Windows-1252). :func:`western_text` reads the bytes in each code
page and keeps the one whose characters above ASCII fit Western words: letters inside words,
punctuation at their edges, no control characters. Windows-1252 stays unless another reading
is clearly better (a quarter of its misfits or fewer); a Windows-1252 text read as Mac Roman
or DOS 850 shows capitals inside words (``cafÈ``, ``cafÚ``), so it is never taken for them.
"""

import re
import unicodedata

# Code pages weighed against the detector's reading: Windows-1252 first (kept on a tie), then
# Mac Roman, DOS 850 and Windows-1250 (Central European: Polish, Czech ...).
ALTERNATIVES = (("cp1252", "cp1252"), ("mac_roman", "mac-roman"), ("cp850", "cp850"), ("cp1250", "cp1250"))
# Single-byte readings that are looked at again (a detector's pick among them can be wrong).
SINGLE_BYTE = ("cp1252", "latin-1", "cp125", "iso8859", "koi8", "mac", "cp850", "cp437")
# Punctuation that closes or joins words in Western text: a word may end with it.
_WORD_EDGE = set("\u2019\u201d\u00bb\u2026\u00b7\u2010\u2011\u00ae\u2122\u00a9\u00b2\u00b3\u00ba\u00aa")
# Rough frequency (per 10,000 letters) of accented letters in the European languages written in
# these code pages: between two readings that fit equally, the one of commoner letters wins
# (Danish 'søen' in DOS 850 also reads 'sõen' in Mac Roman).
_COMMON = dict(zip("éèàçüöäßñóíáúøåæêâôîûëïœãõłąęśćżźńčřšžěůýť",
                   (60, 10, 10, 4, 8, 8, 9, 3, 4, 6, 6, 6, 2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 3, 1,
                    5, 4, 4, 3, 2, 3, 1, 1, 3, 4, 3, 3, 4, 2, 5, 1)))
_HIGH = re.compile(r"[^\x00-\x7f]")


def western_text(data, text, encoding):
    """(text, encoding): the detector's single-byte reading of ``data``, or a Windows-1252,
    Mac Roman, DOS 850 or Windows-1250 one whose characters above ASCII fit Latin words
    clearly better (``encoding`` then as 'mac-roman (detected, confidence N%)', N the share
    of its characters above ASCII that fit)."""
    if text is None or not encoding.startswith(SINGLE_BYTE):
        return text, encoding
    misfits = _misfits(text)
    if not misfits:
        return text, encoding
    readings = []
    for codec, name in ALTERNATIVES:
        try:
            other = data.decode(codec)
        except UnicodeDecodeError:  # (cp1252 and cp1250 leave a few bytes undefined)
            continue
        n = _misfits(other)
        if n * 4 <= misfits:
            readings.append((n, -sum(_COMMON.get(c.lower(), 0) for c in _HIGH.findall(other)), other, name))
    if not readings:
        return text, encoding
    n, _, other, name = min(readings, key=lambda r: r[:2])
    high = max(1, len(_HIGH.findall(other)))
    return other, f"{name} (detected, confidence {1 - n / high:.0%})"


def _misfits(text):
    """Characters above ASCII that do not fit Latin words: control or unassigned ones, a
    letter of another script or a capital inside a lower-case word, a symbol after a letter
    that is not a word's edge."""
    n = 0
    for match in _HIGH.finditer(text):
        i, c = match.start(), match.group()
        category = unicodedata.category(c)
        before = text[i - 1] if i else " "
        if category[0] == "C":
            n += 1
        elif category[0] == "L" and before.isascii() and before.isalpha() and not _latin(c):
            n += 1  # a letter of another script inside a Latin word ('Perchژ')
        elif category == "Lu":
            n += before.islower() and before.isascii()
        elif category[0] not in "LM" and before.isalpha() and c not in _WORD_EDGE:
            n += 1
    return n


def _latin(c):
    return unicodedata.name(c, "").startswith("LATIN")
