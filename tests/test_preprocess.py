import pytest

from topicnmf.errors import ParameterError
from topicnmf.preprocess import Analyzer, PreprocessOptions, analyze, read_stop_words


def test_lowercase_stop_words_numbers_and_short_tokens():
    a = Analyzer()
    assert a("The 2004 Cats sat on a mat in 3D; it's Tom's hat") == ["cats", "sat", "mat", "tom", "hat"]


def test_keep_numbers_and_min_length():
    a = Analyzer(PreprocessOptions(keep_numbers=True, min_token_length=4))
    assert a("in 2004 the cats ran") == ["2004", "cats"]


def test_unicode_words_and_typographic_apostrophes():
    a = Analyzer()
    assert a("Caf\u00e9 na\u00efve O\u2019Brien\u2019s \ufb01sh") == ["caf\u00e9", "na\u00efve", "o'brien", "fish"]


def test_stemming_caches_and_displays_the_most_frequent_word():
    a = Analyzer(PreprocessOptions(stem=True))
    analyzed = analyze(["running runs running", "runner ran running"], a)
    assert analyzed.terms[0] == ["run", "run", "run"]
    assert analyzed.display["run"] == "running"
    assert a._stems["running"] == "run"


def test_ngrams_are_built_after_stop_words():
    a = Analyzer(PreprocessOptions(ngram_max=2))
    assert a("the stock market fell") == ["stock", "market", "fell", "stock market", "market fell"]


def test_custom_stop_words_file(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("# comment\nMarket\n\nfell\n", encoding="utf-8")
    words = read_stop_words(path)
    assert words == {"market", "fell"}
    assert Analyzer(PreprocessOptions(stop_words=words))("stock market fell") == ["stock"]


def test_invalid_options():
    with pytest.raises(ParameterError, match="ngram_max must be an int from 1 to 5"):
        PreprocessOptions(ngram_max=9)
    with pytest.raises(ParameterError, match="min_token_length"):
        PreprocessOptions(min_token_length=0)


def test_tokenizer_gives_nltks_tokens_on_real_text():
    """The unguarded tokenizer (our pattern is linear) must split exactly as NLTK's own."""
    from nltk.tokenize import RegexpTokenizer

    from topicnmf.corpus import read_corpus
    from topicnmf.preprocess import TOKEN_PATTERN, _Tokenizer

    from conftest import BUNDLED

    texts = read_corpus(BUNDLED).texts + ["O\u2019Brien's caf\u00e9 \u2014 x_y 3.5 'quoted' rock'n'roll", ""]
    ours, nltk = _Tokenizer(TOKEN_PATTERN), RegexpTokenizer(TOKEN_PATTERN)
    assert sum(len(ours.tokenize(t)) for t in texts) > 5_000
    assert all(ours.tokenize(t) == nltk.tokenize(t) for t in texts)
