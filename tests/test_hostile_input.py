"""Input a hostile tester wrote: odd file names, surrogates, links out of the folder, bombs,
legacy encodings, invisible characters. Each gives a correct result or one line
``topicnmf: error: ...`` with exit status 1, never a traceback."""

import gzip
import json
import os
import re
import resource
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topicnmf.cli import main
from topicnmf.corpus import ReadOptions, read_corpus
from topicnmf.errors import CorpusError, ParameterError
from topicnmf.preprocess import Analyzer, PreprocessOptions, read_stop_words
from topicnmf.readers import decode_bytes
from topicnmf.resources import available_memory

from conftest import BUNDLED

TEXTS = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED.rglob("*.txt"))[::9][:8]]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run(args, capsys):
    code = main(args)
    return code, capsys.readouterr().err


def good_folder(folder, n=8):
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(TEXTS[:n]):
        (folder / f"doc{i}.txt").write_text(text, encoding="utf-8")
    return folder


# -- 2. surrogates: file names with undecodable bytes, lone surrogates in JSONL --------------


def test_a_file_name_with_undecodable_bytes_is_shown_escaped(tmp_path, capsys):
    folder = good_folder(tmp_path / "in")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as f:
        f.write(TEXTS[0].encode())
    code, err = run(["run", str(folder), "-k", "2", "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    ids = read_corpus(folder).ids
    assert "caf\\xe9.txt" in ids and all(i.encode("utf-8") for i in ids)
    assert "caf\\xe9.txt" in (tmp_path / "out" / "doc_topics.csv").read_text(encoding="utf-8")


def test_lone_surrogates_in_jsonl_become_u_fffd_and_are_counted(tmp_path, capsys):
    rows = [{"id": f"d{i}\ud800", "label": "x\udfff", "text": t + " \ud800"} for i, t in enumerate(TEXTS)]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")  # \ud800 escapes
    corpus = read_corpus(path)
    assert corpus.ids[0] == "d0\ufffd" and corpus.documents[0].label == "x\ufffd"
    assert corpus.repaired == 3 * len(TEXTS) and "lone surrogate(s) replaced" in corpus.summary()
    code, err = run(["run", str(path), "-k", "2", "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    model = tmp_path / "out" / "model"
    code, err = run(["transform", str(model), str(path), "--out", str(tmp_path / "t")], capsys)
    assert code == 0 and "Traceback" not in err, err


def test_controls_and_bidi_overrides_in_ids_are_escaped(tmp_path):
    rows = [{"id": f"a\x00b\u202e{i}\x1b[31m", "text": t} for i, t in enumerate(TEXTS[:3])]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert read_corpus(path).ids[0] == "a\\x00b\\u202e0\\x1b[31m"


@SETTINGS
@given(st.lists(st.binary(min_size=1, max_size=20).filter(lambda b: b"/" not in b and b"\x00" not in b
                                                          and b not in (b".", b"..")), min_size=1, max_size=5))
def test_file_names_as_arbitrary_bytes(tmp_path_factory, names):
    folder = os.fsencode(tmp_path_factory.mktemp("names"))
    for name in names:
        with open(os.path.join(folder, name + b".txt"), "wb") as f:
            f.write(b"words about planets and moons")
    corpus = read_corpus(os.fsdecode(folder), include_hidden=True)
    assert len(corpus.ids) == len(set(corpus.ids)) == len(set(names))
    for i in corpus.ids:
        i.encode("utf-8")  # valid Unicode
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in i)


@SETTINGS
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20), st.text(min_size=1, max_size=200)),
                min_size=1, max_size=5))
def test_jsonl_strings_as_arbitrary_code_points(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("jsonl") / "docs.jsonl"
    path.write_text("\n".join(json.dumps({"id": i, "label": lab, "text": t}) for i, lab, t in rows),
                    encoding="utf-8")
    try:
        corpus = read_corpus(path)
    except CorpusError as exc:
        assert "empty 'text' cell" in str(exc)
        return
    for doc in corpus.documents:
        for value in (doc.id, doc.text, doc.label or ""):
            value.encode("utf-8")  # no lone surrogate left


# -- 4. links out of the input folder -----------------------------------------------------------


def test_a_link_to_a_file_outside_the_folder_is_skipped(tmp_path, capsys):
    folder = good_folder(tmp_path / "in")
    secret = tmp_path / "secret.txt"
    secret.write_text("root password hunter2 " * 20, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "doc0.txt")  # inside: read
    corpus = read_corpus(folder)
    assert "passwd.txt" not in corpus.ids and "inside.txt" in corpus.ids
    assert [(s.source, s.reason) for s in corpus.skipped] == [("passwd.txt", "link to a file outside the input folder")]
    assert "passwd.txt" in read_corpus(folder, follow_links_outside=True).ids
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")  # broken: said as such, not "outside"
    (folder / "gone-inside.txt").symlink_to(folder / "deleted.txt")
    assert {(s.source, s.reason) for s in read_corpus(folder, follow_links_outside=True).skipped} == {
        ("gone.txt", "broken or looping link"),
        ("gone-inside.txt", "broken or looping link")}
    code, err = run(["run", str(folder), "-k", "2", "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and "hunter2" not in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


# -- 6. sizes and memory --------------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_max_file_mb(tmp_path, capsys):
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as f:
        line = json.dumps({"text": "word " * 200}).encode() + b"\n"
        for _ in range(3 * 2**20 // len(line)):
            f.write(line)
    code, err = run(["run", str(path), "--max-file-mb", "1", "--out", str(tmp_path / "out")], capsys)
    assert code == 1 and err.count("\n") == 1
    assert re.search(r"bomb.jsonl.gz: larger than (--max-file-mb|max_file_mb) \(1 MB\) once decompressed", err)


def test_max_file_mb_applies_to_each_line_of_a_table_not_to_its_size(tmp_path):
    """A table is a container of documents, read as a stream: one of 794k package summaries
    is 53 MB and was refused at the default 50 MB. Its size is not limited (plain or .gz at a
    text's compression ratio), a line longer than max_file_mb is (it would be held whole)."""
    path = tmp_path / "big.csv"
    path.write_text("text\n" + "words and more words\n" * 60_000, encoding="utf-8")
    assert len(read_corpus(path, max_file_mb=1)) == 60_000
    rng = np.random.default_rng(0)
    words = np.array("river mountain forest bird fish tree lake snow rock flower".split())
    packed = tmp_path / "big.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as f:
        for i in range(20_000):
            f.write(json.dumps({"id": f"d{i}", "text": " ".join(rng.choice(words, 12))}) + "\n")
    assert packed.stat().st_size < 2**20 < len(gzip.decompress(packed.read_bytes()))  # over 1 MB once read
    assert len(read_corpus(packed, max_file_mb=1)) == 20_000
    long = tmp_path / "long.csv"
    long.write_text("text\nfine\n" + "word " * 300_000 + "\nfine\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"long.csv: a line longer than max_file_mb \(1 MB\); raise max_file_mb "
                                          r"to read it \(reading line \d+\)"):
        read_corpus(long, max_file_mb=1)


@pytest.mark.parametrize("mb", [float("inf"), float("nan"), 1e308, -1, 0])
def test_max_file_mb_from_its_whole_domain(mb):
    with pytest.raises(ParameterError, match="max_file_mb must be"):
        ReadOptions(max_file_mb=mb)


@pytest.mark.parametrize("content, message", [
    (None, r"damaged compressed data .* \(reading line \d+\)"),
    ('{"text": "x", "n": ' + "9" * 5000 + "}", r"line 1 holds a number of more than 4300 digits"),
    ('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}", r"line 1 is JSON nested too deeply"),
])
def test_damaged_and_hostile_json_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "docs.jsonl.gz"
    if content is None:  # a deflate stream damaged in its middle
        data = bytearray(gzip.compress(("\n".join(json.dumps({"text": t}) for t in TEXTS * 20)).encode()))
        data[len(data) // 2:len(data) // 2 + 40] = bytes(40)
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(gzip.compress(content.encode()))
    code, err = run(["run", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 1 and err.startswith("topicnmf: error: ") and err.count("\n") == 1, err
    assert "docs.jsonl.gz" in err
    with pytest.raises(CorpusError, match=message):
        read_corpus(path)


def test_csv_gz_and_tsv_gz_are_read(tmp_path):
    for name, sep in (("d.csv.gz", ","), ("d.tsv.gz", "\t")):
        rows = "".join(f"{i}{sep}{' '.join(t.split())}\n" for i, t in enumerate(TEXTS))
        (tmp_path / name).write_bytes(gzip.compress(f"id{sep}text\n{rows}".encode()))
        assert len(read_corpus(tmp_path / name)) == len(TEXTS)


def test_a_stop_word_file_is_read_within_a_cap(tmp_path, capsys):
    with pytest.raises(CorpusError, match="larger than 16 MB"):
        read_stop_words("/dev/zero")
    code, err = run(["run", str(good_folder(tmp_path / "in")), "--stop-words", "/dev/zero",
                     "--out", str(tmp_path / "out")], capsys)
    assert code == 1 and "larger than 16 MB" in err and err.count("\n") == 1


def test_available_memory_takes_the_smallest_limit(tmp_path):
    proc, cg = tmp_path / "proc", tmp_path / "cg"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text("MemTotal: 99999999 kB\nMemAvailable: 8000000 kB\n")
    (proc / "self" / "status").write_text("VmSize: 1000 kB\n")
    (proc / "self" / "cgroup").write_text("0::/job\n")
    (cg / "job").mkdir(parents=True)
    (cg / "job" / "memory.max").write_text("3000000000\n")
    (cg / "job" / "memory.current").write_text("1000000000\n")
    assert available_memory(proc=str(proc), cgroup=str(cg)) == 2_000_000_000
    (cg / "job" / "memory.max").write_text("max\n")
    assert available_memory(proc=str(proc), cgroup=str(cg)) == 8_000_000 * 1024
    (proc / "self" / "cgroup").write_text("4:memory:/job\n")  # cgroup v1
    (cg / "memory" / "job").mkdir(parents=True)
    (cg / "memory" / "job" / "memory.limit_in_bytes").write_text("500000000\n")
    (cg / "memory" / "job" / "memory.usage_in_bytes").write_text("100000000\n")
    assert available_memory(proc=str(proc), cgroup=str(cg)) == 400_000_000


def test_available_memory_respects_ulimit_v():
    code = "from topicnmf.resources import available_memory; print(available_memory())"
    limit = 3 * 2**30
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert 0 <= int(out.stdout) < limit


# -- 9. encodings -----------------------------------------------------------------------------------

CHINESE = "这是一个中文文本。北京是中国的首都。我们正在测试编码检测。\n" * 3
JAPANESE = "日本語のテキストです。これは試験です。東京は日本の首都です。\n" * 3
RUSSIAN = "Это русский текст. Москва является столицей России. Проверка кодировки.\n" * 2


@pytest.mark.parametrize("text, encoding, reported", [
    (CHINESE, "utf-16-le", "utf-16-le"), (JAPANESE, "utf-16-be", "utf-16-be"),
    (CHINESE.replace("\n", ""), "utf-16-le", "utf-16-le"),
    ("Plain English words. " * 5, "utf-32-le", "utf-32-le"), ("Plain English. " * 5, "utf-32", "utf-32"),
    (JAPANESE, "shift_jis", "cp932"), (CHINESE, "gb18030", "gb18030"), (JAPANESE, "euc_jp", "euc-j"),
    (RUSSIAN, "koi8_r", "koi8-r"), (RUSSIAN, "cp1251", "cp1251"),
    ("Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve d\u00e9j\u00e0 vu, \u201cquoted\u201d \u2013 "
     "\u00e0 la fa\u00e7on fran\u00e7aise. " * 2, "cp1252", "cp1252"),
])
def test_legacy_and_wide_encodings_are_detected(text, encoding, reported):
    decoded, used = decode_bytes(text.encode(encoding))
    assert decoded == text and used.startswith(reported), used


def test_binary_files_still_say_binary():
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" * 4,
                 bytes(range(1, 9)) * 50, os.urandom(4096) + b"\x00"):
        assert decode_bytes(data) == (None, None)


# -- 11. invisible characters -------------------------------------------------------------------


def test_zero_width_soft_hyphens_and_ansi_codes_do_not_split_words():
    a = Analyzer()
    assert a("pla\u00adnet moo\u200bn sat\u200curn ast\u2060er\ufeffoid") == ["planet", "moon", "saturn", "asteroid"]
    assert a("\x1b[31mplanet\x1b[0m \x1b[1;32mmoon\x1b[m") == ["planet", "moon"]


INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x1b[0m", "\x1b[1;31m", ""]


@SETTINGS
@given(st.text(st.characters(codec="utf-8", exclude_characters="".join(INVISIBLE) + "\x1b"), max_size=100),
       st.data())
def test_invisible_characters_anywhere_change_no_term(text, data):
    noisy = "".join(c + data.draw(st.sampled_from(INVISIBLE)) for c in text)
    analyzer = Analyzer(PreprocessOptions(clean_email="never"))
    assert analyzer(noisy) == analyzer(text)


# -- output folders inside the input --------------------------------------------------------------


def test_an_output_folder_inside_the_input_is_never_read(tmp_path, capsys):
    folder = good_folder(tmp_path / "in")
    for out in (folder / "out", folder):
        for _ in range(2):
            code, err = run(["run", str(folder), "-k", "2", "--out", str(out)], capsys)
            assert code == 0, err
        assert "topicnmf output folder(s) left out" in err
        ids = read_corpus(folder).ids
        assert sorted(ids) == [f"doc{i}.txt" for i in range(8)]


def test_no_traceback_in_a_subprocess(tmp_path):
    folder = good_folder(tmp_path / "in")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9 \x1b.txt"), "wb") as f:
        f.write(TEXTS[0].encode("cp1252", errors="ignore"))
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * 3 * 2**20))
    for args in (["run", str(folder), "-k", "2", "--out", str(tmp_path / "o1")],
                 ["run", str(bomb), "--max-file-mb", "1", "--out", str(tmp_path / "o2")]):
        p = subprocess.run([sys.executable, "-m", "topicnmf.cli", *args], capture_output=True, text=True)
        assert "Traceback" not in p.stderr and p.returncode in (0, 1), p.stderr


def test_out_of_memory_is_one_line_and_leaves_no_output(tmp_path, capsys, monkeypatch):
    # under `ulimit -v` the run can meet a MemoryError anywhere: one line, status 1, no folder
    from topicnmf import cli, pipeline

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pipeline, "run", exhausted)
    monkeypatch.setattr(cli, "RAN_OUT_OF_MEMORY", False)
    out = tmp_path / "out"
    assert main(["run", "corpora/field-guides", "--topics", "3", "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("topicnmf: error: out of memory") and "--max-memory" in err[0]
    assert not out.exists() and cli.RAN_OUT_OF_MEMORY


def test_a_small_file_is_read_without_a_buffer_of_the_size_limit(tmp_path):
    from topicnmf.readers.files import read_file_bytes

    path = tmp_path / "a.txt"
    path.write_bytes(b"boats and sails")
    assert read_file_bytes(path, 2**40) == (b"boats and sails", None)  # (a 1 TB buffer would fail)
    assert read_file_bytes(path, 5) == (None, "larger than max_file_mb (4.77e-06 MB)")
