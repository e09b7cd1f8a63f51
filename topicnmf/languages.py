"""Which language a corpus is in, and what that language needs: its stop words, its Snowball
stemmer, and for Chinese and Japanese a way to cut text that has no spaces into word-sized
tokens.

Detection is per corpus, from stop-word hit rates: each sampled document goes to the language
whose stop-word list (stopwordsiso, the stop words of ISO 639-1 languages) covers most of its
words, or, when most of its letters are CJK, to Chinese, Japanese (kana among them) or Korean
(hangul). A corpus is *mixed* when a second language holds at least ``MIXED_SHARE`` of the
sampled documents; every language present then lends its stop words, and with stemming each
document is stemmed in its own language (:func:`document_language`). English keeps topicnmf's own list (scikit-learn's plus contractions), so an English
corpus reads exactly as it did before languages existed.
"""

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import stopwordsiso

from .errors import ParameterError

# name -> ISO 639-1 code: the Snowball stemmer's languages, then Chinese, Japanese and Korean.
LANGUAGES = {
    "arabic": "ar", "danish": "da", "dutch": "nl", "english": "en", "finnish": "fi", "french": "fr",
    "german": "de", "hungarian": "hu", "italian": "it", "norwegian": "no", "portuguese": "pt",
    "romanian": "ro", "russian": "ru", "spanish": "es", "swedish": "sv",
    "chinese": "zh", "japanese": "ja", "korean": "ko",
}
CJK = frozenset({"chinese", "japanese"})  # written without spaces between words
BY_SCRIPT = CJK | {"korean"}  # told apart by their scripts, not by stop words
DEFAULT = "english"
SAMPLE = 500  # documents sampled for detection, evenly spaced
SAMPLE_CHARS = 3000  # characters of each looked at
MIN_WORDS = 5  # a document with fewer words does not vote
MIN_HIT_RATE = 0.15  # nor one whose best stop-word list covers less of its words
MIXED_SHARE = 0.05  # a second language this common (and in 2+ documents) makes a corpus mixed

# Elided articles and pronouns written onto the next word ("l'équipe", "dell'acqua"): cut off.
ELISIONS = {
    "french": re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'(?=\w)"),
    "italian": re.compile(r"^(?:l|d|un|all|dall|dell|nell|sull|coll|quell|quest|c|v|m|t|s)'(?=\w)"),
}
_WORD = re.compile(r"[^\W\d_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER = re.compile(r"[^\W\d_]")

log = logging.getLogger(__name__)


def language_name(value):
    """'german' from 'German', 'de' or 'german'; 'auto' stays 'auto'."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key == "auto" or key in LANGUAGES:
            return key
        by_code = {code: name for name, code in LANGUAGES.items()}
        if key in by_code:
            return by_code[key]
    raise ParameterError(
        f"language must be 'auto' or one of {', '.join(LANGUAGES)} (or its ISO 639-1 code); "
        f"got {value!r}.")


@lru_cache(maxsize=None)
def stop_words(language):
    """The stop words of ``language`` (a name of LANGUAGES), NFKC-normalized and lowercase, as
    the tokenizer sees words."""
    words = stopwordsiso.stopwords(LANGUAGES[language])
    return frozenset(unicodedata.normalize("NFKC", w).lower() for w in words)


@dataclass(frozen=True)
class LanguageChoice:
    """The language a corpus is read in, and how it was chosen.

    Attributes
    ----------
    language : str
        The main language (its stemmer is used).
    languages : tuple of str
        Every language whose stop words are used: ``language`` first, then the others of a
        mixed corpus.
    how : {'set', 'detected', 'default'}
        Given by the user; detected; or the default, when no sampled document voted.
    shares : tuple of (str, float)
        Share of the sampled documents detected in each language, commonest first.
    sampled : int
        Documents that voted (long enough, and with stop words of some language).
    segmenter : {'', 'jieba', 'bigrams'}
        How Chinese text is cut into terms, fixed when the language is chosen (jieba when
        installed): a saved model's terms are only matched when new texts are cut the same
        way. '' without Chinese (and in models saved before it was recorded).
    """

    language: str = DEFAULT
    languages: tuple = (DEFAULT,)
    how: str = "default"
    shares: tuple = ()
    sampled: int = 0
    segmenter: str = ""

    def __post_init__(self):
        names = (self.language, *self.languages)
        if "auto" in names or self.how not in ("set", "detected", "default") or not self.languages \
                or self.segmenter not in ("", "jieba", "bigrams"):
            raise ParameterError(f"not a language choice: {self.language!r}, {self.languages!r}, {self.how!r}, "
                                 f"{self.segmenter!r}.")
        for name in names:
            language_name(name)

    @property
    def mixed(self):
        return len(self.languages) > 1

    def describe(self, stem=False):
        """One line for people: 'german (detected in 100% of 30 sampled documents)'; with
        ``stem`` a mixed corpus says that each document is stemmed in its own language."""
        if self.how == "set":
            return f"{self.language} (set)"
        if self.how == "default":
            return f"{self.language} (the default: no document long enough to detect a language)"
        if self.mixed:
            parts = ", ".join(f"{name} {share:.0%}" for name, share in self.shares)
            return (f"mixed ({parts} of {self.sampled} sampled documents); main language: {self.language}"
                    + (f"; with stemming, each document is stemmed in its own language "
                       f"({', '.join(stemmable(self))}; the main one when too short to tell)" if stem else ""))
        return f"{self.language} (detected in {self.shares[0][1]:.0%} of {self.sampled} sampled documents)"

    def to_dict(self):
        return {"language": self.language, "languages": list(self.languages), "how": self.how,
                "shares": {name: round(share, 4) for name, share in self.shares}, "sampled": self.sampled} \
            | ({"segmenter": self.segmenter} if self.segmenter else {})

    @classmethod
    def from_dict(cls, d):
        return cls(d["language"], tuple(d["languages"]), d["how"], tuple(dict(d["shares"]).items()), int(d["sampled"]),
                   d.get("segmenter", ""))


def with_segmenter(choice):
    """``choice`` with how its Chinese will be cut: jieba when it can be imported, else
    character bigrams ('' without Chinese)."""
    if "chinese" not in choice.languages:
        return choice
    try:
        import jieba  # noqa: F401 (the cjk extra; its dictionary loads on the first cut)
    except ImportError:
        return replace(choice, segmenter="bigrams")
    return replace(choice, segmenter="jieba")


class DocumentTokens(list):
    """A document's tokens, and the language whose stemmer stems them (a mixed corpus)."""

    def __init__(self, tokens, *, language):
        super().__init__(tokens)
        self.language = language


def stemmable(choice):
    """The languages of ``choice`` (a :class:`LanguageChoice`) that have a Snowball stemmer."""
    return [name for name in choice.languages if name not in BY_SCRIPT]


def document_language(text, choice):
    """The language a document of a mixed corpus is stemmed in: its own, detected as
    :func:`detect_document` does, when it is one of ``choice.languages``; else the main
    language (a document too short to tell). None for a language without a stemmer."""
    found = detect_document(text)
    found = found if found in choice.languages else choice.language
    return None if found in BY_SCRIPT else found


def choose_language(texts, setting="auto"):
    """A :class:`LanguageChoice` for ``texts``: ``setting`` itself (a language name), or for
    'auto' the languages detected in a sample of the texts."""
    setting = language_name(setting)
    if setting != "auto":
        return with_segmenter(LanguageChoice(setting, (setting,), "set"))
    texts = texts if isinstance(texts, (list, tuple)) else list(texts)
    step = max(1, len(texts) // SAMPLE)
    votes = Counter(filter(None, (detect_document(t) for t in texts[::step][:SAMPLE])))
    n = sum(votes.values())
    if not n:
        return LanguageChoice()
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    shares = tuple((name, count / n) for name, count in ranked)
    present = tuple(name for name, count in ranked if count >= 2 and count / n >= MIXED_SHARE)
    present = present or (ranked[0][0],)
    return with_segmenter(LanguageChoice(present[0], present, "detected", shares, n))


def detect_document(text):
    """The language of one text, or None when it is too short or matches no list well."""
    text = unicodedata.normalize("NFKC", text[:SAMPLE_CHARS]).lower()
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    han, kana, hangul = (len(p.findall(text)) for p in (_HAN, _KANA, _HANGUL))
    if han + kana + hangul >= 0.3 * letters:
        if hangul > han + kana:
            return "korean"
        return "japanese" if kana >= 0.1 * (han + kana) else "chinese"
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return None
    hits = Counter()
    lists = _lists_of_words()
    for word, count in Counter(words).items():
        for name in lists.get(word, ()):
            hits[name] += count
    if not hits:
        return None
    (best, count), *rest = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    if rest and rest[0][1] == count:  # a tie ("a python module for data": danish = english) says nothing
        return None
    return best if count >= MIN_HIT_RATE * len(words) else None


@lru_cache(maxsize=1)
def _lists_of_words():
    """word -> the languages whose stop-word list holds it (those told apart by stop words)."""
    lists = {}
    for name in sorted(set(LANGUAGES) - BY_SCRIPT):
        for word in stop_words(name):
            lists.setdefault(word, []).append(name)
    return lists
