"""From text to terms: one definition of a token, used for fitting and for scoring new text.

E-mail cleaning, boilerplate lines and invisible characters out (clean.py) -> NFKC-normalize
-> lowercase -> NLTK regexp tokenizer (needs no NLTK data) -> drop stop words, numbers and short tokens ->
optional Snowball stemming (cached per unique token) -> optional n-grams. A stem is shown to
people as its most frequent surface form.
"""

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nltk.tokenize import RegexpTokenizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .clean import MODES as CLEAN_MODES
from .clean import clean_email, drop_lines, email_parts_of, repeated_lines, strip_invisible
from .clean import visible_id
from .mail import Tally, author, signatures_of
from .errors import CorpusError, ParameterError
from .languages import ELISIONS, DocumentTokens, LanguageChoice, choose_language, language_name
from .languages import document_language, stemmable, stop_words as language_stop_words
from .stemmers import stemmer
from .templates import template_lines
from .segment import cjk_splitter

try:  # NLTK 3.10 compiles caller patterns through its ReDoS guard
    from nltk import redos
except ImportError:  # older NLTK compiles them with re, unguarded
    redos = None

# Words with inner apostrophes stay whole ("o'brien"); a trailing possessive 's is cut.
TOKEN_PATTERN = r"[^\W_]+(?:['\u2019][^\W_]+)*"
# English contractions, honorifics and reporting verbs, which scikit-learn's list leaves out.
CONTRACTIONS = frozenset(
    "don't doesn't didn't isn't aren't wasn't weren't won't wouldn't can't couldn't shouldn't "
    "hasn't haven't hadn't it's i'm i've i'd i'll you're you've you'll you'd we're we've we'll "
    "we'd they're they've they'll they'd he's she's that's there's what's let's who's "
    "also said says say just like will would could may might must shall mr mrs ms dr".split()
)
DEFAULT_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | CONTRACTIONS


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class PreprocessOptions:
    """How text becomes terms. Every default is defined here.

    Attributes
    ----------
    min_token_length : int, default=2
    keep_numbers : bool, default=False
        Tokens starting with a digit ("2004", "3d") are dropped unless True.
    stem : bool, default=False
        Snowball stemming in the corpus's language; terms are still displayed as words.
    ngram_max : int, default=1
        Longest n-gram kept (1: single words only).
    stop_words : frozenset of str
        Lowercase words dropped before stemming and n-grams.
    clean_email : {'auto', 'always', 'never'}, default='auto'
        Strip e-mail headers (keeping the subject), quoted replies and signatures; 'auto'
        only in documents that start with an e-mail header block (see clean.py).
    repeated_line_share : float, default=0.2
        Lines found in at least this share of the documents (and in 10 or more; documents
        of one line are not counted) are a template's boilerplate and are dropped; 0 keeps
        every line. The lines themselves are learned state: see :class:`Preprocessing`.
    language : str, default='auto'
        The corpus's language (a name or ISO 639-1 code of ``languages.LANGUAGES``), or
        'auto' to detect it (see :mod:`topicnmf.languages`). Its stop words are added to
        ``stop_words`` while the built-in English list is in it (English is that list);
        its Snowball stemmer stems; Chinese and Japanese are cut into word-sized tokens.
    """

    min_token_length: int = 2
    keep_numbers: bool = False
    stem: bool = False
    ngram_max: int = 1
    stop_words: frozenset = field(default=DEFAULT_STOP_WORDS, repr=False)
    clean_email: str = "auto"
    repeated_line_share: float = 0.2
    language: str = "auto"

    def __post_init__(self):
        object.__setattr__(self, "language", language_name(self.language))
        share = self.repeated_line_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ParameterError(
                f"repeated_line_share must be a number from 0 to 1 (0: keep every line); got {share!r}."
            )
        if self.clean_email not in CLEAN_MODES:
            raise ParameterError(
                f"clean_email must be one of {', '.join(CLEAN_MODES)}; got {self.clean_email!r}."
            )
        if not _is_int(self.min_token_length) or self.min_token_length < 1:
            raise ParameterError(f"min_token_length must be an int >= 1; got {self.min_token_length!r}.")
        if not _is_int(self.ngram_max) or not 1 <= self.ngram_max <= 5:
            raise ParameterError(f"ngram_max must be an int from 1 to 5; got {self.ngram_max!r}.")
        for name in ("keep_numbers", "stem"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"{name} must be True or False; got {getattr(self, name)!r}.")
        if not isinstance(self.stop_words, frozenset):
            object.__setattr__(self, "stop_words", frozenset(self.stop_words))

    def to_dict(self):
        return {
            "min_token_length": self.min_token_length,
            "keep_numbers": self.keep_numbers,
            "stem": self.stem,
            "ngram_max": self.ngram_max,
            "stop_words": sorted(self.stop_words),
            "clean_email": self.clean_email,
            "repeated_line_share": self.repeated_line_share,
        } | ({} if self.language == "auto" else {"language": self.language})

    @classmethod
    def from_dict(cls, d):
        return cls(
            min_token_length=d["min_token_length"], keep_numbers=d["keep_numbers"],
            stem=d["stem"], ngram_max=d["ngram_max"], stop_words=frozenset(d["stop_words"]),
            # models saved before e-mail cleaning existed never cleaned
            clean_email=d.get("clean_email", "never"),
            repeated_line_share=d.get("repeated_line_share", 0),
            language=d.get("language", "auto"),
        )


@dataclass(frozen=True)
class Preprocessing:
    """Fitted preprocessing: the options, and what was learned from the corpus with them.

    Attributes
    ----------
    options : PreprocessOptions
    boilerplate_lines : frozenset of str
        The template lines dropped from every document (learned by :func:`learn_boilerplate`);
        kept with a saved model so new documents are read the same way.
    language : LanguageChoice
        The corpus's language(s), set or detected (by :func:`learn_boilerplate`); saved
        with a model unless it is plain English.
    """

    options: PreprocessOptions = PreprocessOptions()
    boilerplate_lines: frozenset = field(default=frozenset(), repr=False)
    signatures: frozenset = field(default=frozenset(), repr=False)
    cleaning: object = field(default=None, repr=False, compare=False)  # mail.MailCleaning of the corpus
    language: LanguageChoice = LanguageChoice()

    def to_dict(self):
        learned = {"signatures": sorted(map(list, self.signatures))} if self.signatures else {}
        plain = self.language.languages == ("english",) and self.language.how != "unknown"
        language = {} if plain else {"language_choice": self.language.to_dict()}
        return self.options.to_dict() | {"boilerplate_lines": sorted(self.boilerplate_lines)} | learned | language

    @classmethod
    def from_dict(cls, d):
        language = LanguageChoice.from_dict(d["language_choice"]) if "language_choice" in d else LanguageChoice()
        return cls(PreprocessOptions.from_dict(d), frozenset(d.get("boilerplate_lines", ())),
                   frozenset(tuple(b) for b in d.get("signatures", ())), language=language)


def learn_boilerplate(texts, options, ids=None):
    """:class:`Preprocessing` with what ``texts`` teach: the language (set or detected), the
    signatures mail authors repeat without a delimiter, the boilerplate lines (after e-mail
    cleaning; with ``ids``, also each source's and language's template lines:
    :mod:`.templates`), and a summary of the e-mail cleaning (None when no document is mail
    and the mode is not 'always')."""
    mode = options.clean_email
    texts = list(texts)
    language = choose_language(texts, options.language)
    parts = email_parts_of(texts, mode)  # each message parsed once
    signatures = signatures_of((who, p) for text, (is_message, p) in zip(texts, parts)
                               if is_message and p is not None and (who := author(text)) is not None)
    tally = Tally(mode)
    cleaned = tally.texts_of(texts, parts, signatures)
    del parts
    share = options.repeated_line_share
    summary = tally.summary(len(signatures)) if tally.messages or mode == "always" else None
    lines = repeated_lines(cleaned, share) | template_lines(cleaned, ids, language, share) if share else frozenset()
    return Preprocessing(options, lines, signatures, summary, language)


MAX_STOP_WORDS_MB = 16  # a word list is small; /dev/zero or a wrong file is not read on and on


def read_stop_words(path, *, max_mb=MAX_STOP_WORDS_MB):
    """Words from a UTF-8 file, one per line; blank lines and lines starting with '#'
    ignored. A file larger than ``max_mb`` is a CorpusError."""
    limit = int(max_mb * 2**20)
    try:
        with open(Path(path), "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise CorpusError(f"{path}: the stop-word file is larger than {max_mb:g} MB; "
                              "it should hold one word a line.")
        lines = data.decode("utf-8-sig").splitlines()
    except (OSError, ValueError) as exc:  # ValueError: undecodable, or a name with a NUL byte
        # the name shown with its control characters escaped: the message stays one line
        raise CorpusError(f"{visible_id(str(path))}: cannot read the stop-word file "
                          f"({visible_id(str(exc))}).") from None
    return frozenset(
        w.strip().lower() for w in lines if w.strip() and not w.lstrip().startswith("#")
    )


class _Tokenizer(RegexpTokenizer):
    """NLTK's regexp tokenizer for our one fixed pattern, without the wall-clock guard
    NLTK puts on caller-supplied patterns (it doubled tokenizing time: 2.25 s vs 1.16 s on
    Debian's descriptions). TOKEN_PATTERN has no nested or alternated repeats, so it
    matches in linear time; NLTK's docs say to pass ``timeout=None`` for a trusted pattern,
    and the pattern still goes through NLTK's pattern checks."""

    def _check_regexp(self):
        if self._regexp is None and redos is not None:
            self._regexp = redos.compile(self._pattern, self._flags, timeout=None)
        super()._check_regexp()

    def findall(self):
        """The ``findall`` of the pattern NLTK compiled, without its per-call wrappers (for
        this gapless tokenizer ``tokenize(text)`` is exactly ``findall(text)``: 0.45 s of
        1.2 s per 100k package summaries went to the wrappers)."""
        self._check_regexp()
        return getattr(self._regexp, "_rx", self._regexp).findall  # redos' TimedPattern holds it


class _PerToken(dict):
    """``fn(token)`` for each token, computed once per unique token: a corpus has far
    fewer unique tokens than tokens, and the lookup runs in C (``map``)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, token):
        value = self[token] = self.fn(token)
        return value


class Analyzer:
    """Callable text -> list of terms; the one definition of a token.

    Filtering and stemming are decided once per unique token and cached (filtering every
    token in a Python loop cost 0.6 s more on Debian's 57,343 descriptions; stemming every
    token is ~16x slower than looking it up).
    """

    def __init__(self, options=PreprocessOptions(), boilerplate_lines=frozenset(), language=None):
        self.signatures = frozenset()
        if isinstance(options, Preprocessing):
            self.signatures = options.signatures
            options, boilerplate_lines, language = options.options, options.boilerplate_lines, options.language
        language = language or LanguageChoice()
        self.options = options
        self.boilerplate_lines = boilerplate_lines
        self.language = language
        # a language's stop words join the list while the built-in (English) list is in use
        self.stop_words = options.stop_words
        if DEFAULT_STOP_WORDS <= options.stop_words:
            for name in language.languages:
                if name != "english":
                    self.stop_words = self.stop_words | language_stop_words(name)
        self._findall = _Tokenizer(TOKEN_PATTERN).findall()  # NLTK's compiled pattern, called directly
        self._split = cjk_splitter(language.languages, language.segmenter)
        self._elisions = [ELISIONS[name] for name in language.languages if name in ELISIONS]
        stems = options.stem and language.language in stemmable(language)
        self._stemmer = stemmer(language.language) if stems else None
        self._kept = _PerToken(self._keep)
        self._stems = _PerToken(self._stemmer) if self._stemmer else None
        # a mixed corpus: each document stemmed in its own language
        self._by_language = ({name: _PerToken(stemmer(name)) for name in stemmable(language)}
                             if options.stem and language.mixed else {})

    def clean(self, text):
        """The text without e-mail apparatus, boilerplate lines, zero-width characters, soft
        hyphens and ANSI escapes (what is tokenized)."""
        cleaned = clean_email(text, self.options.clean_email, self.signatures)
        return strip_invisible(drop_lines(cleaned, self.boilerplate_lines))

    def _keep(self, tok):
        """The token as kept (apostrophe normalized, possessive cut), or '' to drop it."""
        o = self.options
        tok = tok.replace("\u2019", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        for elision in self._elisions:  # French and Italian: "l'équipe" is "équipe"
            tok = elision.sub("", tok)
        if (
            len(tok) < max(o.min_token_length, 1)
            or tok in self.stop_words
            or (not o.keep_numbers and tok[0].isdigit())
        ):
            return ""
        return tok

    def tokens(self, text, clean=True):
        """Surface tokens kept after filtering, in order; ``clean=False`` for words a user
        gives (anchors, excluded terms): a word that is also a template line ('Sport') stays."""
        text = unicodedata.normalize("NFKC", self.clean(text) if clean else text).lower()
        tokens = self._findall(text)
        if self._split is not None:  # Chinese, Japanese, Korean: word-sized tokens
            tokens = [t for token in tokens for t in self._split(token)]
        kept = list(filter(None, map(self._kept.__getitem__, tokens)))
        # in a mixed corpus the document's language picks the stemmer of its stems
        return DocumentTokens(kept, language=document_language(text, self.language)) if self._by_language else kept

    def stem(self, token):
        return self._stems[token] if self._stemmer is not None else token

    def stems(self, tokens):
        """A document's tokens stemmed (in a mixed corpus in the document's language), or None."""
        table = self._by_language.get(tokens.language) if isinstance(tokens, DocumentTokens) else self._stems
        return None if table is None else list(map(table.__getitem__, tokens))

    def terms_from_tokens(self, tokens):
        stems = self.stems(tokens)
        unigrams = list(tokens) if stems is None else [s for s in stems if s not in self.stop_words]
        terms = list(unigrams)
        for n in range(2, self.options.ngram_max + 1):
            terms.extend(" ".join(unigrams[i:i + n]) for i in range(len(unigrams) - n + 1))
        return terms

    def __call__(self, text):
        return self.terms_from_tokens(self.tokens(text))


@dataclass(frozen=True)
class AnalyzedCorpus:
    """Terms of every document, and how each term is shown to people."""

    terms: tuple  # tuple of lists of terms, one per document
    display: dict  # term -> readable form


def analyze(texts, analyzer, on_document=None):
    """Run ``analyzer`` over every text and derive each term's display form.

    With stemming, a stem is displayed as its most frequent surface form
    (ties broken alphabetically); an n-gram as its parts' display forms.
    ``on_document``, if given, is called after each text (progress).
    """
    surfaces = defaultdict(Counter)
    all_terms = []
    for text in texts:
        if on_document is not None:
            on_document()
        tokens = analyzer.tokens(text)
        if analyzer.options.stem:
            for tok, stem in zip(tokens, analyzer.stems(tokens) or tokens):
                surfaces[stem][tok] += 1
        all_terms.append(analyzer.terms_from_tokens(tokens))
    word = {stem: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for stem, c in surfaces.items()}
    display = {}
    for terms in all_terms:
        for term in terms:
            if term not in display:
                display[term] = " ".join(word.get(p, p) for p in term.split(" "))
    return AnalyzedCorpus(tuple(all_terms), display)
