"""Word-sized tokens for Chinese and Japanese, which are written without spaces.

The regexp tokenizer gives a whole clause of such text as one token. :func:`cjk_splitter`
cuts it: Chinese with the jieba segmenter (the ``cjk`` extra) when installed, else into
overlapping character bigrams (the classic fallback of CJK search engines); Japanese (any
token with kana) into its script runs: katakana runs (mostly loanwords) kept whole, kanji runs
whole up to four characters and as bigrams beyond, hiragana runs (particles and inflections)
left out.
"""

import logging
import re

log = logging.getLogger(__name__)

_HAN = "\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA = "\u3040-\u30ff\u31f0-\u31ff"
_ANY = re.compile(f"[{_HAN}{_KANA}]")
_RUN = re.compile(f"([{_HAN}{_KANA}]+)")
_KANA_ANY = re.compile(f"[{_KANA}]")
KANJI_WORD = 4  # the longest kanji run taken as one word (most compounds have 2 to 4)
_JAPANESE_RUNS = re.compile(f"([\u30a0-\u30ff\u31f0-\u31ff]+)|([{_HAN}]+)|[\u3040-\u309f]+")


def cjk_splitter(languages):
    """A function token -> list of tokens for a corpus in ``languages``, or None when none of
    them is Chinese or Japanese (then tokens are left as they are)."""
    if not {"chinese", "japanese"} & set(languages):
        return None
    chinese = _jieba() if "chinese" in languages else None
    chinese = chinese or bigrams

    def split(token):
        if not _ANY.search(token):
            return [token]
        out = []
        for i, piece in enumerate(_RUN.split(token)):
            if i % 2 == 0:  # the text between CJK runs
                if piece:
                    out.append(piece)
            elif _KANA_ANY.search(piece):
                out.extend(japanese(piece))
            else:
                out.extend(chinese(piece))
        return out

    return split


def bigrams(run):
    """Overlapping character pairs of a run ('天文学家' -> 天文, 文学, 学家); a run of one or two
    characters stays whole."""
    if len(run) <= 2:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def japanese(run):
    """Katakana runs whole; kanji runs (between kana, mostly one word: 望遠鏡, 天文学者) whole up
    to KANJI_WORD characters, longer ones as :func:`bigrams`; hiragana runs left out."""
    out = []
    for match in _JAPANESE_RUNS.finditer(run):
        katakana, kanji = match.groups()
        if katakana:
            out.append(katakana)
        elif kanji:
            out.extend([kanji] if len(kanji) <= KANJI_WORD else bigrams(kanji))
    return out


def _jieba():
    """jieba's word cutter, or None (with a warning naming the extra) when not installed."""
    try:
        import jieba
    except ImportError:
        log.warning("Chinese text is cut into character bigrams: for words, install jieba "
                    "(pip install 'topicnmf[cjk]')")
        return None
    jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on stderr

    def cut(run):
        return [w for w in jieba.lcut(run) if w.strip()]

    return cut
