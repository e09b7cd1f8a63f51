"""Each language's Snowball stemmer, where one exists.

NLTK's ``SnowballStemmer`` for its languages (the ones topicnmf stemmed with first, so their
stems stay as they were), then the ``snowballstemmer`` package (the Snowball project's own
Python build: Greek, Turkish, Polish, Czech, Catalan, Indonesian, ...) for the others. A
language with neither is not stemmed.
"""

from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer

NLTK = frozenset(SnowballStemmer.languages) - {"porter"}


def _snowball_algorithms():
    try:
        import snowballstemmer
    except ImportError:  # a core dependency; an install without it stems only NLTK's languages
        return frozenset()
    return frozenset(snowballstemmer.algorithms()) - {"porter", "dutch_porter"}


SNOWBALL = _snowball_algorithms() - NLTK


def has_stemmer(language):
    """Whether ``language`` (a name of ``languages.LANGUAGES``) has a Snowball stemmer."""
    return language in NLTK or language in SNOWBALL


@lru_cache(maxsize=None)
def stemmer(language):
    """token -> stem for ``language``, or None where no Snowball stemmer exists."""
    if language in NLTK:
        return SnowballStemmer(language).stem
    if language in SNOWBALL:
        import snowballstemmer

        return snowballstemmer.stemmer(language).stemWord
    return None
