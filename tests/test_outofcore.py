"""--max-memory: a run over budget goes out of core (X as partitions in a scratch folder) and
writes the same reports as the run in memory."""

import filecmp
import gzip
import json
import tempfile

import pytest

from topicnmf import outofcore, pipeline
from topicnmf.cli import main
from topicnmf.errors import ParameterError
from topicnmf.resources import parse_size

from conftest import BUNDLED, shared_corpus

REPORTS = ("topics.json", "topics.csv", "doc_topics.csv", "report.md")


def _same_reports(a, b):
    for name in REPORTS:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_tiny_budget_goes_out_of_core_with_the_same_reports(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 40)  # 4 partitions
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the scratch folder goes
    args = ["run", str(BUNDLED), "--topics", "6", "-q", "--formats", "csv,json,md", "--stem", "--ngrams", "2"]
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    with caplog.at_level("INFO", logger="topicnmf"):
        run = pipeline.run(BUNDLED, n_topics=6, max_memory="100KB")
    assert "out of core" in caplog.text and "over the budget of 100.0 KiB" in caplog.text
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "100KB"]) == 0
    _same_reports(tmp_path / "memory", tmp_path / "disk")
    assert not list(tmp_path.glob("topicnmf-scratch-*"))  # removed afterwards
    assert run.result.dtm.shape == pipeline.run(BUNDLED, n_topics=6).result.dtm.shape


@pytest.mark.slow
def test_real_corpus_out_of_core_equals_in_memory(tmp_path):
    path = shared_corpus("bbc-news.jsonl.gz")  # 2,225 documents: 3 partitions of 1,000
    args = ["run", str(path), "--topics", "5", "-q", "--formats", "csv,json,md"]
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "1MB"]) == 0
    _same_reports(tmp_path / "memory", tmp_path / "disk")


def test_plan_estimates_from_the_input(tmp_path):
    path = tmp_path / "docs.jsonl.gz"
    with gzip.open(path, "wt") as f:
        for i in range(5000):
            f.write(json.dumps({"text": f"document number {i} about rivers"}) + "\n")
    config = pipeline.configure(n_topics=5, max_memory="1GB")
    memory = outofcore.plan(path, config)
    assert memory.n_documents == 5000 and not memory.out_of_core
    assert outofcore.plan(path, pipeline.configure(config, max_memory=1000)).out_of_core


def test_auto_topics_over_budget_is_a_clear_error():
    with pytest.raises(ParameterError, match="n_topics='auto' sweeps in memory.*raise max_memory"):
        pipeline.run(BUNDLED, n_topics="auto", max_memory="10KB")


@pytest.mark.parametrize("text, expected", [("2GB", 2 * 2**30), ("500MB", 500 * 2**20), ("1.5 GiB", 3 * 2**29),
                                            ("64k", 65536), (1000, 1000)])
def test_sizes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1GB", "0", "2 parsecs", True])
def test_bad_sizes_name_the_option(text):
    with pytest.raises(ParameterError, match="max_memory must be a size such as 2GB"):
        pipeline.configure(max_memory=text)


def test_cli_bad_size_is_one_line(capsys):
    assert main(["run", str(BUNDLED), "--max-memory", "lots", "--out", "/nonexistent/x"]) != 0
    assert "--max-memory must be a size such as 2GB or 500MB; got 'lots'." in capsys.readouterr().err


def test_parquet_without_pyarrow_is_still_the_readers_message(tmp_path, monkeypatch, capsys):
    import sys

    path = tmp_path / "docs.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 1
    assert "pip install 'topicnmf[parquet]'" in capsys.readouterr().err
