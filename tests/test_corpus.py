import json

import pytest

from topicnmf.corpus import (DEFAULT_EXTENSIONS, CorpusStats, ReadOptions, Skipped, decode_bytes, from_texts,
                             read_corpus)
from topicnmf.errors import CorpusError, ParameterError


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_folder_is_read_recursively_sorted_with_relative_ids(tmp_path):
    write(tmp_path / "b.txt", "second document")
    write(tmp_path / "a" / "z.md", "first document")
    write(tmp_path / "a" / "notes.rst", "another one")
    write(tmp_path / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    c = read_corpus(tmp_path)
    assert c.ids == ["a/notes.rst", "a/z.md", "b.txt"]
    assert c.texts[2] == "second document"


def test_encodings_bom_utf16_and_legacy(tmp_path):
    write(tmp_path / "bom.txt", b"\xef\xbb\xbfcaf\xc3\xa9 with bom")
    write(tmp_path / "utf16.txt", "na\u00efve utf16".encode("utf-16"))
    write(tmp_path / "legacy.txt", "caf\u00e9 \u201cquoted\u201d".encode("cp1252"))
    c = read_corpus(tmp_path)
    texts = dict(zip(c.ids, c.texts))
    assert texts["bom.txt"] == "caf\u00e9 with bom"
    assert texts["utf16.txt"] == "na\u00efve utf16"
    assert texts["legacy.txt"] == "caf\u00e9 \u201cquoted\u201d"
    assert dict(c.decoded) == {"legacy.txt": "cp1252 (assumed)", "utf16.txt": "utf-16"}
    assert "2 decoded as a legacy encoding (not UTF-8)" in c.summary()


WESTERN = {  # a text, and the legacy code pages it is saved in
    "fr": ("Le caf\u00e9 servait une cr\u00e8me br\u00fbl\u00e9e \u00e0 No\u00ebl, dit Zo\u00eb de M\u00e1laga. ",
           ("cp1252", "mac_roman", "cp850")),
    "de": ("\u00dcber die Br\u00fccke f\u00e4hrt ein gro\u00dfer Wagen; die Stra\u00dfe ist hei\u00df. ",
           ("cp1252", "mac_roman", "cp850")),
    "da": ("S\u00f8en ved \u00c5rhus er smuk; jeg spiste r\u00f8dgr\u00f8d med fl\u00f8de. ",
           ("cp1252", "mac_roman", "cp850")),
    "pl": ("Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144; \u0142\u00f3d\u017a p\u0142ynie "
           "po jeziorze w \u0141odzi. ", ("cp1250",)),
}


def test_mac_roman_dos_and_central_european_text_is_not_misread_as_windows_1252(tmp_path):
    """Mac Roman was read as 'latin-1 (assumed)' with control characters ('caf\\x8e') and DOS
    850 as Windows-1252 ('caf\u201a cr\u0160me'); each code page is now told by where its
    accented letters fall, and Windows-1252 text keeps its reading."""
    for lang, (text, codecs) in WESTERN.items():
        for codec in codecs:
            write(tmp_path / f"{lang}-{codec}.txt", (text * 3).encode(codec))
    corpus = read_corpus(tmp_path)
    decoded = dict(corpus.decoded)
    for doc_id, text in zip(corpus.ids, corpus.texts):
        lang, codec = doc_id[:-4].split("-", 1)
        assert text == WESTERN[lang][0] * 3, (doc_id, decoded[doc_id], text)
        assert decoded[doc_id].startswith(codec.replace("_", "-") + " ("), (doc_id, decoded[doc_id])


def test_empty_binary_and_hidden_files_are_skipped_with_reasons(tmp_path):
    write(tmp_path / "ok.txt", "some text")
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "blank.txt", "  \n\t ")
    write(tmp_path / "bin.txt", b"GIF89a\x00\x01\x02")
    write(tmp_path / ".hidden.txt", "secret")
    write(tmp_path / ".git" / "config.txt", "not a document")
    c = read_corpus(tmp_path)
    assert c.ids == ["ok.txt"]
    assert {(s.source, s.reason) for s in c.skipped} == {
        ("empty.txt", "empty"), ("blank.txt", "empty"), ("bin.txt", "binary")}
    assert "skipped 3 (1 binary, 2 empty)" in c.summary()


def test_broken_symlink_is_skipped(tmp_path):
    write(tmp_path / "ok.txt", "text")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    c = read_corpus(tmp_path)
    assert [s.source for s in c.skipped] == ["dangling.txt"]


def test_decode_bytes_detects_binary():
    assert decode_bytes(b"abc\x00def") == (None, None)
    assert decode_bytes("h\u00e9".encode()) == ("h\u00e9", "utf-8")


def test_missing_path_empty_folder_and_unreadable_folder(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        read_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no text files found"):
        read_corpus(tmp_path)
    write(tmp_path / "x.txt", b"\x00\x01binary")
    with pytest.raises(CorpusError, match=r"no readable text in 1 file\(s\) \(binary\)"):
        read_corpus(tmp_path)


def test_csv_with_columns_and_metadata(tmp_path):
    path = write(tmp_path / "docs.csv", 'doc,body,label\nd1,"hello, world",greet\nd2,,none\nd3,bye,part\n')
    c = read_corpus(path, text_column="body", id_column="doc")
    assert c.ids == ["d1", "d3"]
    assert [d.label for d in c.documents] == ["greet", "part"]
    assert [s.source for s in c.skipped] == ["line 3"]


def test_jsonl_duplicate_ids_made_unique_and_bad_lines_named(tmp_path):
    rows = [{"id": "a", "text": "one"}, {"id": "a", "text": "two"}, {"id": "b", "text": 5}]
    path = write(tmp_path / "docs.jsonl", "\n".join(json.dumps(r) for r in rows))
    c = read_corpus(path)
    assert c.ids == ["a", "a#2"]
    assert c.renamed == (("a", "a#2"),)
    assert c.skipped[0].reason == "empty or non-text cell"
    bad = write(tmp_path / "bad.jsonl", '{"text": "ok"}\n{"text": oops}\n')
    with pytest.raises(CorpusError, match=r"line 2 is not valid JSON \(Expecting value at column 10\)\.$"):
        read_corpus(bad)
    big = write(tmp_path / "one-line.csv", "id,text\n" + "1," + "word " * 1000)
    with pytest.raises(CorpusError, match=r"a line longer than max_file_mb \(0\.003 MB\).*\(reading line 2\)\.$"):
        read_corpus(big, max_file_mb=0.003)


def test_missing_text_column_names_the_columns(tmp_path):
    path = write(tmp_path / "docs.csv", "title,content\na,b\n")
    with pytest.raises(CorpusError, match=r"no column 'text'; columns are \['content', 'title'\]"):
        read_corpus(path)


def test_single_plain_file_is_refused_with_advice(tmp_path):
    path = write(tmp_path / "one.txt", "text")
    with pytest.raises(CorpusError, match="pass the folder that holds them"):
        read_corpus(path)


def test_from_texts_keeps_the_given_order():
    c = from_texts(["a b", "c d", "e f"], labels=["p", "q", "r"])
    assert c.ids == ["0", "1", "2"] and c.documents[1].label == "q"
    many = from_texts([f"text {i}" for i in range(12)])
    assert many.ids == [str(i) for i in range(12)]  # not sorted as strings ("10" < "2")


def test_read_options_defaults_and_suffixes():
    o = ReadOptions()
    assert (o.text_column, o.id_column, o.extensions, o.max_file_mb, o.strict) == (
        "text", None, DEFAULT_EXTENSIONS, 50.0, False)
    assert ReadOptions(extensions="txt, MD,.Rst,").extensions == (".txt", ".md", ".rst")
    assert ReadOptions(extensions=["TXT"]).extensions == (".txt",)


@pytest.mark.parametrize("settings, message", [
    (dict(max_file_mb=0), r"max_file_mb must be a number > 0; got 0\."),
    (dict(max_file_mb="50"), r"max_file_mb must be a number > 0; got '50'\."),
    (dict(max_file_mb=True), r"max_file_mb must be a number > 0; got True\."),
    (dict(extensions=""), r"extensions must name at least one suffix, such as '\.txt'; got ''\."),
    (dict(extensions=[3]), r"extensions must be file suffixes such as"),
    (dict(text_column=""), r"text_column must be a non-empty string; got ''\."),
    (dict(label_column=5), r"label_column must be a non-empty string or None; got 5\."),
    (dict(strict="yes"), r"strict must be True or False; got 'yes'\."),
])
def test_read_options_name_the_parameter(settings, message):
    with pytest.raises(ParameterError, match=message):
        ReadOptions(**settings)


def test_read_corpus_takes_options_and_settings_over_them(tmp_path):
    path = write(tmp_path / "docs.csv", "ref,body,text\nr1,from body,from text\n")
    options = ReadOptions(text_column="body")
    assert read_corpus(path, options).texts == ["from body"]
    assert read_corpus(path, options, id_column="ref").ids == ["r1"]
    assert read_corpus(path, text_column="text").texts == ["from text"]
    with pytest.raises(ParameterError, match="options must be a ReadOptions"):
        read_corpus(path, {"text_column": "body"})


def test_stats_carry_what_reading_met(tmp_path):
    write(tmp_path / "a.txt", "text")
    write(tmp_path / "b.txt", "caf\u00e9".encode("cp1252"))
    write(tmp_path / "c.txt", "")
    write(tmp_path / ".h.txt", "hidden")
    c = read_corpus(tmp_path)
    assert c.stats == CorpusStats(str(tmp_path), 2, (Skipped("c.txt", "empty"),), (("b.txt", "cp1252 (assumed)"),), (), 1)
    assert c.stats.summary() == c.summary() == (
        f"read 2 documents from {tmp_path}; skipped 1 (1 empty); 1 decoded as a legacy encoding (not UTF-8); "
        "1 hidden file(s)/folder(s) left out")


def test_texts_of_fetches_by_id_in_the_order_given():
    c = from_texts(["zero", "one", "two"], ids=["a", "b", "c"])
    assert c.texts_of(["c", "a", "c"]) == ["two", "zero", "two"]
    assert c.texts_of([]) == []
    with pytest.raises(CorpusError, match=r"<memory>: no document with id 'x'\."):
        c.texts_of(["a", "x"])


def test_messages_name_parameters_not_flags(tmp_path):
    write(tmp_path / "big.txt", "word " * 300_000)
    write(tmp_path / "ok.txt", "fine")
    c = read_corpus(tmp_path, max_file_mb=1)
    assert c.skipped == (Skipped("big.txt", "larger than max_file_mb (1 MB)"),)
    with pytest.raises(CorpusError, match=r"`strict`: 1 input\(s\) could not be used \(big.txt: larger than"):
        read_corpus(tmp_path, max_file_mb=1, strict=True)
    with pytest.raises(CorpusError, match=r"no text files found \(looked for \.xyz\); set `extensions` to read"):
        read_corpus(tmp_path, extensions="xyz")
    table = write(tmp_path / "t" / "docs.csv", "id,text\n1,hello\n")
    with pytest.raises(CorpusError, match="folder_labels needs a folder as input; for a table, use label_column"):
        read_corpus(table, folder_labels=True)
    with pytest.raises(CorpusError, match=r"no column 'tag' for label_column; columns are \['id', 'text'\]\.$"):
        read_corpus(table, label_column="tag")
    with pytest.raises(CorpusError, match=r"no column 'body'; columns are \['id', 'text'\]\. Set text_column to"):
        read_corpus(table, text_column="body")
