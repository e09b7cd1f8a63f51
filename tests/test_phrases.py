"""Phrase labels: collocations of the corpus, representative of each topic's documents,
never a stop-word phrase, shown beside the top terms; user labels win."""

import json

from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.config import RunConfig
from topicnmf.phrases import NOUNS, candidates, topic_phrases, words
from topicnmf.preprocess import DEFAULT_STOP_WORDS

from conftest import BUNDLED


def test_words_are_letters_not_touching_digits():
    assert words("Profits of $1.13bn at the Bank of England's 2nd-quarter") == [
        "profits", "of", "at", "the", "bank", "of", "england's", "quarter"]


def test_collocations_need_the_words_together_and_no_stop_word_at_either_end():
    docs = ([["interest", "rates", "rose", "at", "the", "bank"]] * 4
            + [["the", "bank", "of", "england", "held", "interest", "rates"]] * 4
            + [["rates", "of", "pay", "rose"], ["interest", "in", "film"], ["the", "film"]])
    found = candidates(docs, DEFAULT_STOP_WORDS, min_llr=0)
    assert "interest rates" in found and "bank of england" in found
    function_words = DEFAULT_STOP_WORDS - NOUNS  # "interest" may start a phrase, "of" may not
    assert not any(p.split()[0] in function_words or p.split()[-1] in function_words for p in found)
    assert "the bank" not in found and "rates of" not in found


def test_each_topic_gets_the_phrases_of_its_own_documents():
    import numpy as np

    texts = ["Interest rates rose as the central bank met.", "Interest rates fell; the central bank "
             "waited.", "The central bank kept interest rates.", "The striker scored at the world cup.",
             "A world cup match was won.", "Who won the world cup?"]
    shares = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3)
    first, second = topic_phrases(texts, shares, DEFAULT_STOP_WORDS)
    assert "interest rates" in first and "central bank" in first
    assert "world cup" in second and not set(first) & set(second)


def test_phrase_labels_on_the_bundled_corpus(tmp_path):
    anchors = tmp_path / "a.toml"
    anchors.write_text('[anchors]\nbread = ["dough", "yeast"]\n')
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "6", "--phrase-labels", "--anchors", str(anchors),
                 "--out", str(out), "-q"]) == 0
    topics = json.loads((out / "topics.json").read_text())["topics"]
    texts = " ".join(p.read_text(encoding="utf-8").lower() for p in BUNDLED.rglob("*.txt"))
    for t in topics:
        assert t["phrases"], t["label"]
        for phrase in t["phrases"]:
            first, *_, last = phrase.split()
            assert first not in DEFAULT_STOP_WORDS - NOUNS and last not in DEFAULT_STOP_WORDS - NOUNS
            assert texts.count(phrase) >= 2  # surface text of the corpus, in two places or more
        assert t["label"] == ("bread" if "anchor" in t else t["phrases"][0])  # user labels win
    assert "Phrases: " in (out / "report.md").read_text()


def test_phrase_labels_are_off_by_default():
    result = pipeline.fit(BUNDLED, RunConfig(n_topics=3))
    assert "phrases" not in result.topics.prevalence.columns
