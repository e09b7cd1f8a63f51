"""A table's text column holding HTML (a CMS export) is read as .html files are: its visible
text, said on stderr; text_markup 'none' keeps it raw, and plain text is left alone."""

import csv
import json
import logging

import pytest

from conftest import BUNDLED
from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.corpus import ReadOptions, read_corpus
from topicnmf.errors import ParameterError

RESIDUE = {"quot", "nbsp", "amp", "class", "article", "body", "paragraph", "h1", "div", "href", "rsquo"}


def rows():
    for path in sorted(BUNDLED.rglob("*.txt")):
        title, *body = path.read_text(encoding="utf-8").split("\n")
        text = " ".join(body).replace('"', "&quot;").replace("'", "&rsquo;").replace(" and ", " &amp; ")
        yield {"id": path.stem, "label": path.parent.name,
               "text": f"<h1>{title}</h1><p class=\"article-body\">{text}&nbsp;</p>"
                       f"<div class=\"related\"><a href=\"/{path.parent.name}\">More</a></div>"}


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_html_in_a_text_column_is_read_as_its_visible_text(tmp_path, kind, caplog):
    table = tmp_path / f"cms.{kind}"
    with open(table, "w", encoding="utf-8", newline="") as f:
        if kind == "csv":
            writer = csv.DictWriter(f, ["id", "text", "label"])
            writer.writeheader()
            writer.writerows(rows())
        else:
            f.writelines(json.dumps(row) + "\n" for row in rows())
    with caplog.at_level(logging.INFO, logger="topicnmf"):
        corpus = read_corpus(table)
    assert "the 'text' column holds HTML (50 of its first 50 texts have tags or entities)" in caplog.text
    assert corpus.texts[0].startswith("Finding Saturn in the evening sky\nSaturn is low")
    terms = set(pipeline.run(corpus, n_topics=6).result.dtm.terms)
    assert not terms & RESIDUE  # before: quot, nbsp, amp, rsquo ... as terms
    raw = set(pipeline.run(read_corpus(table, ReadOptions(text_markup="none")), n_topics=6).result.dtm.terms)
    assert {"amp", "rsquo"} <= raw


def test_plain_text_with_angle_brackets_is_left_alone(tmp_path, caplog):
    table = tmp_path / "plain.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["id", "text"])
        writer.writeheader()
        writer.writerows({"id": i, "text": f"Ask <joe@example.org> if a < b > c holds for row {i}; AT&T said so."}
                         for i in range(60))
    with caplog.at_level(logging.INFO, logger="topicnmf"):
        corpus = read_corpus(table)
    assert "holds HTML" not in caplog.text and corpus.texts[0].startswith("Ask <joe@example.org> if a < b > c")


def test_the_setting_is_checked_and_on_the_command_line(tmp_path, capsys):
    with pytest.raises(ParameterError, match="text_markup must be one of auto, html, none; got 'xml'"):
        ReadOptions(text_markup="xml")
    table = tmp_path / "t.jsonl"
    table.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")
    assert main(["run", str(table), "--topics", "2", "--text-markup", "html", "--out", str(tmp_path / "o")]) == 0
    assert "its visible text is read, as for .html files (--text-markup 'none' keeps it" in capsys.readouterr().err
