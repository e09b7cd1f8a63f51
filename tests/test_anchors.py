"""Anchor words from a TOML file: analyzed like the corpus, reported when missing, carried
as the anchored topics' labels into every output, and checked against the data."""

import json
import shutil

import pytest

from topicnmf import pipeline
from topicnmf.anchors import read_anchors
from topicnmf.cli import main
from topicnmf.config import RunConfig
from topicnmf.errors import ParameterError

from conftest import BUNDLED


def write(tmp_path, text, name="anchors.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_anchored_topics_carry_their_names_in_every_output(tmp_path, capsys):
    anchors = write(tmp_path, '[anchors]\n"night sky" = ["Planets", "telescope"]\n'
                              'bread = ["dough", "yeast", "flour"]\n')
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "6", "--anchors", str(anchors), "--stem",
                 "--out", str(out), "-q"]) == 0
    data = json.loads((out / "topics.json").read_text())
    labelled = {t["label"]: t for t in data["topics"]}
    assert {"night sky", "bread"} <= set(labelled)
    # "Planets" found through the corpus's own analyzer (case, stemming)
    assert set(labelled["night sky"]["anchor"]["lift"]) == {"Planets", "telescope"}
    assert not labelled["bread"]["anchor"]["contradicted"]
    bread_terms = [x["term"] for x in labelled["bread"]["terms"]]
    assert {"dough", "yeast", "flour"} <= set(bread_terms)
    assert "## Topic" in (out / "report.md").read_text() and "bread" in (out / "report.md").read_text()
    assert "night sky" in (out / "report.html").read_text(encoding="utf-8")
    assert 'anchors = "' in (out / "config.toml").read_text()
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "[bread]: " in shown and "[night sky]: " in shown


def test_a_document_with_no_terms_left_does_not_break_the_anchor_check(tmp_path):
    # a document left without terms has no dominant topic (<NA>); the check must skip it
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED, corpus)
    (corpus / "numbers.txt").write_text("12345 !!!\n", encoding="utf-8")
    anchors = write(tmp_path, '[anchors]\nbread = ["dough", "yeast", "flour"]\n')
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--topics", "6", "--anchors", str(anchors), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "topics.json").read_text())
    assert "bread" in {t["label"] for t in data["topics"]}


def test_a_missing_word_is_reported_and_an_anchor_with_none_is_an_error(tmp_path, capsys):
    anchors = write(tmp_path, '[anchors]\nbread = ["dough", "zzyzxq"]\n')
    assert main(["run", str(BUNDLED), "--topics", "4", "--anchors", str(anchors),
                 "--out", str(tmp_path / "a"), "--formats", "json"]) == 0
    err = capsys.readouterr().err
    assert f"anchor 'bread' ({anchors}): 'zzyzxq' not in the vocabulary" in err
    none = write(tmp_path, '[anchors]\nbread = ["zzyzxq", "the"]\n', "none.toml")
    assert main(["run", str(BUNDLED), "--topics", "4", "--anchors", str(none),
                 "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert err.strip().endswith(f"{none}: anchor 'bread': none of its words ('zzyzxq', 'the') is in the "
                                "vocabulary; use words of the corpus (check --stem, --min-df, stop words).")
    assert not (tmp_path / "b").exists()


def test_a_contradicting_anchor_is_reported(tmp_path, capsys):
    anchors = write(tmp_path, '[anchors]\nbread = ["dough", "yeast", "telescope"]\n')
    result = pipeline.fit(BUNDLED, RunConfig(n_topics=6, anchors=str(anchors)))
    (check,) = result.anchors
    assert check.contradicted and check.weak_words == ("telescope",)
    assert result.topics.prevalence.set_index("topic").loc[check.topic, "label"] == "bread"


@pytest.mark.parametrize("text, message", [
    ("anchors = 3", r"needs an \[anchors\] table"),
    ("[anchors]\nbread = []\n", r"anchor 'bread' must be a list of words"),
    ("[anchors]\nbread = [1, 2]\n", r"anchor 'bread' must be a list of words"),
    ("[anchors\n", r"not a valid TOML anchors file"),
])
def test_bad_anchor_files_are_refused_before_reading(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ParameterError, match=message):
        RunConfig(anchors=str(path))
    with pytest.raises(ParameterError, match="cannot read the anchors file"):
        read_anchors(tmp_path / "absent.toml")


def test_anchors_need_the_frobenius_loss(tmp_path, capsys):
    path = write(tmp_path, '[anchors]\nbread = ["dough"]\n')
    assert main(["run", str(BUNDLED), "--anchors", str(path), "--loss", "kullback-leibler",
                 "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err == (
        "topicnmf: error: anchors are fitted with --loss='frobenius'; drop the --anchors or the "
        "other loss.\n")


def test_strength_and_too_many_anchors(tmp_path):
    with pytest.raises(ParameterError, match="anchor_strength must be a number >= 0; got -1"):
        RunConfig(anchor_strength=-1)
    path = write(tmp_path, '[anchors]\na = ["dough"]\nb = ["yeast"]\nc = ["planets"]\n')
    with pytest.raises(ParameterError, match=r"3 anchored topics need n_topics >= 3; got n_topics=2"):
        pipeline.fit(BUNDLED, RunConfig(n_topics=2, anchors=str(path)))


@pytest.mark.slow
def test_bbc_anchored_sections_hold_their_names_and_agreement(tmp_path):
    from sklearn.metrics import normalized_mutual_info_score

    from topicnmf.corpus import ReadOptions

    bbc = BUNDLED.parents[1].parent / "shared" / "corpora" / "bbc-news.jsonl.gz"
    if not bbc.exists():
        pytest.skip("../shared/corpora/bbc-news.jsonl.gz is absent")
    path = write(tmp_path, "[anchors]\n" + "".join(f'{n} = ["{a}", "{b}"]\n' for n, a, b in (
        ("business", "shares", "economy"), ("entertainment", "film", "album"),
        ("politics", "election", "minister"), ("sport", "match", "coach"),
        ("tech", "software", "computer"))))
    config = RunConfig(n_topics=5, anchors=str(path), read=ReadOptions(label_column="label"))
    result = pipeline.fit(str(bbc), config)
    doc_topics = result.topics.doc_topics
    names = dict(zip(result.topics.prevalence["topic"], result.topics.prevalence["label"]))
    for section, rows in doc_topics.groupby("label"):
        assert names[int(rows["dominant_topic"].mode()[0])] == section
    nmi = normalized_mutual_info_score(doc_topics["label"], doc_topics["dominant_topic"])
    assert nmi >= 0.862  # the unguided fit's
    assert not any(c.contradicted for c in result.anchors)
