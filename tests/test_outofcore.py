"""--max-memory: a run over budget goes out of core (X as partitions in a scratch folder) and
writes the same reports as the run in memory."""

import filecmp
import gzip
import json
import re
import tempfile

import numpy as np
import pandas as pd
import pytest

from topicnmf import outofcore, pipeline
from topicnmf.cli import main
from topicnmf.docweights import DocWeights, column_top
from topicnmf.topics import DocTopicTable
from topicnmf.errors import ParameterError
from topicnmf.resources import parse_size
from topicnmf.vectorize import VectorizeOptions

from conftest import BUNDLED, shared_corpus

REPORTS = ("topics.json", "topics.csv", "doc_topics.csv", "report.md")


def _same_reports(a, b):
    for name in REPORTS:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_tiny_budget_goes_out_of_core_with_the_same_reports(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 40)  # 4 partitions
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the scratch folder goes
    args = ["run", str(BUNDLED), "--topics", "6", "-q", "--formats", "csv,json,md,html,parquet", "--stem",
            "--ngrams", "2", "--dtype", "float64"]  # (out of core, 'auto' is float32: below)
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    with caplog.at_level("INFO", logger="topicnmf"):
        run = pipeline.run(BUNDLED, n_topics=6, max_memory="100KB")
    assert "out of core" in caplog.text and "over the budget of 100.0 KiB" in caplog.text
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "100KB"]) == 0
    _same_reports(tmp_path / "memory", tmp_path / "disk")
    html = [re.sub(r"Time: [^<]*", "", (tmp_path / side / "report.html").read_text()) for side in ("memory", "disk")]
    assert html[0] == html[1]  # but the stages' timings
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "memory" / "doc_topics.parquet"),
                                  pd.read_parquet(tmp_path / "disk" / "doc_topics.parquet"))
    assert not list(tmp_path.glob("topicnmf-scratch-*"))  # removed afterwards
    memory = pipeline.run(BUNDLED, n_topics=6).result
    assert run.result.dtm.shape == memory.dtm.shape


def test_quality_flags_order_the_topics_out_of_core_as_in_memory(tmp_path, monkeypatch):
    """At k=13 on the bundled corpus two topics are flagged low_coherence and are more
    prevalent than an unflagged one: they are listed after it out of core too (they were
    listed by prevalence there: a stranger's trial on 5,000 Debian descriptions)."""
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 40)
    args = ["run", str(BUNDLED), "--topics", "13", "-q", "--formats", "csv,json,md", "--dtype", "float64"]
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "100KB"]) == 0
    topics = json.loads((tmp_path / "memory" / "topics.json").read_text(encoding="utf-8"))["topics"]
    flagged = [t["share"] for t in topics if t["quality"]["flags"]]
    assert flagged and max(flagged) > min(t["share"] for t in topics if not t["quality"]["flags"])
    _same_reports(tmp_path / "memory", tmp_path / "disk")


def test_out_of_core_topics_are_read_from_W_on_disk(tmp_path, monkeypatch):
    """Out of core, W stays on disk after the fit (DocWeights) and doc_topics is streamed from
    it (DocTopicTable); the table, the representative and listed documents, the prevalence
    and the quality flags are those of the run in memory."""
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 25)  # 6 partitions
    disk = pipeline.run(BUNDLED, n_topics=5, max_memory="100KB", vectorize=VectorizeOptions(dtype="float64")).result
    memory = pipeline.run(BUNDLED, n_topics=5).result
    assert isinstance(disk.topics.W, DocWeights) and len(disk.topics.W.paths) == 6
    assert isinstance(disk.topics.doc_topics, DocTopicTable)
    # the partitioned fit sums X^T W over blocks: the same iterates up to that rounding
    pd.testing.assert_frame_equal(disk.topics.doc_topics.frame(), memory.topics.doc_topics, rtol=1e-9)
    pd.testing.assert_frame_equal(disk.topics.doc_topics.head(7), memory.topics.doc_topics.head(7), rtol=1e-9)
    for name in ("representative", "prevalence", "terms", "documents"):
        pd.testing.assert_frame_equal(getattr(disk.topics, name), getattr(memory.topics, name), rtol=1e-9)
    np.testing.assert_allclose(disk.topics.W[:, :], memory.topics.W, rtol=1e-9, atol=1e-12)
    assert disk.quality == memory.quality
    assert disk.match_floor.fit == pytest.approx(memory.match_floor.fit, rel=1e-9)


def test_doc_weights_read_as_numpy_reads_W():
    rng = np.random.default_rng(0)
    W = rng.random((1000, 7)) * (rng.random((1000, 7)) < 0.3)
    W[500:520] = 0.0
    W[10, 3] = W[900, 3] = W[:, 3].max() + 1  # a tie at the top: the first row first
    blocks = DocWeights((W[a:a + 130] for a in range(0, 1000, 130)))
    scale, order = rng.random(7) + 0.5, np.array([3, 0, 6, 1, 5, 2, 4])
    view = blocks.view(scale=scale).view(order=order)
    expected = (W * scale)[:, order]
    np.testing.assert_allclose(view.sum(axis=0), expected.sum(axis=0), rtol=1e-13)
    np.testing.assert_array_equal(view.max(axis=0), expected.max(axis=0))
    np.testing.assert_array_equal(view.max(axis=1), expected.max(axis=1))
    np.testing.assert_array_equal(view.argmax(axis=1), expected.argmax(axis=1))
    np.testing.assert_array_equal(view[125:400], expected[125:400])
    np.testing.assert_array_equal(view[[999, 0, 131, 5]], expected[[999, 0, 131, 5]])
    for n in (1, 5, 300, 2000):
        for got, column in zip(column_top(view, n), expected.T):
            np.testing.assert_array_equal(got, np.argsort(-column, kind="stable")[:n])
    assert column_top(blocks, 2)[3].tolist() == [10, 900]


@pytest.mark.slow
def test_real_corpus_out_of_core_equals_in_memory(tmp_path):
    path = shared_corpus("bbc-news.jsonl.gz")  # 2,225 documents: 3 partitions of 1,000
    args = ["run", str(path), "--topics", "5", "-q", "--formats", "csv,json,md", "--dtype", "float64"]
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


def test_cli_bad_size_is_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(BUNDLED), "--max-memory", "lots", "--out", "/nonexistent/x"])
    assert exit_.value.code == 2  # a value of the wrong kind, as README's exit statuses say
    err = capsys.readouterr().err
    assert "argument --max-memory: expected a size such as 2GB or 500MB, got 'lots'" in err
    assert len(err.splitlines()) == 1


def test_parquet_without_pyarrow_is_still_the_readers_message(tmp_path, monkeypatch, capsys):
    import sys

    path = tmp_path / "docs.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 1
    assert "pip install 'topicnmf[parquet]'" in capsys.readouterr().err


def test_dated_labelled_table_out_of_core(tmp_path, monkeypatch, capsys):
    """Labels and dates of a table read in passes reach doc_topics.csv as in memory, and the
    topic shares over time, the terms per period and the dynamic topics are those made in
    memory (from X's and W's blocks on disk, a few periods per pass)."""
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 100)
    rng = np.random.default_rng(0)
    words = "river mountain forest bird fish tree lake snow rock flower cloud rain wind sun".split()
    path = tmp_path / "dated.csv"
    rows = ["id,text,date,label"] + [
        f"d{i},{' '.join(rng.choice(words, 12))},20{10 + i % 10}-0{1 + i % 9}-15,{'abc'[i % 3]}"
        for i in range(450)]
    path.write_text("\n".join(rows) + "\n")
    args = ["run", str(path), "--topics", "4", "-q", "--formats", "csv,json", "--dtype", "float64",
            "--dynamic"]
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "20KB"]) == 0
    assert "left out" not in capsys.readouterr().err
    memory, disk = (pd.read_csv(tmp_path / side / "doc_topics.csv") for side in ("memory", "disk"))
    assert list(disk.columns[-2:]) == ["label", "date"]
    pd.testing.assert_frame_equal(disk, memory, rtol=1e-5)
    over_time = [pd.read_csv(tmp_path / side / "topics_over_time.csv") for side in ("memory", "disk")]
    assert len(over_time[0]) > 10
    pd.testing.assert_frame_equal(over_time[1], over_time[0], rtol=1e-5)
    terms = [pd.read_csv(tmp_path / side / "topic_terms_over_time.csv") for side in ("memory", "disk")]
    assert len(terms[0]) > 100 and terms[0].period.nunique() == len(over_time[0].period.unique())
    pd.testing.assert_frame_equal(terms[1], terms[0], rtol=1e-4)
    dynamic = [json.loads((tmp_path / side / "dynamic_topics.json").read_text()) for side in ("memory", "disk")]
    assert dynamic[0]["dynamic_topics"] and dynamic[1] == dynamic[0]


def test_phrase_labels_over_budget_is_a_clear_error():
    with pytest.raises(ParameterError, match="phrase_labels reads every document's.*raise max_memory"):
        pipeline.run(BUNDLED, n_topics=4, phrase_labels=True, max_memory="10KB")


def test_a_large_corpus_in_memory_gets_the_table_made_when_written(monkeypatch):
    """From LARGE_TABLE documents doc_topics is a DocTopicTable in memory too: the same table,
    written a block of rows at a time."""
    from topicnmf import topics
    from topicnmf.report.tables import to_csv

    small = pipeline.run(BUNDLED, n_topics=4).result.topics
    monkeypatch.setattr(topics, "LARGE_TABLE", 100)
    monkeypatch.setattr(topics, "TABLE_ROWS", 30)
    large = pipeline.run(BUNDLED, n_topics=4).result.topics
    assert isinstance(large.doc_topics, DocTopicTable) and len(large.doc_topics) == len(small.doc_topics)
    pd.testing.assert_frame_equal(large.doc_topics.frame(), small.doc_topics, check_exact=True)
    pd.testing.assert_frame_equal(large.prevalence, small.prevalence, check_exact=True)
    out = tempfile.mkdtemp()
    from topicnmf.report.tables import doc_topics_csv
    doc_topics_csv(large.doc_topics).write_to(f"{out}/d.csv")
    assert open(f"{out}/d.csv").read() == to_csv(small.doc_topics)


@pytest.mark.parametrize("extra", [["--ensemble", "3"], ["--anchors", "ANCHORS"], ["--phrase-labels"]])
def test_what_needs_x_in_memory_is_refused_out_of_core_in_one_line(extra, tmp_path, capsys):
    """--ensemble and --anchors read rows of X, --phrase-labels every text: over budget they
    are a one-line error naming the setting (a TypeError on Partitions before)."""
    anchors = tmp_path / "anchors.toml"
    anchors.write_text('[anchors]\nstars = ["telescope", "star"]\n')
    extra = [str(anchors) if a == "ANCHORS" else a for a in extra]
    code = main(["run", str(BUNDLED), "--topics", "4", "--max-memory", "100KB", "-q",
                 "--out", str(tmp_path / "out"), *extra])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "max-memory" in err and "Traceback" not in err
    assert extra[0].lstrip("-") in err  # the setting, by its flag's name
    assert not (tmp_path / "out").exists()


def test_transform_over_budget_scores_in_chunks_with_the_same_table(tmp_path, monkeypatch, capsys):
    """topicnmf transform over --max-memory reads, scores and writes a chunk at a time: the
    same doc_topics.csv as in memory (labels, dates, weak matches included); a bad row met
    in a later chunk with --strict stops it in one line and leaves no report."""
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 100)
    assert main(["run", str(BUNDLED), "--topics", "6", "-q", "--formats", "csv",
                 "--out", str(tmp_path / "fit")]) == 0
    texts = [f.read_text(encoding="utf-8") for f in sorted(BUNDLED.rglob("*.txt"))]
    rows = [{"id": f"d{i}", "text": texts[i % len(texts)][: 200 + 37 * (i % 9)],
             "label": "xy"[i % 2], "date": f"20{10 + i % 10}-03-15"} for i in range(350)]
    rows[-1]["text"] = "the weather was nice today and people went out"  # a weak match
    path = tmp_path / "new.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    model = str(tmp_path / "fit" / "model")
    assert main(["transform", model, str(path), "--out", str(tmp_path / "memory"), "-q"]) == 0
    assert main(["transform", model, str(path), "--out", str(tmp_path / "disk"),
                 "--max-memory", "10KB"]) == 0
    assert "read, scored and written 100 at a time" in capsys.readouterr().err
    assert filecmp.cmp(tmp_path / "memory" / "doc_topics.csv", tmp_path / "disk" / "doc_topics.csv",
                       shallow=False)
    table = pd.read_csv(tmp_path / "disk" / "doc_topics.csv")
    assert len(table) == 350 and list(table.columns[-4:]) == ["coverage", "fit", "label", "date"]
    assert pd.isna(table["dominant_topic"].iloc[-1])
    with path.open("a", encoding="utf-8") as f:
        f.write('d350,"",x,2020-01-01\n')  # an empty text in the fourth chunk
    assert main(["transform", model, str(path), "--out", str(tmp_path / "bad"), "--strict",
                 "--max-memory", "10KB", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
    assert not (tmp_path / "bad" / "doc_topics.csv").exists()


def test_one_mbox_file_is_read_as_its_messages_with_their_dates_in_memory_and_out_of_core(tmp_path):
    """An .mbox given alone is its messages ('box.mbox/1', ...), dated by their Date: headers,
    also when read in passes (the texts are not kept there, the Date: values are)."""
    guides = sorted(BUNDLED.rglob("*.txt"))[:40]
    messages = [f"From a@example.org Mon Jan  1 10:00:00 2024\nFrom: author{i % 5}@example.org\n"
                f"Subject: guide {i}\nDate: Mon, {1 + i % 28} Feb 20{10 + i % 4} 10:00:00 +0000\n\n"
                + path.read_text(encoding="utf-8") for i, path in enumerate(guides)]
    box = tmp_path / "archive.mbox"
    box.write_text("\n".join(messages), encoding="utf-8")
    args = ["run", str(box), "--topics", "3", "-q", "--formats", "csv"]
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "1KB"]) == 0
    memory, disk = (pd.read_csv(tmp_path / side / "doc_topics.csv") for side in ("memory", "disk"))
    assert len(memory) == 40 and memory.doc_id.iloc[0] == "archive.mbox/1"
    assert memory.date.iloc[0] == "2010-02-01T10:00:00"
    pd.testing.assert_series_equal(disk.date, memory.date)
    assert (tmp_path / "disk" / "topics_over_time.csv").exists()


def test_a_full_scratch_disk_is_one_line_naming_the_folder(tmp_path, monkeypatch, capsys):
    from topicnmf import docweights

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def full(self, values):  # as numpy's np.save on a full disk
        raise OSError("3357 requested and 1357 written")

    monkeypatch.setattr(docweights.Strings, "append", full)
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "4", "--max-memory", "100KB", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("topicnmf: error: out of core: cannot write the scratch files in ") and str(tmp_path / "tmp") in err
    assert "3357 requested and 1357 written" in err and "set TMPDIR to a folder with room" in err
    assert not out.exists() and not list((tmp_path / "tmp").glob("topicnmf-scratch-*"))


def test_ids_on_disk_take_their_utf8_bytes_not_the_longest_ids_width():
    """Out of core the ids wait on disk (docweights.Strings): at 4 bytes a character at the
    longest id's width, 200,000 short ids and one long path took 45 MB of scratch."""
    import os

    from topicnmf.docweights import Strings

    ids = [f"pkg-{i}" for i in range(20_000)] + ["caf\u00e9/" + "x" * 300 + ".txt", "", "\u4e2d\u6587"]
    strings = Strings()
    for start in range(0, len(ids), 8_580):
        strings.append(ids[start:start + 8_580])
    assert list(strings) == ids and strings.take([20_001, 3, 20_002]) == [ids[20_001], "pkg-3", "\u4e2d\u6587"]
    size = sum(os.path.getsize(p) for p in strings.paths)
    assert size < sum(len(i.encode()) + 8 for i in ids) + 1_000 * len(strings.paths)  # (was 24 MB: 300 x 4 x 20,003)


def test_texts_kept_by_the_first_pass_serve_the_junk_check_and_reports_without_another(tmp_path, monkeypatch):
    """Read in passes, the texts and their mail authors are kept by the first pass: after the
    fit, the junk check's authors and the reports' texts come from there (the same as read
    from the input) and the input is not parsed again."""
    from topicnmf import junk, mail, textpass
    from topicnmf.corpus import ReadOptions

    guides = sorted(BUNDLED.rglob("*.txt"))[:30]
    messages = [f"From a@example.org Mon Jan  1 10:00:00 2024\nFrom: Writer {i % 4} <w{i % 4}@example.org>\n"
                f"Subject: guide {i}\n\n" + path.read_text(encoding="utf-8") for i, path in enumerate(guides)]
    (tmp_path / "box.mbox").write_text("\n".join(messages), encoding="utf-8")
    corpus = outofcore.StreamedCorpus(tmp_path / "box.mbox", ReadOptions(), keep_texts=True)
    texts = [t for chunk in corpus.text_chunks(7) for t in chunk]  # (the first pass)
    assert len(texts) == 30 and corpus.authors == mail.authors(texts) and corpus.authors[1] is not None
    monkeypatch.setattr(outofcore, "iter_documents", lambda *a, **k: pytest.fail("the input was read again"))
    W = np.random.default_rng(0).random((30, 3))
    kept, texts_of = textpass.reading_back(corpus, W, np.eye(3, 5), 2)
    rows = [0, 17, 29]
    authors, scanned = junk._authors_and_texts(kept, rows)
    assert authors == mail.authors(texts) and scanned == [texts[r] for r in rows]
    ids = list(corpus.ids)
    foreseen = textpass.foreseen_rows(W, np.eye(3, 5), 2)
    assert texts_of([ids[r] for r in foreseen]) == [texts[r] for r in foreseen]
    assert list(corpus.texts) == texts and corpus.texts.take([5, 2]) == [texts[5], texts[2]]


def test_no_room_for_the_texts_reads_them_again_with_the_same_reports(tmp_path, monkeypatch, capsys):
    """The texts kept by the first pass need their size in the scratch folder: where they
    cannot be written, the run says so and reads them again after the fit, as before."""
    from topicnmf.docweights import Strings

    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 40)
    args = ["run", str(BUNDLED), "--topics", "6", "-q", "--formats", "csv,json,md", "--dtype", "float64"]
    assert main(args + ["--out", str(tmp_path / "memory")]) == 0
    append = Strings.append

    def full(self, values):  # the texts (with spaces), not the ids (paths)
        if any(" " in v for v in values):
            raise OSError(28, "No space left on device")
        append(self, values)

    monkeypatch.setattr(Strings, "append", full)
    capsys.readouterr()
    assert main(args + ["--out", str(tmp_path / "disk"), "--max-memory", "100KB"]) == 0
    err = capsys.readouterr().err
    assert "no room to keep the texts" in err and "No space left on device" in err, err
    _same_reports(tmp_path / "memory", tmp_path / "disk")
