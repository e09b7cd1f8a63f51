"""Which language a corpus is in, and what that language needs: its stop words, its Snowball
stemmer (where one exists), and for Chinese and Japanese a way to cut text that has no spaces
into word-sized tokens.

Every language stopwordsiso has stop words for can be set or detected (``LANGUAGES``).
Detection is per corpus: each sampled document's letters name its script, and the languages
written in that script (the script of their stop words) compete on stop-word hits; the
document goes to the one whose list covers most of its words, at least ``MIN_HIT_RATE`` of
them, or, when its script is written by one of them only (Greek, Hebrew, Armenian, Thai, ...)
to that one. Text mostly in CJK letters goes to Chinese, Japanese (kana among them) or Korean
(hangul). Letters one language of a script never uses rule it out (``NOT_IN``: Ukrainian's
``і ї є ґ`` are not Russian). A long document no list fits is *unrecognised*; when those
outnumber the commonest language's documents, the corpus's language is reported as none we
know (``how='unknown'``: the built-in English list only, no stemming). A corpus is *mixed*
when a second language holds at least ``MIXED_SHARE`` of the sampled documents; every
language present then lends its stop words, and with stemming each document is stemmed in its
own language (:func:`document_language`). English keeps topicnmf's own list (scikit-learn's
plus contractions), so an English corpus reads exactly as it did before languages existed.
"""

import importlib.util
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import stopwordsiso

from .errors import ParameterError
from .stemmers import has_stemmer

# name -> ISO 639-1 code: every language stopwordsiso has a stop-word list for.
LANGUAGES = {
    "afrikaans": "af", "arabic": "ar", "armenian": "hy", "basque": "eu", "bengali": "bn", "breton": "br",
    "bulgarian": "bg", "catalan": "ca", "chinese": "zh", "croatian": "hr", "czech": "cs", "danish": "da",
    "dutch": "nl", "english": "en", "esperanto": "eo", "estonian": "et", "finnish": "fi", "french": "fr",
    "galician": "gl", "german": "de", "greek": "el", "gujarati": "gu", "hausa": "ha", "hebrew": "he",
    "hindi": "hi", "hungarian": "hu", "indonesian": "id", "irish": "ga", "italian": "it", "japanese": "ja",
    "korean": "ko", "kurdish": "ku", "latin": "la", "latvian": "lv", "lithuanian": "lt", "malay": "ms",
    "marathi": "mr", "norwegian": "no", "persian": "fa", "polish": "pl", "portuguese": "pt",
    "romanian": "ro", "russian": "ru", "sesotho": "st", "slovak": "sk", "slovenian": "sl", "somali": "so",
    "spanish": "es", "swahili": "sw", "swedish": "sv", "tagalog": "tl", "thai": "th", "turkish": "tr",
    "ukrainian": "uk", "urdu": "ur", "vietnamese": "vi", "yoruba": "yo", "zulu": "zu",
}
# Function words stopwordsiso's short list (73 words) leaves out: the commonest prepositions,
# conjunctions, pronouns and particles of Ukrainian.
MORE_STOP_WORDS = {
    "ukrainian": "а або б бо в вже від все всі ж за з й і із їй їм його йому к ким кому мене мені "
                 "мій на над не ні о об один одна однак по при після перед через щоб ще тут там "
                 "у та те тієї ті той тому то цього цієї ці цих свій своє свої своїх себе собі вона він "
                 "вони я ти ми ви їх їхній буде будуть бути був була були було є має мають дуже лише "
                 "тільки теж також між біля до поки коли якщо ніж",
    "thai": "จน แก่ ไปยัง มายัง จนกระทั่ง ตั้งแต่ เพราะ หรือไม่",  # until, to, towards, since, because
}
# Letters a language never writes, though others of its script do: a document holding one
# is not in that language (Ukrainian's і/ї/є/ґ are not Russian; Persian's پ/چ/ژ/گ/ی/ک, Urdu's
# ٹ/ڈ/ڑ/ں/ے are not Arabic; Arabic's ي/ك/ة are not written in Persian or Urdu).
NOT_IN = {
    "russian": "іїєґ", "bulgarian": "іїєґыэё", "ukrainian": "ыэъё",
    "arabic": "پچژگیکٹڈڑںےھ", "persian": "يكةٹڈڑںے", "urdu": "يكة",
}
CJK = frozenset({"chinese", "japanese"})  # written without spaces between words
BY_SCRIPT = CJK | {"korean"}  # told apart by their scripts, not by stop words
DEFAULT = "english"
SAMPLE = 500  # documents sampled for detection, evenly spaced
SAMPLE_CHARS = 3000  # characters of each looked at
MIN_WORDS = 5  # a document with fewer words does not vote
MIN_HIT_RATE = 0.08  # nor one whose best stop-word list covers less of its words (Turkish,
# agglutinative, has few separate function words: 5-15% of a short document)
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
        f"got {value!r}; for a language not listed, give its stop words with --stop-words FILE.")


@lru_cache(maxsize=None)
def stop_words(language):
    """The stop words of ``language`` (a name of LANGUAGES), NFKC-normalized and lowercase, as
    the tokenizer sees words: stopwordsiso's list, Greek's also with the accent each word may
    carry (the list is written without), Ukrainian's and Thai's with ``MORE_STOP_WORDS``."""
    words = set(stopwordsiso.stopwords(LANGUAGES[language])) | set(MORE_STOP_WORDS.get(language, "").split())
    words = {unicodedata.normalize("NFKC", w).lower() for w in words}
    if language == "greek":
        words |= {w[:i] + _TONOS[c] + w[i + 1:] for w in words if not set(w) & _ACCENTED
                  for i, c in enumerate(w) if c in _TONOS}
    return frozenset(words)


_TONOS = dict(zip("αεηιουω", "άέήίόύώ"))
_ACCENTED = frozenset("άέήίόύώΐΰ")


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
    how : {'set', 'detected', 'default', 'unknown'}
        Given by the user; detected; the default, when no sampled document was long enough
        to vote; or unknown, when more sampled documents fit no language's stop words than
        fit the commonest language (then English's list only, and no stemming).
    shares : tuple of (str, float)
        Share of the sampled documents detected in each language, commonest first.
    sampled : int
        Documents that voted (long enough, and with stop words of some language).
    unrecognised : int
        Sampled documents long enough to vote whose words no language's list fits.
    segmenter : {'', 'jieba', 'bigrams', 'newmm', 'clusters', 'jieba+newmm', ...}
        How Chinese and Thai text is cut into terms, fixed when the language is chosen (jieba,
        pythainlp's newmm when installed; else character bigrams, cluster pairs): a saved
        model's terms are only matched when new texts are cut the same way. '' without Chinese
        or Thai (and in models saved before it was recorded).
    """

    language: str = DEFAULT
    languages: tuple = (DEFAULT,)
    how: str = "default"
    shares: tuple = ()
    sampled: int = 0
    segmenter: str = ""
    unrecognised: int = 0

    def __post_init__(self):
        names = (self.language, *self.languages)
        if "auto" in names or self.how not in ("set", "detected", "default", "unknown") or not self.languages \
                or not set(self.segmenter.split("+")) <= {"", "jieba", "bigrams", "newmm", "clusters"}:
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
        unstemmed = (f"; no Snowball stemmer for {self.language}: words are not stemmed"
                     if stem and not has_stemmer(self.language) else "")
        if self.how == "set":
            return f"{self.language} (set){unstemmed}"
        if self.how == "default":
            return f"{self.language} (the default: no document long enough to detect a language)"
        if self.how == "unknown":
            return (f"not recognised: {self.unrecognised} of {self.sampled + self.unrecognised} sampled documents "
                    f"fit no language we have stop words for; English stop words only, no stemming "
                    f"(give --language NAME, or your stop words with --stop-words FILE)")
        if self.mixed:
            parts = ", ".join(f"{name} {share:.0%}" for name, share in self.shares)
            return (f"mixed ({parts} of {self.sampled} sampled documents); main language: {self.language}"
                    + (f"; with stemming, each document is stemmed in its own language "
                       f"({', '.join(stemmable(self))}; the main one when too short to tell)" if stem else ""))
        return (f"{self.language} (detected in {self.shares[0][1]:.0%} of {self.sampled} sampled documents)"
                f"{unstemmed}")

    def to_dict(self):
        return {"language": self.language, "languages": list(self.languages), "how": self.how,
                "shares": {name: round(share, 4) for name, share in self.shares}, "sampled": self.sampled} \
            | ({"segmenter": self.segmenter} if self.segmenter else {}) \
            | ({"unrecognised": self.unrecognised} if self.unrecognised else {})

    @classmethod
    def from_dict(cls, d):
        return cls(d["language"], tuple(d["languages"]), d["how"], tuple(dict(d["shares"]).items()), int(d["sampled"]),
                   d.get("segmenter", ""), int(d.get("unrecognised", 0)))


def with_segmenter(choice):
    """``choice`` with how its Chinese and Thai will be cut: jieba and pythainlp's newmm
    when they can be imported, else character bigrams and cluster pairs ('' without them)."""
    ways = []
    for language, package, word, fallback in (("chinese", "jieba", "jieba", "bigrams"),
                                              ("thai", "pythainlp", "newmm", "clusters")):
        if language in choice.languages:  # (the cjk and thai extras; dictionaries load on the first cut)
            ways.append(word if importlib.util.find_spec(package) is not None else fallback)
    return replace(choice, segmenter="+".join(ways)) if ways else choice


class DocumentTokens(list):
    """A document's tokens, and the language whose stemmer stems them (a mixed corpus)."""

    def __init__(self, tokens, *, language):
        super().__init__(tokens)
        self.language = language


def stemmable(choice):
    """The languages of ``choice`` (a :class:`LanguageChoice`) that have a Snowball stemmer
    (none for a corpus in no language we know)."""
    return [] if choice.how == "unknown" else [name for name in choice.languages if has_stemmer(name)]


def document_language(text, choice):
    """The language a document of a mixed corpus is stemmed in: its own, detected as
    :func:`detect_document` does, when it is one of ``choice.languages``; else the main
    language (a document too short to tell). None for a language without a stemmer."""
    found = detect_document(text)
    found = found if found in choice.languages else choice.language
    return found if has_stemmer(found) else None


def choose_language(texts, setting="auto"):
    """A :class:`LanguageChoice` for ``texts``: ``setting`` itself (a language name), or for
    'auto' the languages detected in a sample of the texts."""
    setting = language_name(setting)
    if setting != "auto":
        return with_segmenter(LanguageChoice(setting, (setting,), "set"))
    texts = texts if isinstance(texts, (list, tuple)) else list(texts)
    step = max(1, len(texts) // SAMPLE)
    votes = Counter(filter(lambda v: v is not None, (_vote(t) for t in texts[::step][:SAMPLE])))
    unrecognised = votes.pop("", 0)
    n = sum(votes.values())
    if not n and not unrecognised:
        return LanguageChoice()
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    shares = tuple((name, count / n) for name, count in ranked)
    if unrecognised > (ranked[0][1] if ranked else 0):  # most documents are in none we know
        return LanguageChoice(DEFAULT, (DEFAULT,), "unknown", shares, n, unrecognised=unrecognised)
    present = tuple(name for name, count in ranked if count >= 2 and count / n >= MIXED_SHARE)
    present = present or (ranked[0][0],)
    return with_segmenter(LanguageChoice(present[0], present, "detected", shares, n))


def detect_document(text):
    """The language of one text, or None when it is too short or matches no list well."""
    return _vote(text) or None


def _vote(text):
    """The language of one text; '' when it is long enough but no language fits (unrecognised);
    None when it is too short, or two languages tie."""
    text = unicodedata.normalize("NFKC", text[:SAMPLE_CHARS]).lower()
    chars = Counter(text)
    scripts = Counter()
    for char, count in chars.items():
        if char.isalpha():
            scripts[_script(char)] += count
    letters = sum(scripts.values())
    if not letters:
        return None
    han, kana, hangul = (len(p.findall(text)) for p in (_HAN, _KANA, _HANGUL))
    if han + kana + hangul >= 0.3 * letters:
        if hangul > han + kana:
            return "korean"
        return "japanese" if kana >= 0.1 * (han + kana) else "chinese"
    script = scripts.most_common(1)[0][0]
    candidates = [name for name in _by_script().get(script, ()) if not set(NOT_IN.get(name, "")) & chars.keys()]
    words = _WORD.findall(text)
    if len(candidates) == 1 and letters >= 5 * MIN_WORDS:  # Greek, Hebrew, Thai, ...: the script says
        return candidates[0]
    if len(words) < MIN_WORDS:
        return None
    hits = Counter()
    lists = _lists_of_words()
    for word, count in Counter(words).items():
        for name in lists.get(word, ()):
            if name in candidates:
                hits[name] += count
    if not hits:
        return ""
    (best, count), *rest = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    if rest and rest[0][1] == count:  # a tie ("a python module for data": danish = english) says nothing
        return None
    return best if count >= max(2, MIN_HIT_RATE * len(words)) else ""


@lru_cache(maxsize=4096)
def _script(char):
    """The script of a letter as Unicode names it: 'LATIN', 'GREEK', 'CYRILLIC', 'CJK', ..."""
    try:
        return unicodedata.name(char).split()[0]
    except ValueError:
        return ""


@lru_cache(maxsize=1)
def _by_script():
    """script -> the languages (told apart by stop words) whose stop words are written in it."""
    found = {}
    for name in sorted(set(LANGUAGES) - BY_SCRIPT):
        scripts = Counter(_script(c) for word in stop_words(name) for c in word if c.isalpha())
        found.setdefault(scripts.most_common(1)[0][0], []).append(name)
    return found


@lru_cache(maxsize=1)
def _lists_of_words():
    """word -> the languages whose stop-word list holds it (those told apart by stop words)."""
    lists = {}
    for name in sorted(set(LANGUAGES) - BY_SCRIPT):
        for word in stop_words(name):
            lists.setdefault(word, []).append(name)
    return lists
