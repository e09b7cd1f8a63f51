"""Anchor words from a TOML file: analyzed like the corpus, reported when missing, carried
as the anchored topics' labels into every output, and checked against the data."""

import json

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
    assert err.strip().endswith(f"{none}: anchor 'bread': none of its words (zzyzxq, the) is in the "
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


def test_strength_and_too_many_anchors(tmp_path):
    with pytest.raises(ParameterError, match="anchor_strength must be a number >= 0; got -1"):
        RunConfig(anchor_strength=-1)
    path = write(tmp_path, '[anchors]\na = ["dough"]\nb = ["yeast"]\nc = ["planets"]\n')
    with pytest.raises(ParameterError, match=r"3 anchored topics need n_topics >= 3; got n_topics=2"):
        pipeline.fit(BUNDLED, RunConfig(n_topics=2, anchors=str(path)))
