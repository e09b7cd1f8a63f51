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


def test_the_other_files_of_a_parquet_folder_are_counted_as_skipped(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "part-0.parquet", text=TEXTS[:2])
    _write(tmp_path / "sub" / "part-1.parquet", text=TEXTS[2:])
    (tmp_path / "_SUCCESS").touch()  # as a Spark job leaves them
    (tmp_path / "sub" / "schema.json").write_text("{}")
    (tmp_path / ".part-0.parquet.crc").write_text("x")  # hidden: left out as in a folder of texts
    corpus = read_corpus(tmp_path)
    assert corpus.texts == TEXTS
    assert [(s.source, s.reason) for s in corpus.skipped] == [("_SUCCESS", "suffix not in extensions"),
                                                              ("sub/schema.json", "suffix not in extensions")]
    assert "skipped 2 (2 suffix not in extensions)" in corpus.summary()


def test_a_folder_with_text_files_is_still_a_folder_of_texts(tmp_path, capsys):
    from topicnmf.cli import main

    _write(tmp_path / "a.parquet", text=TEXTS[:2])
    (tmp_path / "note.txt").write_text("Only this text file is a document.")
    corpus = read_corpus(tmp_path)
    assert corpus.ids == ["note.txt"]
    # the Parquet file is not read, and the summary says so and why (not "suffix not in extensions")
    assert [(s.source, s.reason) for s in corpus.skipped] == [("a.parquet", parquet_reader.BESIDE_TEXTS)]
    (tmp_path / "more.txt").write_text("A second text file about rivers and the sea.")
    assert main(["run", str(tmp_path), "--topics", "2", "--out", str(tmp_path.parent / "out")]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert "read 2 documents" in first and "1 parquet file beside text files (pass it alone" in first, first
    with pytest.raises(CorpusError, match="a.parquet: parquet file beside text files"):
        read_corpus(tmp_path, strict=True)


def test_missing_columns_name_the_file_and_the_columns(tmp_path):
    path = tmp_path / "docs.parquet"
    _write(path, body=TEXTS)
    with pytest.raises(CorpusError, match=r"docs.parquet: no column 'text'; columns are \['body'\]"):
        read_corpus(path)
    with pytest.raises(CorpusError, match="no column 'who' for id_column"):
        read_corpus(path, text_column="body", id_column="who")


@pytest.mark.parametrize("column, named", [
    (pa.array([1, 2, 3, 4]), "holds int64 values, not text"),
    (pa.array([t.split() for t in TEXTS]), "join each row's tokens into one string"),
    (pa.array([{"en": t} for t in TEXTS]), "holds struct<en: string> values, not text"),
])
def test_a_text_column_of_another_type_is_named_not_called_empty(tmp_path, capsys, column, named):
    from topicnmf.cli import main

    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"text": column, "title": ["a", "b", "c", "d"]}), path)
    assert main(["run", str(path), "--topics", "2", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert named in err and "column 'text'" in err and "['title']" in err and "empty" not in err, err
    assert not (tmp_path / "out").exists()


def test_an_id_or_label_column_of_lists_is_left_out_or_refused_when_chosen(tmp_path, caplog):
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"text": TEXTS, "id": [[i] for i in range(4)], "label": [["a", "b"]] * 4}), path)
    with caplog.at_level("WARNING"):
        corpus = read_corpus(path)
    assert corpus.ids == ["row-1", "row-2", "row-3", "row-4"]  # not "[0]", "[1]" ...
    assert corpus.metadata() == {}  # no label "['a', 'b']"
    assert "column 'label' holds list<" in caplog.text and "not one label a row: left out" in caplog.text
    with pytest.raises(CorpusError, match=r"column 'id' holds list<.*int64> values, not one id a row; set id_column"):
        read_corpus(path, id_column="id")


def test_a_binary_text_column_is_decoded_as_text_files_are(tmp_path):
    path = tmp_path / "docs.parquet"
    cells = [t.encode() for t in TEXTS] + ["Caf\u00e9 cr\u00e8me on the terrace by the sea.".encode("cp1252"),
                                           None, b"\x00\x01\x02\x03 not text"]
    pq.write_table(pa.table({"text": pa.array(cells, pa.binary())}), path)
    corpus = read_corpus(path)
    assert corpus.texts == TEXTS + ["Caf\u00e9 cr\u00e8me on the terrace by the sea."]
    assert [s.source for s in corpus.skipped] == ["row-6", "row-7"]  # empty, and bytes that are no text


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


def test_doc_topics_parquet_of_undated_and_unlabelled_documents_out_of_core(tmp_path):
    import pandas as pd

    from topicnmf.cli import main
    from topicnmf.report import parquet as parquet_report

    path = tmp_path / "docs.csv"
    rows = [{"id": f"d{i}", "text": f"{TEXTS[i % 4]} {TEXTS[(i + 1) % 4]}",
             "date": "" if i == 3 else f"2020-01-{i + 1:02d}", "label": "" if i == 5 else "x"} for i in range(20)]
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "out"  # (a run crashed at its end, nothing written, on one empty date or label cell)
    assert main(["run", str(path), "--topics", "2", "-q", "--formats", "csv,parquet", "--out", str(out),
                 "--max-memory", "100KB"]) == 0
    table = pd.read_parquet(out / "doc_topics.parquet")
    assert table["date"].isna().tolist() == [i == 3 for i in range(20)]
    assert table["label"].isna().tolist() == [i == 5 for i in range(20)]
    # a block of rows whose cells are all empty stays a string column (the blocks share one schema)
    block = parquet_report.arrow_table(pd.DataFrame({"doc_id": ["a"], "topic_1": [1.0], "date": [float("nan")]}))
    assert str(block.schema.field("date").type) == "string" and block.column("date").null_count == 1


def test_doc_topics_parquet_holds_the_csv_table(tmp_path):
    import pandas as pd

    out = tmp_path / "out"
    from topicnmf.cli import main

    from conftest import BUNDLED
    assert main(["run", str(BUNDLED), "--topics", "4", "--out", str(out), "-q", "--formats", "csv,parquet"]) == 0
    csv_table = pd.read_csv(out / "doc_topics.csv")
    table = pq.read_table(out / "doc_topics.parquet").to_pandas()
    assert list(table.columns) == list(csv_table.columns)
    assert table.doc_id.tolist() == csv_table.doc_id.tolist()
    assert table.dominant_topic.tolist() == csv_table.dominant_topic.tolist()
    for t in range(1, 5):  # the CSV rounds to 6 significant digits
        assert abs(table[f"topic_{t}"] - csv_table[f"topic_{t}"]).max() < 1e-5
    assert "doc_topics.parquet" in json.loads((out / "manifest.json").read_text())["files"]


def test_empty_date_and_label_cells_are_nulls_in_doc_topics_parquet(tmp_path):
    # One blank date or label cell made the whole run end in a pyarrow traceback, after the
    # fit, with nothing written (a large corpus writes the Parquet table by default).
    import csv

    import pandas as pd

    from topicnmf.cli import main

    source = tmp_path / "docs.csv"
    with open(source, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "date", "label"])
        for i, text in enumerate(TEXTS * 3):
            writer.writerow([f"d{i}", text, "" if i == 3 else f"2020-01-{i + 1:02d}", "" if i == 5 else "geo"])
    out = tmp_path / "out"
    assert main(["run", str(source), "--topics", "2", "--out", str(out), "-q", "--formats", "csv,parquet"]) == 0
    table = pq.read_table(out / "doc_topics.parquet").to_pandas()
    csv_table = pd.read_csv(out / "doc_topics.csv")
    assert table.date.isna().tolist() == csv_table.date.isna().tolist()
    assert table.date.isna().sum() == 1 and table.label.isna().sum() == 1
    assert table.label.dropna().eq("geo").all()


def test_a_large_corpus_gets_parquet_beside_its_csv(monkeypatch):
    from topicnmf import pipeline
    from topicnmf.report import parquet as parquet_report
    from topicnmf.report.writer import render

    from conftest import BUNDLED
    result = pipeline.fit(BUNDLED, n_topics=3)
    assert "doc_topics.parquet" not in render(result, ("csv",))
    monkeypatch.setattr(parquet_report, "LARGE_CORPUS", 100)
    assert set(render(result, ("csv",))) == {"topics.csv", "doc_topics.csv", "doc_topics.parquet"}


def test_writing_parquet_without_pyarrow_names_the_extra(monkeypatch):
    import pandas as pd

    from topicnmf.errors import TopicNMFError
    from topicnmf.report.parquet import doc_topics_parquet
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(TopicNMFError, match=r"pip install 'topicnmf\[parquet\]'"):
        doc_topics_parquet(pd.DataFrame({"doc_id": ["a"]}))


def test_asking_for_parquet_without_pyarrow_is_said_before_the_run(tmp_path, monkeypatch, capsys):
    """--formats parquet without pyarrow: the one line naming the extra comes before any
    reading (it came after the whole run: 24 s on 100,000 package summaries out of core)."""
    from topicnmf import pipeline
    from topicnmf.cli import main

    from conftest import BUNDLED
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("the run started"))
    status = main(["run", str(BUNDLED), "--formats", "csv,parquet", "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err.strip()
    assert status != 0 and len(err.splitlines()) == 1 and "pip install 'topicnmf[parquet]'" in err, err
    assert "formats" in err and not (tmp_path / "out").exists()
