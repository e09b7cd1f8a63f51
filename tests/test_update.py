"""topicnmf update: new documents folded into a saved model, topic numbers kept."""

import json

import numpy as np
import pandas as pd
import pytest

from topicnmf.align import compare, load_topics
from topicnmf.cli import main

from conftest import BUNDLED, read_jsonl, shared_corpus


def _split(tmp_path):
    """The field guides: two of every three files as the old corpus, the rest as new."""
    old, new = tmp_path / "old", tmp_path / "new"
    for i, file in enumerate(sorted(BUNDLED.rglob("*.txt"))):
        target = (new if i % 3 == 0 else old) / file.parent.name / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    return old, new


def test_update_keeps_numbers_grows_the_vocabulary_and_says_how_far_topics_moved(tmp_path, capsys):
    old, new = _split(tmp_path)
    assert main(["run", str(old), "--topics", "6", "-q", "--out", str(tmp_path / "run")]) == 0
    assert main(["update", str(tmp_path / "run"), str(new), "-q", "--out", str(tmp_path / "up")]) == 0
    assert capsys.readouterr().out.count("similarity") == 6
    data = json.loads((tmp_path / "up" / "update.json").read_text(encoding="utf-8"))
    assert data["n_documents"] == len(list(new.rglob("*.txt")))
    assert data["old_weight"] == len(list(old.rglob("*.txt")))  # from the run's topics.json
    assert data["n_terms_added"] > 0
    before, after = load_topics(tmp_path / "run"), load_topics(tmp_path / "up")
    assert len(after.terms) == len(before.terms) + data["n_terms_added"]
    assert after.terms[: len(before.terms)] == before.terms
    kept = compare(before, after).of_status("kept")
    assert len(kept) == 6 and all(m.old == m.new for m in kept)  # same topic, same number
    moved = pd.read_csv(tmp_path / "up" / "update.csv")
    assert list(moved.topic) == [1, 2, 3, 4, 5, 6]
    assert np.allclose(moved.similarity, [m.similarity for m in kept], atol=1e-4)
    assert ((moved.similarity > 0.3) & (moved.similarity < 1)).all()
    doc_topics = pd.read_csv(tmp_path / "up" / "doc_topics.csv")
    assert len(doc_topics) == data["n_documents"]
    assert "| topic | label | label before | similarity" in (tmp_path / "up" / "update.md").read_text()
    # update.csv's label is the updated model's (as topics.csv and `show` name the topic)
    labels = json.loads((tmp_path / "up" / "model" / "model.json").read_text(encoding="utf-8"))["labels"]
    assert list(moved.label) == labels and list(moved.old_label) == list(before.labels)
    # the updated model scores documents like any other
    assert main(["transform", str(tmp_path / "up"), str(new), "-q", "--out", str(tmp_path / "t")]) == 0


def test_update_errors_are_one_line(tmp_path, capsys):
    old, new = _split(tmp_path)
    assert main(["update", str(tmp_path / "none"), str(new), "--out", str(tmp_path / "u")]) == 1
    assert "no saved model here" in capsys.readouterr().err
    assert main(["run", str(old), "--topics", "3", "-q", "--out", str(tmp_path / "run")]) == 0
    assert main(["update", str(tmp_path / "run"), str(new), "--old-weight", "-1", "-q",
                 "--out", str(tmp_path / "u")]) == 1
    assert "--old-weight must be a number >= 0; got -1.0." in capsys.readouterr().err


@pytest.mark.slow
def test_bbc_update_lands_next_to_a_full_refit(tmp_path):
    rows = read_jsonl(shared_corpus("bbc-news.jsonl.gz"))
    order = np.random.default_rng(0).permutation(len(rows))
    half = len(rows) // 2
    for name, part in (("a", order[:half]), ("b", order[half:]), ("all", order)):
        with open(tmp_path / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(rows[i]) + "\n" for i in sorted(part))
    for name in ("a", "all"):
        assert main(["run", str(tmp_path / f"{name}.jsonl"), "--topics", "5", "-q", "--formats",
                     "json", "--out", str(tmp_path / f"run-{name}")]) == 0
    assert main(["update", str(tmp_path / "run-a"), str(tmp_path / "b.jsonl"), "-q",
                 "--out", str(tmp_path / "up")]) == 0
    full = load_topics(tmp_path / "run-all")
    updated = compare(load_topics(tmp_path / "up"), full).of_status("kept")
    first_half = compare(load_topics(tmp_path / "run-a"), full).of_status("kept")
    assert len(updated) == 5 and min(m.similarity for m in updated) >= 0.99
    assert min(m.similarity for m in updated) > max(m.similarity for m in first_half)


def test_updates_chain_and_the_old_weight_grows(tmp_path):
    old, new = _split(tmp_path)
    assert main(["run", str(old), "--topics", "6", "-q", "--out", str(tmp_path / "run")]) == 0
    assert main(["update", str(tmp_path / "run"), str(new), "-q", "--out", str(tmp_path / "u1")]) == 0
    assert main(["update", str(tmp_path / "u1" / "model"), str(new), "-q",
                 "--out", str(tmp_path / "u2")]) == 0
    first, second = (json.loads((tmp_path / n / "update.json").read_text(encoding="utf-8"))
                     for n in ("u1", "u2"))
    assert second["old_weight"] == first["old_weight"] + first["n_documents"]
    assert second["n_terms_added"] == 0  # the first update already took the new terms
    # the Python call README shows weighs the old model as the command does (the documents it
    # stands for, recorded in the model), not as the size of the new batch
    from topicnmf.corpus import read_corpus
    from topicnmf.model import load_model
    from topicnmf.update import update_model

    for folder, data in (("run", first), ("u1", second)):
        done = update_model(load_model(tmp_path / folder), read_corpus(new))
        assert done.old_weight == data["old_weight"] != len(list(new.rglob("*.txt")))


@pytest.mark.slow
def test_topics_a_new_batch_leaves_out_are_said_taken_over_and_held_by_old_weight(tmp_path, capsys):
    """A model of 400 BBC articles (five sections) updated with 600 business and
    entertainment articles: the least-squares update hands topics the new batch hardly uses
    to its subjects (as a refit on all 1,000 would), says which, and --old-weight 3x the
    old corpus holds every topic."""
    rows = read_jsonl(shared_corpus("bbc-news.jsonl.gz"))
    order = np.random.default_rng(0).permutation(len(rows))
    new = [i for i in order[400:] if rows[i]["label"] in ("business", "entertainment")][:600]
    for name, part in (("old", order[:400]), ("new", new)):
        with open(tmp_path / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(rows[i]) + "\n" for i in sorted(part))
    assert main(["run", str(tmp_path / "old.jsonl"), "--topics", "5", "-q", "--formats", "json",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["update", str(tmp_path / "run"), str(tmp_path / "new.jsonl"), "--out", str(tmp_path / "up")]) == 0
    err = capsys.readouterr().err
    assert "which the new documents use little, went to their subjects" in err and "raise --old-weight" in err
    assert main(["update", str(tmp_path / "run"), str(tmp_path / "new.jsonl"), "--old-weight", "1200",
                 "--out", str(tmp_path / "held")]) == 0
    assert "went to their subjects" not in capsys.readouterr().err
    held = json.loads((tmp_path / "held" / "update.json").read_text(encoding="utf-8"))["topics"]
    assert min(t["similarity"] for t in held) > 0.9
