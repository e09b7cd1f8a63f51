"""Golden outputs: the reports of fixed runs, byte for byte.

The files under tests/golden/ were written by the command line before the core was
reshaped (one RunConfig, one pipeline.run, typed results, the engine protocol); every
refactoring since must reproduce them exactly. Regenerate them only for an intended change
of output, with the commands in tests/golden/README.md, and say so in the commit.
"""

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from topicnmf.cli import main

from conftest import ROOT, shared_corpus

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "field-guides-6": ["run", "--topics", "6"],
    "field-guides-auto": ["run", "--topics", "auto"],
    "field-guides-kl": ["run", "--topics", "4", "--loss", "kullback-leibler"],
    "field-guides-options": ["run", "--topics", "5", "--folder-labels", "--restarts", "3", "--init",
                             "random", "--stem", "--ngrams", "2"],
    "field-guides-sweep": ["sweep", "--topics", "3:8"],
}


def _comparable(path):
    """The file's text; report.html without its one line of timings."""
    text = path.read_text(encoding="utf-8")
    if path.name == "report.html":
        text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("Time: "))
    return text


@pytest.mark.parametrize("case", sorted(CASES))
def test_reports_equal_the_golden_files(case, tmp_path, monkeypatch, capsys):
    command, *args = CASES[case]
    monkeypatch.chdir(ROOT)  # the source path is recorded as given: corpora/field-guides
    out = tmp_path / case
    assert main([command, "corpora/field-guides", *args, "--out", str(out), "-q"]) == 0
    expected = sorted(p for p in (GOLDEN / case).iterdir() if p.name != "stdout.txt")
    for path in expected:
        written = out / ("model" if path.name == "model.json" else "") / path.name
        assert _comparable(written) == _comparable(path), f"{case}/{path.name} differs"
    if (GOLDEN / case / "stdout.txt").exists():
        assert capsys.readouterr().out == (GOLDEN / case / "stdout.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_bbc_news_reports_equal_their_golden_digests(tmp_path, monkeypatch):
    source = shared_corpus("bbc-news.jsonl.gz")
    monkeypatch.chdir(tmp_path)
    with open("bbc.jsonl", "w", encoding="utf-8") as f:  # as written when the digests were made
        for line in gzip.open(source, "rt", encoding="utf-8"):
            f.write(json.dumps(json.loads(line)) + "\n")
    assert main(["run", "bbc.jsonl", "--topics", "5", "--out", "out", "-q"]) == 0
    for line in (GOLDEN / "bbc-news-5.sha256").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        assert hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest() == digest, name
