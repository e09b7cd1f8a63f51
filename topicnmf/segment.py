"""Word-sized tokens for Chinese, Japanese and Thai, which are written without spaces.

The regexp tokenizer gives a whole clause of such text as one token. :func:`cjk_splitter`
cuts it: Chinese with the jieba segmenter (the ``cjk`` extra) when installed, else into
overlapping character bigrams (the classic fallback of CJK search engines); Japanese (any
token with kana) into its script runs: katakana runs (mostly loanwords) kept whole, kanji runs
whole up to four characters and as bigrams beyond, hiragana runs (particles and inflections)
left out.

Thai puts spaces between phrases, not words: :func:`thai_cutter` cuts a Thai run with
PyThaiNLP's dictionary segmenter (newmm, maximal matching over its bundled Thai word list; the
``thai`` extra) when installed, else into overlapping pairs of character clusters (a consonant
or vowel with its marks), the CJK fallback's equivalent. NFKC writes SARA AM (U+0E33) as two
characters, which the dictionary does not hold: a run is cut composed, its words normalized
after, as the stop words are.

Korean is written with spaces between eojeol, each a word with its particles and endings
attached (학교에서 'at school', 승리했습니다 'won'): :func:`korean` cuts off the particle (josa),
or the ending of a noun + 하다/되다 verb, so that the noun is the term (학교, 승리), and a plural 들 after it. Particles
that also end many nouns (이, 가, 도, ...) are cut only after two syllables or more (국가
'nation' stays whole); other verbs and adjectives keep their inflected forms.
"""

import logging
import re
import unicodedata

from .errors import ParameterError

log = logging.getLogger(__name__)

_HAN = "\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA = "\u3040-\u30ff\u31f0-\u31ff"
_ANY = re.compile(f"[{_HAN}{_KANA}]")
_RUN = re.compile(f"([{_HAN}{_KANA}]+)")
_KANA_ANY = re.compile(f"[{_KANA}]")
KANJI_WORD = 4  # the longest kanji run taken as one word (most compounds have 2 to 4)
_JAPANESE_RUNS = re.compile(f"([\u30a0-\u30ff\u31f0-\u31ff]+)|([{_HAN}]+)|[\u3040-\u309f]+")


_HANGUL = re.compile("[\uac00-\ud7a3]")
_THAI = re.compile("[\u0e01-\u0e5b]")
_THAI_RUN = re.compile("([\u0e01-\u0e5b]+)")
# A Thai character cluster, roughly: a letter with the vowel and tone marks written over or under it.
_THAI_CLUSTER = re.compile("[\u0e01-\u0e5b][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*")
# Particles, longest first; those in SHORT_NOUN_ENDINGS end many nouns too (국가, 종이, 정도).
PARTICLES = tuple(sorted("""에서부터 으로부터 로부터 에게서 한테서 에서는 에서도 에게는 으로는 으로도 까지는
    부터는 이라고 에서 에게 한테 께서 으로 까지 부터 보다 처럼 만큼 마다 조차 마저 밖에 이나 이랑 에는 에도
    와는 과는 라고 이다 이고 이며 은 는 을 를 에 와 이 가 도 의 과 로 만 랑""".split(), key=len, reverse=True))
SHORT_NOUN_ENDINGS = frozenset("이 가 도 의 과 로 만 랑".split())
# Endings of a noun + 하다/되다 verb (관측했습니다, 연구하는, 선언되었다): the noun is the term.
VERB_ENDINGS = tuple(sorted("""했습니다 합니다 하였다 했다 한다 하는 하고 해서 하며 하여 해야 하기 하면 했고 하던
    했던 할 한 됩니다 되었다 됐다 된다 되는 되어 되고 된""".split(), key=len, reverse=True))


def korean(token):
    """A hangul token (an eojeol) as its word: one particle or 하다/되다 ending cut off."""
    if not _HANGUL.search(token):
        return [token]
    word = next((token[:-len(e)] for e in VERB_ENDINGS if token.endswith(e) and len(token) - len(e) >= 2), None)
    if word is None:
        word = next((token[:-len(p)] for p in PARTICLES if token.endswith(p) and len(token) - len(p) >= (
            2 if p in SHORT_NOUN_ENDINGS else 1)), token)
    if word.endswith("들") and len(word) >= 3:  # the plural suffix: 선수들 -> 선수
        word = word[:-1]
    return [word]


def cjk_splitter(languages, segmenter=""):
    """A function token -> list of tokens for a corpus in ``languages``, or None when none of
    them is Chinese, Japanese, Korean or Thai (then tokens are left as they are).
    ``segmenter``: how Chinese and Thai are cut ('jieba' or 'bigrams', 'newmm' or 'clusters',
    joined by '+' for both; '': the segmenters when installed), as the model being used was
    fitted: its terms are matched only when texts are cut the same way."""
    if not {"chinese", "japanese", "korean", "thai"} & set(languages):
        return None
    ways = set(segmenter.split("+"))
    chinese = None
    if "chinese" in languages and "bigrams" not in ways:
        chinese = _jieba(required="jieba" in ways)
    elif "chinese" in languages and not _installed():
        _say_bigrams()
    chinese = chinese or bigrams
    hangul = "korean" in languages
    thai = thai_cutter(required="newmm" in ways, clusters="clusters" in ways) if "thai" in languages else None

    def split(token):
        if thai is not None and _THAI.search(token):
            return thai(token)
        if not _ANY.search(token):
            return korean(token) if hangul else [token]
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


def _installed():
    try:
        import jieba  # noqa: F401
    except ImportError:
        return False
    return True


def _say_bigrams():
    log.warning("Chinese text is cut into character bigrams: for words, install jieba "
                "(pip install 'topicnmf[cjk]')")


def _jieba(required=False):
    """jieba's word cutter, or None (with a warning naming the extra) when not installed;
    ``required`` (a model whose Chinese terms jieba cut): a ParameterError then."""
    try:
        import jieba
    except ImportError:
        if required:
            raise ParameterError("this model's Chinese terms were cut into words by jieba, which is not "
                                 "installed here (character bigrams would match none of them): "
                                 "pip install 'topicnmf[cjk]'") from None
        _say_bigrams()
        return None
    jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on stderr

    def cut(run):
        return [w for w in jieba.lcut(run) if w.strip()]

    return cut


def thai_cutter(required=False, clusters=False):
    """A function token -> words for tokens holding Thai: PyThaiNLP's newmm segmenter, or
    (``clusters``, or when it is not installed) overlapping pairs of character clusters;
    ``required`` (a model whose Thai terms newmm cut): a ParameterError when not installed."""
    segment = None if clusters else _newmm(required)
    if segment is None and _newmm(False) is None:
        log.warning("Thai text is cut into pairs of characters: for words, install pythainlp "
                    "(pip install 'topicnmf[thai]')")

    def cut(token):
        out = []
        for i, piece in enumerate(_THAI_RUN.split(token)):
            if i % 2 == 0:
                if piece:
                    out.append(piece)
                continue
            piece = piece.replace("\u0e4d\u0e32", "\u0e33")  # NFKC's SARA AM composed again
            words = segment(piece) if segment else bigrams(_THAI_CLUSTER.findall(piece))
            out.extend(unicodedata.normalize("NFKC", "".join(w)).strip() for w in words)
        return [w for w in out if w]

    return cut


def _newmm(required):
    try:
        from pythainlp.tokenize import word_tokenize
    except ImportError:
        if required:
            raise ParameterError("this model's Thai terms were cut into words by pythainlp, which is not "
                                 "installed here (character pairs would match none of them): "
                                 "pip install 'topicnmf[thai]'") from None
        return None
    return lambda run: word_tokenize(run, engine="newmm", keep_whitespace=False)
