"""The same topic under the same number: --align-to and topicnmf compare."""

import csv
import json

import numpy as np
import pandas as pd
import pytest

from topicnmf.align import Topics, compare, topic_order
from topicnmf.cli import main

from conftest import BUNDLED, read_jsonl, shared_corpus


def _topics(H, terms, labels=None):
    H = np.asarray(H, dtype=float)
    return Topics(H, tuple(terms), tuple(terms), tuple(labels or [f"t{i}" for i in range(len(H))]))


def test_topics_match_over_the_union_vocabulary_and_unmatched_ones_are_new_or_gone():
    old = _topics([[1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0.1]], ["a", "b", "c", "d"])
    # new: the c/d topic first, an x/y topic (new), then the a topic without b; no term b
    new = _topics([[1, 1, 0, 0, 0], [0, 0, 0, 1, 1], [0, 0, 1, 0, 0]], ["c", "d", "a", "x", "y"])
    result = compare(old, new)
    assert result.similarity.shape == (3, 3) and result.n_union_terms == 6
    kept = {(m.old, m.new) for m in result.of_status("kept")}
    assert kept == {(1, 3), (2, 1)}
    assert [m.new for m in result.of_status("new")] == [2]
    assert [m.old for m in result.of_status("gone")] == [3]
    assert next(m for m in result.matches if m.old == 1).left == ("b",)  # b left topic 1


def test_order_keeps_old_numbers_and_gives_new_topics_fresh_ones():
    old = _topics([[1, 0, 0], [0, 1, 0]], ["a", "b", "c"])
    new = _topics([[0, 0, 1], [0, 1, 0], [1, 0, 0]], ["a", "b", "c"])
    order = topic_order(old, new, prevalence=np.array([0.5, 0.3, 0.2]))
    assert list(order) == [2, 1, 0]  # a-topic as 1, b-topic as 2, the new c-topic as 3
    fewer = topic_order(_topics(np.eye(3), "abc"), _topics([[0, 0, 1], [1, 0, 0]], "abc"),
                        prevalence=np.array([0.6, 0.4]))
    assert list(fewer) == [1, 0]  # topic 3 cannot keep its number among 2: it takes topic 2's


def _halves(tmp_path):
    """Two overlapping two-thirds of the field guides as CSV files, with their labels."""
    files = sorted(BUNDLED.rglob("*.txt"))
    order = np.random.default_rng(0).permutation(len(files))
    third = len(files) // 3
    paths = []
    for name, rows in (("a", order[: 2 * third]), ("b", order[third:])):
        path = tmp_path / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "text", "label"])
            for i in sorted(rows):
                writer.writerow([files[i].stem, files[i].read_text(encoding="utf-8"),
                                 files[i].parent.name])
        paths.append(path)
    return paths


def _label_topics(out):
    table = pd.read_csv(out / "doc_topics.csv")
    return table, table.groupby("label").dominant_topic.agg(lambda s: s.mode()[0])


def test_overlapping_halves_aligned_give_each_label_the_same_number(tmp_path):
    first, second = _halves(tmp_path)
    assert main(["run", str(first), "--topics", "6", "--out", str(tmp_path / "a"), "-q"]) == 0
    assert main(["run", str(second), "--topics", "6", "--init", "random", "--seed", "7",
                 "--out", str(tmp_path / "b"), "-q", "--align-to", str(tmp_path / "a")]) == 0
    _, numbers = _label_topics(tmp_path / "a")
    table, _ = _label_topics(tmp_path / "b")
    assert numbers.nunique() == 6
    same = (table.dominant_topic == table.label.map(numbers)).mean()
    assert same >= 0.9
    alignment = pd.read_csv(tmp_path / "b" / "alignment.csv")
    assert (alignment.status == "kept").sum() == 6
    assert (alignment.old_topic == alignment.new_topic).all()
    report = json.loads((tmp_path / "b" / "topics.json").read_text(encoding="utf-8"))
    old_labels = pd.read_csv(tmp_path / "a" / "topics.csv").groupby("topic").term.apply(
        lambda t: ", ".join(t.head(3)))
    assert [t["label"] for t in report["topics"]] == list(old_labels)  # labels kept
    assert "## Alignment with the previous model" in (tmp_path / "b" / "report.md").read_text()


def _first_terms(out):
    terms = pd.read_csv(out / "topics.csv")
    return {t: tuple(g.term.head(3)) for t, g in terms.groupby("topic")}


def test_another_seed_aligned_to_the_first_reproduces_its_numbering(tmp_path):
    # k=8 on six sections: seeds 1 and 2 find mostly the same topics, in another prevalence order
    args = ["run", str(BUNDLED), "--topics", "8", "--init", "random", "-q", "--formats", "csv"]
    assert main([*args, "--seed", "1", "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--seed", "2", "--out", str(tmp_path / "plain")]) == 0
    assert main([*args, "--seed", "2", "--out", str(tmp_path / "b"),
                 "--align-to", str(tmp_path / "a" / "model")]) == 0
    a, plain, b = (_first_terms(tmp_path / n) for n in ("a", "plain", "b"))
    number_a = {terms: t for t, terms in a.items()}
    same = [terms for terms in b.values() if terms in number_a]
    assert len(same) >= 5
    assert all(number_a[terms] == t for t, terms in b.items() if terms in number_a)
    assert any(number_a[terms] != t for t, terms in plain.items() if terms in number_a)
    alignment = pd.read_csv(tmp_path / "b" / "alignment.csv")
    kept = alignment[alignment.status == "kept"]
    assert len(kept) >= 7 and (kept.old_topic == kept.new_topic).all()


def test_compare_writes_the_matrix_matches_json_and_page(tmp_path, capsys):
    assert main(["run", str(BUNDLED), "--topics", "6", "-q", "--out", str(tmp_path / "a")]) == 0
    assert main(["run", str(BUNDLED), "--topics", "4", "-q", "--out", str(tmp_path / "b")]) == 0
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out",
                 str(tmp_path / "cmp")]) == 0
    assert "kept, similarity" in capsys.readouterr().out
    similarity = pd.read_csv(tmp_path / "cmp" / "similarity.csv")
    assert similarity.shape == (6, 5) and similarity.iloc[:, 1:].to_numpy().max() <= 1
    matches = pd.read_csv(tmp_path / "cmp" / "matches.csv")
    assert (matches.status == "kept").sum() == 4 and (matches.status == "gone").sum() == 2
    data = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    assert data["counts"] == {"kept": 4, "new": 0, "gone": 2}
    html = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "<script" not in html and "Content-Security-Policy" in html


def test_compare_and_align_name_a_folder_without_a_model(tmp_path, capsys):
    assert main(["compare", str(tmp_path), str(tmp_path), "--out", str(tmp_path / "c")]) == 1
    assert "no saved model here" in capsys.readouterr().err
    assert main(["run", str(BUNDLED), "--topics", "3", "-q", "--out", str(tmp_path / "o"),
                 "--align-to", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert "no saved model here" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_bbc_halves_aligned_keep_every_section_under_one_number(tmp_path):
    rows = read_jsonl(shared_corpus("bbc-news.jsonl.gz"))
    order = np.random.default_rng(0).permutation(len(rows))
    third = len(rows) // 3
    for name, part in (("a", order[: 2 * third]), ("b", order[third:])):
        with open(tmp_path / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(rows[i]) + "\n" for i in sorted(part))
    assert main(["run", str(tmp_path / "a.jsonl"), "--topics", "5", "-q",
                 "--out", str(tmp_path / "a")]) == 0
    assert main(["run", str(tmp_path / "b.jsonl"), "--topics", "5", "-q", "--init", "random",
                 "--seed", "3", "--out", str(tmp_path / "b"), "--align-to", str(tmp_path / "a")]) == 0
    _, numbers = _label_topics(tmp_path / "a")
    table, _ = _label_topics(tmp_path / "b")
    assert numbers.nunique() == 5
    assert (table.dominant_topic == table.label.map(numbers)).mean() >= 0.9


def test_labels_from_a_model_file_stay_text_in_the_compare_page(tmp_path):
    assert main(["run", str(BUNDLED), "--topics", "3", "-q", "--out", str(tmp_path / "a")]) == 0
    meta = tmp_path / "a" / "model" / "model.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["labels"][0] = "<script>alert(1)</script>"
    meta.write_text(json.dumps(data), encoding="utf-8")
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "a"), "--out",
                 str(tmp_path / "c")]) == 0
    html = (tmp_path / "c" / "compare.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    matches = pd.read_csv(tmp_path / "c" / "matches.csv")
    assert (matches.status == "kept").all() and np.allclose(matches.similarity, 1.0)
