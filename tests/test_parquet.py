"""Parquet input: one file or a folder of files, read in record batches (the parquet extra)."""

import json
import subprocess
import sys

import pytest

from topicnmf.corpus import iter_documents, read_corpus
from topicnmf.errors import CorpusError
from topicnmf.readers import parquet as parquet_reader

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TEXTS = ["Rivers carry water and sediment to the sea.", "Mountains rise where plates collide.",
         "The forest floor holds fungi and ferns.", "Sea ice forms in the polar winter."]


def _write(path, **columns):
    pq.write_table(pa.table(columns), path, row_group_size=2)


def test_a_parquet_file_reads_like_a_csv(tmp_path):
    path = tmp_path / "docs.parquet"
    _write(path, body=TEXTS + [None, "  "], key=["a", "b", "c", "d", "e", "f"],
           label=["x", "y", None, "x", "y", "x"], published=["2020", "2021", "2022", "2023", None, None])
    corpus = read_corpus(path, text_column="body", id_column="key", date_column="published")
    assert corpus.texts == TEXTS
    assert corpus.ids == ["a", "b", "c", "d"]
    assert corpus.metadata() == {"label": ["x", "y", None, "x"], "date": ["2020", "2021", "2022", "2023"]}
    assert [s.source for s in corpus.skipped] == ["row-5", "row-6"]


def test_a_folder_of_parquet_files_is_read_in_path_order(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 1)  # record batches of one row
    (tmp_path / "b").mkdir()
    _write(tmp_path / "b" / "part-1.parquet", text=TEXTS[2:], id=[7, 8])
    _write(tmp_path / "a.parquet", text=TEXTS[:2])
    corpus = read_corpus(tmp_path)
    assert corpus.texts == TEXTS  # a.parquet before b/part-1.parquet, rows in file order
    assert corpus.ids == ["a.parquet:row-1", "a.parquet:row-2", "7", "8"]
    assert [d.text for d in iter_documents(tmp_path)] == TEXTS


def test_a_folder_with_text_files_is_still_a_folder_of_texts(tmp_path):
    _write(tmp_path / "a.parquet", text=TEXTS[:2])
    (tmp_path / "note.txt").write_text("Only this text file is a document.")
    assert read_corpus(tmp_path).ids == ["note.txt"]


def test_missing_columns_name_the_file_and_the_columns(tmp_path):
    path = tmp_path / "docs.parquet"
    _write(path, body=TEXTS)
    with pytest.raises(CorpusError, match=r"docs.parquet: no column 'text'; columns are \['body'\]"):
        read_corpus(path)
    with pytest.raises(CorpusError, match="no column 'who' for id_column"):
        read_corpus(path, text_column="body", id_column="who")


def test_a_damaged_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "docs.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(CorpusError, match="docs.parquet: not a readable Parquet file"):
        read_corpus(path)


def test_without_pyarrow_the_message_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "docs.parquet"
    _write(path, text=TEXTS)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import fails as if not installed
    with pytest.raises(CorpusError, match=r"pip install 'topicnmf\[parquet\]'"):
        read_corpus(path)


def test_cli_runs_on_a_parquet_file(tmp_path):
    path = tmp_path / "docs.parquet"
    _write(path, text=TEXTS * 3)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "topicnmf", "run", str(path), "--topics", "2",
                           "--out", str(out), "-q", "--formats", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "topics.json").read_text())["corpus"]["n_documents"] == 12
