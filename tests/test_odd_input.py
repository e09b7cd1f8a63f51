"""What topicnmf does with odd input: every case is written by a fixture generator into a
temporary folder (no binary fixtures in the repository), then run through the CLI."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from topicnmf import corpus as corpus_module
from topicnmf import readers
from topicnmf.cli import main

from conftest import BUNDLED

GOOD = sorted(BUNDLED.rglob("*.txt"))[::7]  # 18 real documents, three per subject


def write_good(folder, n=len(GOOD)):
    folder.mkdir(parents=True, exist_ok=True)
    for path in GOOD[:n]:
        (folder / f"{path.parent.name}-{path.name}").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")


def sample_text(i=0):
    return GOOD[i].read_text(encoding="utf-8")


# Each case: name -> (writer(folder), expected skip reason or None, expected encoding or None)
CP1252 = "cp1252 (assumed)"  # too few accented letters to detect from


def _fifo(path):
    os.mkfifo(path)


CASES = {
    "zero-byte.txt": (lambda p: p.write_bytes(b""), "empty", None),
    "whitespace.txt": (lambda p: p.write_bytes(b" \n\t\r\n"), "empty", None),
    "image.txt": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), "binary", None),
    "report.txt": (lambda p: p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00\x01\x02"), "binary", None),
    "archive.txt": (lambda p: p.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" * 4), "binary", None),
    "controls.txt": (lambda p: p.write_bytes(bytes(range(1, 9)) * 50), "binary", None),
    "bom.txt": (lambda p: p.write_bytes(b"\xef\xbb\xbf" + sample_text(1).encode()), None, None),
    "utf16-bom.txt": (lambda p: p.write_bytes(sample_text(2).encode("utf-16")), None, "utf-16"),
    "utf16-nobom.txt": (lambda p: p.write_bytes(sample_text(3).encode("utf-16-le")), None, "utf-16-le"),
    "latin1.txt": (lambda p: p.write_bytes(("Caf\u00e9 cr\u00e8me " + sample_text(4)).encode("latin-1")), None, CP1252),
    "cp1252.txt": (lambda p: p.write_bytes(("\u201cQuoted\u201d \u2013 " + sample_text(5)).encode("cp1252")), None, CP1252),
    "damaged-utf8.txt": (lambda p: p.write_bytes(("Na\u00efve caf\u00e9 " + sample_text(6)).encode()
                                                 + b"\xff\xfe broken \xc3"), None,
                         "utf-8 (invalid bytes replaced)"),
    "one-long-line.txt": (lambda p: p.write_text(" ".join(sample_text(7).split()) * 2000, encoding="utf-8"), None, None),
    "too-big.txt": (lambda p: p.write_text("word " * 300_000, encoding="utf-8"), "larger than max_file_mb (1 MB)", None),
    "name with spaces.txt": (lambda p: p.write_text(sample_text(8), encoding="utf-8"), None, None),
    "\u00fcnicode-\u540d\u524d.txt": (lambda p: p.write_text(sample_text(9), encoding="utf-8"), None, None),
    "new\nline.txt": (lambda p: p.write_text(sample_text(10), encoding="utf-8"), None, None),
    "dangling.txt": (lambda p: p.symlink_to(p.parent / "missing-target.txt"), "broken or looping link", None),
    "loop-a.txt": (lambda p: (p.symlink_to(p.parent / "loop-b.txt"), (p.parent / "loop-b.txt").symlink_to(p)),
                   "broken or looping link", None),
    "pipe.txt": (_fifo, "not a regular file", None),
}


@pytest.fixture
def odd_folder(tmp_path):
    folder = tmp_path / "in"
    write_good(folder)
    for name, (writer, _, _) in CASES.items():
        writer(folder / name)
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)  # a folder link loop
    (folder / ".hidden.txt").write_text(sample_text(11), encoding="utf-8")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD.txt").write_text("ref: refs/heads/main", encoding="utf-8")
    return folder


def test_a_folder_of_odd_files(odd_folder, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(odd_folder), "-k", "3", "--min-df", "1", "--max-file-mb", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    skipped = {s["source"]: s["reason"] for s in data["corpus"]["skipped_files"]}
    expected_skips = {name: reason for name, (_, reason, _) in CASES.items() if reason}
    expected_skips["loop-b.txt"] = "broken or looping link"
    assert skipped == expected_skips
    decoded = {d["source"]: d["encoding"] for d in data["corpus"]["decoded_files"]}
    assert decoded == {name: enc for name, (_, _, enc) in CASES.items() if enc}
    assert data["corpus"]["hidden_left_out"] == 2
    assert f"skipped {len(expected_skips)}" in err and "2 hidden file(s)/folder(s) left out" in err
    doc_topics = pd.read_csv(out / "doc_topics.csv", keep_default_na=False)
    ids = set(doc_topics.doc_id)
    read = {name.replace("\n", "\\n") for name, (_, reason, _) in CASES.items() if not reason}
    assert read <= ids and not (set(expected_skips) & ids)
    assert len(ids) == len(GOOD) + len(read)
    assert "new\\nline.txt" in ids and "\u00fcnicode-\u540d\u524d.txt" in ids
    for name in ("topics.csv", "doc_topics.csv", "topics.json"):
        assert "nan" not in (out / name).read_text(encoding="utf-8").lower().split(",")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "too-big.txt" in html and "larger than max_file_mb" in html


def test_strict_turns_skips_into_an_error(odd_folder, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(odd_folder), "-k", "3", "--min-df", "1", "--strict", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "topicnmf: error: --strict: " in err and "could not be used" in err
    assert not out.exists()


def test_include_hidden_reads_hidden_files(tmp_path):
    folder = tmp_path / "in"
    write_good(folder)
    (folder / ".notes.txt").write_text(sample_text(0), encoding="utf-8")
    assert ".notes.txt" in corpus_module.read_corpus(folder, include_hidden=True).ids
    assert ".notes.txt" not in corpus_module.read_corpus(folder).ids


def test_file_deleted_between_listing_and_reading(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "in"
    write_good(folder)
    victim = folder / "vanishing.txt"
    victim.write_text(sample_text(0), encoding="utf-8")
    real_open = open

    def racing_open(path, *args, **kwargs):
        if str(path) == str(victim):
            victim.unlink()
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(readers.files, "open", racing_open, raising=False)
    c = corpus_module.read_corpus(folder)
    assert [(s.source, s.reason) for s in c.skipped] == [("vanishing.txt", "unreadable (No such file or directory)")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_skipped(tmp_path):
    folder = tmp_path / "in"
    write_good(folder)
    locked = folder / "locked.txt"
    locked.write_text("secret", encoding="utf-8")
    locked.chmod(0)
    c = corpus_module.read_corpus(folder)
    assert [(s.source, s.reason) for s in c.skipped] == [("locked.txt", "unreadable (Permission denied)")]


def test_an_unreadable_subfolder_is_counted_as_skipped_and_fails_under_strict(tmp_path, monkeypatch):
    """A subfolder not shared with the user was left out silently, even under --strict."""
    from topicnmf.readers import walk

    folder = tmp_path / "in"
    write_good(folder)
    (folder / "secret").mkdir()
    (folder / "secret" / "a.txt").write_text("a document no one may read", encoding="utf-8")
    real_scandir = os.scandir

    def denied(path):
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(walk.os, "scandir", denied)  # (root reads any folder: its permissions cannot bite)
    c = corpus_module.read_corpus(folder)
    assert [(s.source, s.reason) for s in c.skipped] == [("secret/", "unreadable folder (Permission denied)")]
    assert "skipped 1 (1 unreadable folder (Permission denied))" in c.summary()
    with pytest.raises(corpus_module.CorpusError, match=r"`strict`: 1 input\(s\) could not be used \(secret/: unreadable folder"):
        corpus_module.read_corpus(folder, strict=True)


# -- malformed tables ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, args, code, message",
    [
        ("docs.csv", "title,body\na,b\n", [], 1, "no column 'text'; columns are ['body', 'title']"),
        ("docs.jsonl", '{"text": "fine words here"}\n{"text": broken}\n', [], 1, "line 2 is not valid JSON"),
        ("docs.jsonl", '["not", "an", "object"]\n', [], 1, "line 1 is not a JSON object"),
        ("docs.csv", "text\n\n  \n", [], 1, "every row has an empty 'text' cell"),
        ("docs.csv", "id,text\n1,hello\n", ["--id-column", "ref"], 1, "no column 'ref' for --id-column"),
        ("docs.csv", b"text\n\x00\x01\x02\x03", [], 1, "looks binary, not a text table"),
        ("docs.jsonl.gz", b"not gzip at all", [], 1, "cannot read"),
    ],
)
def test_malformed_tables(tmp_path, capsys, name, content, args, code, message):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["run", str(path), "-k", "2", "--out", str(tmp_path / "out"), "-q", *args]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_table_with_odd_cells_and_duplicate_ids(tmp_path, capsys):
    rows = [{"id": "a", "text": sample_text(i)} for i in range(6)]
    rows += [{"id": "b", "text": 42}, {"id": "c", "text": None}, {"id": "d"}, {"id": "e", "text": ""}]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\u2028\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "-k", "2", "--min-df", "1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "skipped 4 (4 empty or non-text cell)" in err and "5 duplicate ids made unique" in err
    ids = pd.read_csv(out / "doc_topics.csv").doc_id.tolist()
    assert ids == ["a", "a#2", "a#3", "a#4", "a#5", "a#6"]


# -- degenerate corpora --------------------------------------------------------------------


def run_folder(tmp_path, texts, *args):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(folder), "--out", str(out), *map(str, args)])
    return code, out


def no_nan_anywhere(out):
    """Every weight is a finite number (an empty dominant_topic is the documented blank)."""
    for name in ("topics.csv", "doc_topics.csv"):
        frame = pd.read_csv(out / name).drop(columns=["dominant_topic"], errors="ignore")
        numbers = frame.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(numbers).all()
    assert "NaN" not in (out / "topics.json").read_text(encoding="utf-8")


def test_one_document(tmp_path, capsys):
    code, out = run_folder(tmp_path, [sample_text(0)], "-k", "2")
    assert code == 1
    assert "only 1 usable document; topics need at least two documents" in capsys.readouterr().err


@pytest.mark.parametrize("copies", [2, 5])
def test_identical_documents_give_an_explained_empty_topic(tmp_path, capsys, copies):
    code, out = run_folder(tmp_path, [sample_text(0)] * copies, "-k", "2", "--min-df", "1", "--max-df", "1.0")
    err = capsys.readouterr().err
    assert code == 0, err
    assert "topic(s) 2 came out empty" in err
    no_nan_anywhere(out)
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert data["corpus"]["empty_topics"] == [2]
    assert data["topics"][1]["terms"] == [] and data["topics"][1]["share"] == 0


def test_more_topics_than_the_rank_of_x(tmp_path, capsys):
    texts = [sample_text(0), sample_text(15), sample_text(0), sample_text(15)]
    code, out = run_folder(tmp_path, texts, "-k", "4", "--min-df", "1", "--max-df", "1.0")
    err = capsys.readouterr().err
    assert code == 0 and "came out empty" in err
    no_nan_anywhere(out)


def test_documents_the_tokenizer_drops_entirely(tmp_path, capsys):
    code, out = run_folder(tmp_path, ["\U0001F600 \U0001F680 !!! ??? ...", "--- *** 123 456"], "-k", "1")
    assert code == 1
    assert "no terms left after preprocessing" in capsys.readouterr().err


def test_some_documents_left_without_terms(tmp_path, capsys):
    texts = [sample_text(i) for i in range(6)] + ["\U0001F600 !!! 2024"]
    code, out = run_folder(tmp_path, texts, "-k", "2", "--min-df", "1")
    err = capsys.readouterr().err
    assert code == 0 and "1 document(s) have no terms left" in err
    doc_topics = pd.read_csv(out / "doc_topics.csv")
    last = doc_topics[doc_topics.doc_id == "06.txt"].iloc[0]
    assert pd.isna(last.dominant_topic) and last.topic_1 == 0 and last.topic_2 == 0
    no_nan_anywhere(out)


def test_not_enough_memory_is_refused_before_fitting(tmp_path, capsys, monkeypatch):
    from topicnmf import resources

    monkeypatch.setattr(resources, "available_memory", lambda: 1024)
    code, out = run_folder(tmp_path, [sample_text(i) for i in range(6)], "-k", "2", "--min-df", "1")
    err = capsys.readouterr().err
    assert code == 1
    assert "but only 0.0 GiB is available; cap the vocabulary (--max-features)" in err
    assert not out.exists()


# -- models --------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(BUNDLED), "-k", "6", "--out", str(out), "-q", "--formats", "csv"]) == 0
    return out


def test_corrupt_and_mismatched_models(saved, tmp_path, capsys):
    model = saved / "model"
    broken = tmp_path / "broken"
    shutil.copytree(model, broken)
    (broken / "model.npz").write_bytes(b"garbage")
    assert main(["show", str(broken)]) == 1
    assert "not a readable npz" in capsys.readouterr().err

    wrong = tmp_path / "wrong"
    shutil.copytree(model, wrong)
    meta = json.loads((wrong / "model.json").read_text(encoding="utf-8"))
    meta["terms"] = meta["terms"][:-5]
    (wrong / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    assert main(["show", str(wrong)]) == 1
    assert re.search(r"\d+ display_terms for \d+ terms; the model is damaged", capsys.readouterr().err)

    (wrong / "model.json").write_text('{"schema": "something else"}', encoding="utf-8")
    assert main(["show", str(wrong)]) == 1
    assert "not a topicnmf.model/1 model file" in capsys.readouterr().err

    assert main(["show", str(tmp_path / "nothing")]) == 1
    assert "no saved model here" in capsys.readouterr().err


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_loading_a_model_never_unpickles(saved, tmp_path, capsys, monkeypatch):
    evil = tmp_path / "evil"
    shutil.copytree(saved / "model", evil)
    np.savez(evil / "model.npz", H=np.array([_Exploit()], dtype=object), idf=np.ones(3))
    monkeypatch.chdir(tmp_path)
    assert main(["show", str(evil)]) == 1
    assert "holds object, not float32 or float64; the model is damaged" in capsys.readouterr().err
    assert not (tmp_path / "pwned").exists()


# -- interrupted runs ----------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_run_killed_midway_leaves_the_previous_report_intact(saved, sig):
    import threading

    before = {p.relative_to(saved): p.read_bytes() for p in saved.rglob("*") if p.is_file()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "topicnmf.cli", "run", str(BUNDLED), "-k", "6", "--out", str(saved),
         "--tol", "0", "--max-iter", "100000000"],
        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stderr.read(1), "")))
    reader.start()
    deadline = time.monotonic() + 90
    while "TF-IDF matrix" not in "".join(chunks) and time.monotonic() < deadline:  # fitting next
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None, "".join(chunks)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    err = "".join(chunks)
    after = {p.relative_to(saved): p.read_bytes() for p in saved.rglob("*") if p.is_file()}
    if sig == signal.SIGKILL:  # the run's lock file stays (its flock went with the process)
        assert after.pop(Path(".topicnmf.lock")).decode() == str(proc.pid)
        assert main(["run", str(BUNDLED), "-k", "6", "--out", str(saved), "-q", "--formats", "csv"]) == 0
        assert not (saved / ".topicnmf.lock").exists()
    assert after == before, err
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "interrupted; nothing was written" in err and "Traceback" not in err
        assert not list(saved.glob(".topicnmf-*"))


def test_empty_topics_are_listed_last_and_are_no_ones_near_duplicate(tmp_path, capsys):
    code, out = run_folder(tmp_path, [sample_text(0)] * 6, "-k", "3", "--min-df", "1", "--max-df", "1.0")
    assert code == 0, capsys.readouterr().err
    topics = json.loads((out / "topics.json").read_text(encoding="utf-8"))["topics"]
    assert [t["terms"] == [] for t in topics] == [False, True, True]
    assert all("near_duplicate" not in t["quality"]["flags"] for t in topics[1:])


def test_topics_auto_offers_at_most_one_topic_per_two_documents(tmp_path, capsys):
    texts = [sample_text(i) for i in range(0, len(GOOD), max(1, len(GOOD) // 5))][:5]
    code, out = run_folder(tmp_path, texts, "--topics", "auto", "--min-df", "1")
    assert code == 0, capsys.readouterr().err
    swept = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert [row["k"] for row in swept["scores"]] == [2]  # 5 documents: not one topic each
