"""The analyzer's tokens are NLTK's RegexpTokenizer's, token for token, on real corpora and on
scripts where regex engines disagree (combining marks, apostrophes, CJK, digits)."""

import unicodedata

import pytest
from nltk.tokenize import RegexpTokenizer

from topicnmf.preprocess import TOKEN_PATTERN, Analyzer, PreprocessOptions

from conftest import read_jsonl, shared_corpus

REFERENCE = RegexpTokenizer(TOKEN_PATTERN)
ODD = ["O\u2019Brien's café — naïve coöperation", "हिन्दी भाषा में लिखा गया पाठ", "東京都の天気は晴れ",
       "e\u0301te\u0301 \u00e9t\u00e9 x\u0301y", "snake_case and__double 3d 2024-05 co-op rock'n'roll",
       "Ǆemal ﬁnance ＡＢＣ１２３ ⅻ", "'quoted' ''' ’’ don't", "Ελληνικά κείμενα, Русский текст"]


def _reference_tokens(analyzer, text):
    """Analyzer.tokens as written before: NLTK's tokenize, then the per-token filter."""
    text = unicodedata.normalize("NFKC", analyzer.clean(text)).lower()
    return [t for t in map(analyzer._keep, REFERENCE.tokenize(text)) if t]


@pytest.mark.parametrize("options", [PreprocessOptions(), PreprocessOptions(keep_numbers=True, min_token_length=1)])
def test_odd_scripts_give_nltks_tokens(options):
    analyzer = Analyzer(options)
    for text in ODD:
        assert analyzer.tokens(text) == _reference_tokens(analyzer, text)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bbc-news.jsonl.gz", "debian-packages.jsonl.gz", "enwiki-sample.jsonl.gz"])
def test_real_corpora_give_nltks_tokens(name):
    analyzer = Analyzer(PreprocessOptions(keep_numbers=True, min_token_length=1))
    for row in read_jsonl(shared_corpus(name))[:20000]:
        assert analyzer.tokens(row["text"]) == _reference_tokens(analyzer, row["text"])
