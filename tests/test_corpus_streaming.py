"""Streaming tables give exactly what reading the whole file gives.

The reference below is the whole-file reader topicnmf had before tables were streamed: the
file's bytes decoded at once by decode_bytes, then split into rows. The streamed rows, and the
documents made of them, must equal it for every file, in every encoding, gzip'd or not.
"""

import csv
import gzip
import io
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topicnmf.corpus import ReadLog, iter_documents, read_corpus
from topicnmf.errors import CorpusError
from topicnmf.readers import csv_rows, decode_bytes, jsonl_rows

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]


def whole_file_rows(path):
    """The rows as the whole-file reader gave them, or the CorpusError message it raised."""
    raw = path.read_bytes()
    try:
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError):
        return "cannot read"
    text, _ = decode_bytes(raw)
    if text is None:
        return "looks binary"
    if ".csv" in path.name or ".tsv" in path.name:
        csv.field_size_limit(2**31 - 1)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if ".tsv" in path.name else ",")
        try:
            return [(i + 2, row) for i, row in enumerate(reader)]
        except csv.Error:
            return "malformed CSV"
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})"
            if not isinstance(row, dict):
                return f"line {number} is not a JSON object"
            rows.append((number, row))
    return rows


def streamed_rows(path):
    if ".csv" in path.name or ".tsv" in path.name:
        rows = csv_rows(path, "\t" if ".tsv" in path.name else ",")
    else:
        rows = jsonl_rows(path)
    try:
        return list(rows)
    except CorpusError as exc:
        return str(exc)


def assert_same(path):
    expected, got = whole_file_rows(path), streamed_rows(path)
    if isinstance(expected, str):
        assert isinstance(got, str) and expected in got, (expected, got)
    else:
        assert got == expected


def write(path, text, encoding, gz):
    data = text.encode(encoding, errors="replace")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


PIECES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(['"', ",", "\t", "\n", "\r\n", "\r", "\u00e9", "\u2028", '""', "\x00", "\U0001f600",
                     "\ufeff"]),
)
CELL = st.lists(PIECES, max_size=8).map("".join)
ROWS = st.lists(st.tuples(CELL, CELL), min_size=0, max_size=12)


@SETTINGS
@given(ROWS, st.sampled_from(ENCODINGS), st.booleans(), st.sampled_from([",", "\t"]),
       st.sampled_from(["\r\n", "\n"]))
def test_streamed_csv_equals_the_whole_file_read(tmp_path_factory, rows, encoding, gz, delimiter, newline):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["id", "text"])
    writer.writerows(rows)
    name = ("docs.tsv" if delimiter == "\t" else "docs.csv") + (".gz" if gz else "")
    assert_same(write(tmp_path_factory.mktemp("csv") / name, out.getvalue(), encoding, gz))


@SETTINGS
@given(ROWS, st.sampled_from(ENCODINGS), st.booleans(), st.booleans(), st.sampled_from(["\r\n", "\n", "\n\n  \n"]),
       st.sampled_from([(", ", ": "), (",\r", ":\u2028")]))
def test_streamed_jsonl_equals_the_whole_file_read(tmp_path_factory, rows, encoding, gz, ascii_only, newline,
                                                   separators):
    text = newline.join(json.dumps({"id": i, "text": t}, ensure_ascii=ascii_only, separators=separators)
                        for i, t in rows)
    path = write(tmp_path_factory.mktemp("jsonl") / ("docs.jsonl" + (".gz" if gz else "")), text, encoding, gz)
    assert_same(path)
    expected = whole_file_rows(path)
    if isinstance(expected, list) and any(isinstance(r["text"], str) and r["text"].strip() for _, r in expected):
        assert list(iter_documents(path)) == list(read_corpus(path).documents)


@SETTINGS
@given(st.lists(st.text(string.printable, max_size=40), max_size=10), st.binary(min_size=1, max_size=20),
       st.integers(0, 3))
def test_a_table_with_damaged_bytes_is_read_as_a_whole_file_read_would(tmp_path_factory, texts, junk, where):
    lines = [json.dumps({"text": t + "\u00e9"}, ensure_ascii=False).encode() for t in texts]
    lines.insert(min(where, len(lines)), b'{"text": "' + junk.replace(b'"', b"").replace(b"\\", b"") + b'"}')
    path = tmp_path_factory.mktemp("damaged") / "docs.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert_same(path)


@SETTINGS
@given(st.lists(st.one_of(st.text('{}[]":, ab\\\r\t\u00e9', max_size=12),
                          st.builds(json.dumps, st.dictionaries(st.sampled_from(["text", "id"]), CELL))),
                max_size=8),
       st.sampled_from(ENCODINGS))
def test_broken_jsonl_lines_are_named_as_a_whole_file_read_names_them(tmp_path_factory, lines, encoding):
    assert_same(write(tmp_path_factory.mktemp("broken") / "docs.jsonl", "\n".join(lines), encoding, gz=False))


@SETTINGS
@given(ROWS, st.binary(min_size=1, max_size=9), st.integers(0, 200), st.sampled_from(["utf-16", "utf-16-le"]))
def test_damaged_utf16_is_streamed_as_a_whole_file_read_decodes_it(tmp_path_factory, rows, junk, at, encoding):
    out = io.StringIO()
    csv.writer(out).writerows([["id", "text"], *rows])
    data = out.getvalue().encode(encoding)
    at = 2 + at if encoding == "utf-16" else at  # after the BOM
    path = tmp_path_factory.mktemp("utf16") / "docs.csv"
    path.write_bytes(data[:at] + junk + data[at:])
    assert_same(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_rows_across_chunk_boundaries(tmp_path, encoding, kind):
    # cells of every length around the 8 KiB chunks of the text stream and the 32 KiB head,
    # each ending in a line break, an accented letter and (but in cp1252) an emoji
    tail = "\r\n\u00e9" if encoding == "cp1252" else "\r\n\u00e9\U0001f600"
    texts = ["w" * n + tail for n in range(8170, 8200)] + ["x" * n + tail for n in range(32760, 32790)]
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([["text"], *([t] for t in texts)])
        text, name = out.getvalue(), "big.csv"
    else:
        text, name = "\r\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts), "big.jsonl"
    path = write(tmp_path / name, text, encoding, gz=False)
    assert_same(path)
    assert [d.text for d in read_corpus(path).documents] == texts


def test_a_bad_byte_after_a_megabyte_is_read_as_a_whole_file_read_would(tmp_path):
    rows = [json.dumps({"id": i, "text": "caf\u00e9 words " * 30}, ensure_ascii=False) for i in range(4000)]
    for tail, encoding in ((b'{"text": "bad \xff"}', "utf-8 (invalid bytes replaced)"),
                           (b'{"text": "bad \xff\xfe\xfd"}' * 40000, None)):
        path = tmp_path / "late.jsonl"
        path.write_bytes("\n".join(rows).encode() + b"\n" + tail)
        used = decode_bytes(path.read_bytes())[1]
        assert path.stat().st_size > 2**20 and used == (encoding or used) and used != "utf-8"
        assert_same(path)


def test_iter_documents_yields_before_the_file_is_read_to_its_end(tmp_path):
    """Documents come a batch of ids at a time (ID_BATCH, checked for repeats together),
    long before the end of the file."""
    from topicnmf.corpus import ID_BATCH

    path = tmp_path / "docs.jsonl"
    n = 3 * ID_BATCH
    path.write_text('{"id": "a", "text": "one"}\n{"id": "a", "text": "two"}\n'
                    + "".join(f'{{"id": "d{i}", "text": "more"}}\n' for i in range(n))
                    + '{"text": oops}\n')
    log = ReadLog()
    docs = iter_documents(path, log=log)
    assert [next(docs).id, next(docs).id] == ["a", "a#2"]  # ids made unique as they pass
    assert log.renamed == [("a", "a#2")] and log.n_documents == ID_BATCH
    with pytest.raises(CorpusError, match=f"line {n + 3} is not valid JSON"):
        for _ in docs:
            pass
    assert log.n_documents == n  # every batch before the bad line


def test_iter_documents_checks_the_path_and_options_when_called(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        iter_documents(tmp_path / "nope.jsonl")
    with pytest.raises(CorpusError, match="folder_labels needs a folder as input; for a table, use label_column"):
        iter_documents(write(tmp_path / "t.csv", "text\na\n", "utf-8", False), folder_labels=True)


def test_a_folder_streams_in_the_sorted_order_read_corpus_has(tmp_path):
    """A folder streams in the order of its sorted ids (a folder's files and subfolders
    interleaved), so a corpus read in passes (out of core) has read_corpus's order."""
    for folder in ("a", "a-b", "a/c", ".hidden"):
        (tmp_path / folder).mkdir()
    for name in ("a/x.txt", "a/c/y.txt", "a/b.txt", "a-b/z.txt", "b.txt", "a-b.txt", "a.txt", ".hidden/h.txt"):
        (tmp_path / name).write_text(f"text of {name}")
    (tmp_path / "a.b.txt").write_bytes("caf\u00e9".encode("cp1252"))
    log = ReadLog()
    streamed = [d.id for d in iter_documents(tmp_path, log=log)]
    assert streamed == ["a-b.txt", "a-b/z.txt", "a.b.txt", "a.txt", "a/b.txt", "a/c/y.txt", "a/x.txt", "b.txt"]
    assert streamed == sorted(streamed) == read_corpus(tmp_path).ids
    assert log.decoded == [("a.b.txt", "cp1252 (assumed)")] and log.stats().n_documents == 8
    assert log.hidden == 1
