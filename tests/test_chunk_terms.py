"""A chunk's compiled term counts are the analyzer's, text by text (itself NLTK's tokens): on
odd scripts, on random strings of the characters where engines and normal forms disagree,
with every cleaning and filtering option, and on real corpora."""

import string

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from nltk.tokenize import RegexpTokenizer

from topicnmf.chunk_terms import APOSTROPHE, SEPARATOR, WORD, ChunkTerms, character_classes
from topicnmf.passes import analyze_chunk
from topicnmf.preprocess import Analyzer, PreprocessOptions, learn_boilerplate

from conftest import read_jsonl, shared_corpus

ODD = ["O\u2019Brien's café — naïve coöperation", "हिन्दी भाषा में लिखा गया पाठ",
       "e\u0301te\u0301 \u00e9t\u00e9 x\u0301y", "snake_case and__double 3d 2024-05 co-op rock'n'roll",
       "Ǆemal ﬁnance ＡＢＣ１２３ ⅻ ²nd ٣rd", "'quoted' ''' ’’ don't x'y'z ab'' e’f’g’s",
       "Ελληνικά κείμενα ΟΔΟΣ ΟΔΟΣΑ, Русский текст", "\u0301starts with a mark", "ends with e",
       f"the {SEPARATOR} separator{SEPARATOR}inside", "esc \x1b[31mred\x1b[0m text", "",
       "From: a@example.org\nSubject: rivers and plains\n\nthe body of a message",
       "Note: a first word with a colon", "pla\u00adnet zero\u200bwidth join\ufeffed", "İstanbul ŞEHİR",
       "\ud800 lone surrogate", "tab\tand\nnew\r\nlines", "Café Straße ﬃ", "l'équipe d'été"]
OPTIONS = [PreprocessOptions(), PreprocessOptions(keep_numbers=True, min_token_length=1),
           PreprocessOptions(stem=True), PreprocessOptions(clean_email="always"),
           PreprocessOptions(clean_email="never", min_token_length=4), PreprocessOptions(language="french")]


def _by_text(terms, counts):
    """Each row's {term: count}."""
    return [{terms[j]: v for j, v in zip(counts.indices[a:b].tolist(), counts.data[a:b].tolist())}
            for a, b in zip(counts.indptr[:-1], counts.indptr[1:])]


def _reference(analyzer, texts):
    """The analyzer's terms of each text, counted."""
    rows = []
    for text in texts:
        row = {}
        for term in analyzer(text):
            row[term] = row.get(term, 0) + 1
        rows.append(row)
    return rows


def _same(analyzer, chunks):
    chunk_terms = ChunkTerms(analyzer)
    for texts in chunks:
        counts, _ = chunk_terms.count(texts)
        assert counts.shape == (len(texts), len(chunk_terms.terms))
        assert _by_text(chunk_terms.terms, counts) == _reference(analyzer, texts)
    return chunk_terms


@pytest.mark.parametrize("options", OPTIONS)
def test_odd_texts_give_the_analyzers_terms_chunk_after_chunk(options):
    analyzer = Analyzer(learn_boilerplate(ODD, options))
    chunk_terms = _same(analyzer, [ODD, ODD[::-1], ODD[:1], [], ODD[3:7] * 3])
    assert chunk_terms.compiled
    assert len(set(chunk_terms.terms)) == len(chunk_terms.terms)  # numbered once each


def test_learned_boilerplate_and_mail_signatures_are_cleaned_as_by_the_analyzer():
    texts = [f"Header of the site\nstory {i} about rivers\nAll rights reserved" for i in range(30)]
    texts += [f"From: a@example.org\nSubject: s{i}\n\nmessage {i}\n\nAnn Author\nExample Inc." for i in range(30)]
    preprocessing = learn_boilerplate(texts, PreprocessOptions())
    assert preprocessing.boilerplate_lines
    _same(Analyzer(preprocessing), [texts[:25], texts[25:]])


@pytest.mark.parametrize("options", [PreprocessOptions(ngram_max=2), PreprocessOptions(language="chinese")])
def test_ngrams_and_segmented_scripts_go_text_by_text_with_the_same_terms(options):
    texts = ODD + ["東京都の天気は晴れ 北京欢迎你"]
    analyzer = Analyzer(learn_boilerplate(texts, options))
    chunk_terms = _same(analyzer, [texts, texts[::-1]])
    assert not chunk_terms.compiled


def test_stemmed_chunks_count_each_stems_surface_forms():
    analyzer = Analyzer(PreprocessOptions(stem=True))
    texts = ["running runners run", "the runner ran running", "runs"]
    _, surfaces = ChunkTerms(analyzer).count(texts)
    assert surfaces["run"] == {"running": 2, "run": 1, "runs": 1}
    assert surfaces["runner"] == {"runners": 1, "runner": 1}
    assert _same(analyzer, [texts]).terms == ["run", "runner", "ran"]


def test_analyze_chunk_numbers_a_chunks_terms_in_order_of_appearance():
    terms, counts, _ = analyze_chunk(Analyzer(), ["rivers flood plains", "plains and rivers", "ice"])
    assert terms == ["rivers", "flood", "plains", "ice"]
    assert counts.toarray().tolist() == [[1, 1, 1, 0], [1, 0, 1, 0], [0, 0, 0, 1]]


def test_word_characters_are_the_engines_code_point_by_code_point():
    classes = character_classes()
    reference = RegexpTokenizer(r"[^\W_]+")
    rng = np.random.default_rng(0)
    sample = np.concatenate([np.arange(0, 0x3000), rng.integers(0x3000, 0x110000, size=20000)])
    for code in sample.tolist():
        ch = chr(code)
        expected = APOSTROPHE if ch in "'\u2019" else WORD if reference.tokenize(ch) == [ch] else 0
        assert classes[code] == expected, hex(code)


ALPHABET = (string.ascii_letters + string.digits + "_'’ \n\t-.:" + "éÉßİıΣσςΟ\u0301\u0308\u00ad\u200b\ufeff"
            + "ﬁ²①Ⅻ٣ー한글中\x1b" + SEPARATOR + "\ud800")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=8), st.booleans())
def test_random_texts_give_the_analyzers_terms(texts, keep_numbers):
    _same(Analyzer(PreprocessOptions(keep_numbers=keep_numbers, min_token_length=1 if keep_numbers else 2)),
          [texts, texts[::-1]])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bbc-news.jsonl.gz", "debian-packages.jsonl.gz", "enwiki-sample.jsonl.gz"])
def test_real_corpora_give_the_analyzers_terms(name):
    texts = [row["text"] for row in read_jsonl(shared_corpus(name))[:6000]]
    for options in (PreprocessOptions(), PreprocessOptions(stem=True, keep_numbers=True, min_token_length=1)):
        analyzer = Analyzer(learn_boilerplate(texts, options))
        _same(analyzer, [texts[i:i + 1000] for i in range(0, len(texts), 1000)])
