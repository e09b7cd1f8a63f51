"""The fast paths around the fit at scale give exactly what the plain code gave.

Each speedup of issue 10's "everything but the fit" (reading, topics, reports) is pinned
here against the straightforward computation it replaced, on inputs with the awkward cases
(ties, zeros, NaN, float32, quoting, odd rows).
"""

import numpy as np
import pytest

from topicnmf.corpus import from_texts
from topicnmf.docweights import column_top, top_rows
from topicnmf.errors import CorpusError


def _plain_column_top(W, n):
    return [top_rows(W[:, t], n) for t in range(W.shape[1])]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_top_equals_a_stable_sort_per_column(dtype):
    rng = np.random.default_rng(0)
    for trial in range(200):
        rows, k = int(rng.integers(2, 80)), int(rng.integers(1, 7))
        W = (rng.random((rows, k)) if trial % 2 else rng.integers(0, 4, size=(rows, k))).astype(dtype)
        if trial % 5 == 0:
            W[:, 0] = 0  # a topic with no weight: every row ties at the threshold
        n = int(rng.integers(1, rows + 3))
        for got, column in zip(column_top(W, n), W.T):
            np.testing.assert_array_equal(got, np.argsort(-column, kind="stable")[:n])
            assert got.dtype == np.int64


def test_column_top_with_nan_falls_back_to_each_column():
    W = np.random.default_rng(1).random((300, 4))
    W[17, 2] = np.nan
    for got, want in zip(column_top(W, 10), _plain_column_top(W, 10)):
        np.testing.assert_array_equal(got, want)


def test_column_top_of_a_strided_view_and_few_rows():
    W = np.random.default_rng(2).random((50, 8))[:, ::2]  # not contiguous
    for n in (1, 3, 49, 50, 60):
        for got, want in zip(column_top(W, n), _plain_column_top(W, n)):
            np.testing.assert_array_equal(got, want)


def test_texts_of_fetches_by_id_in_the_order_asked():
    corpus = from_texts(["alpha text", "beta text", "gamma text"], ids=["a", "b", "c"])
    assert corpus.texts_of(["c", "a", "c"]) == ["gamma text", "alpha text", "gamma text"]
    with pytest.raises(CorpusError, match="no document with id 'zz'"):
        corpus.texts_of(["a", "zz"])


ODD_CSV = {
    "ragged.csv": 'id,text,label\n1,alpha beta,x,extra,more\n2\n3,gamma\n,delta, \n\n\n4,"multi\nline",lab\n',
    "duplicate_columns.csv": "text,id,text\na,1,b\nc,2\n  ,3,\n",
    "controls.csv": "id,text,date\n\x1b[31mred,text one,2020\nok\u202e,t\u00ebxt two,\n3,\u2028odd\u0085,\n  ,x, \n",
    "quotes.csv": 'text,id\n"abc"def,1\nab"c,2\n"x""y",3\n',
    "repeated_ids.csv": "text,id\na,1\nb,1\nc,1#2\nd,1\n",
}


def _dictreader_records(path, options):
    """table_records as it was: csv.DictReader's dict per row (readers.csv_rows)."""
    from topicnmf.readers import csv_rows

    def cell(row, column):
        value = row.get(column)
        return None if value is None or not value.strip() else value

    for number, row in csv_rows(path, ","):
        text = row.get(options.text_column)
        if not isinstance(text, str) or not text.strip():
            yield number, None
            continue
        yield number, {"id": cell(row, options.id_column or "id") or f"row-{number}", "text": text,
                       "label": cell(row, options.label_column or "label"),
                       "date": cell(row, options.date_column or "date")}


@pytest.mark.parametrize("name", sorted(ODD_CSV))
def test_csv_records_are_the_dictreader_rows(tmp_path, name):
    from topicnmf.corpus import ReadOptions
    from topicnmf.readers import table_records

    path = tmp_path / name
    path.write_text(ODD_CSV[name], encoding="utf-8", newline="")
    for options in (ReadOptions(), ReadOptions(id_column="text", label_column="id")):
        assert list(table_records(path, options)) == list(_dictreader_records(path, options))


def test_csv_read_makes_documents_as_one_at_a_time(tmp_path):
    """The batch check (nothing to escape) and the per-document _safe give the same corpus."""
    from topicnmf.corpus import Document, ReadLog, _safe, read_corpus

    path = tmp_path / "mixed.csv"
    rows = [f"p{i},plain text {i}" for i in range(1500)] + ["bad\u202eid,text with a \u2028 break", "p1,again"]
    path.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    corpus = read_corpus(path)
    log = ReadLog()
    expected = log.add_all([_safe(Document(r.split(",")[0], r.split(",")[1]), log) for r in rows])
    assert corpus.documents == tuple(expected)
    assert corpus.documents[1500].id == "bad\\u202eid" and corpus.renamed == (("p1", "p1#2"),)


@pytest.mark.parametrize("content, message", [
    ("", "holds no rows"), ("text\n", "holds no rows"), ("\ntext\nx\n", "no column 'text'; columns are \\[\\]"),
    ("text,id\n ,1\n,2\n", "every row has an empty 'text' cell"), ('text,id\n"open,1\n', "malformed CSV"),
])
def test_csv_errors_as_before(tmp_path, content, message):
    from topicnmf.corpus import read_corpus

    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    if "malformed" in message:  # (the csv module reads an unterminated quote to the end of the file)
        assert read_corpus(path).documents[0].text == "open,1\n"
        return
    with pytest.raises(CorpusError, match=message):
        read_corpus(path)


def _odd_table(n, k, dtype, ids=None, metadata=None):
    from topicnmf.topics import DocTopicTable

    rng = np.random.default_rng(n + k)
    W = rng.random((n, k)) ** 8  # small weights too (written by Python: 1e-5 ...)
    W[::7] = 0  # documents with no weight: no dominant topic, zeros
    W[3::11, 1:] = 0  # a single topic: a weight of exactly 1
    W[5, 0] = 1e-300
    ids = ids if ids is not None else [f"doc {i}" for i in range(n)]
    return DocTopicTable(ids, W.astype(dtype), metadata)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ids", [None, ["=cmd", "+1", "a,b", 'say "hi"', "line\nbreak", "caf\u00e9", "-x", "@y",
                                        "\tz", "ok"]])
def test_doc_topics_csv_lines_equal_the_dataframe_writer(tmp_path, dtype, ids):
    from topicnmf import topics
    from topicnmf.report import streamed
    from topicnmf.report.tables import _has_carriage_return, doc_topics_csv, to_csv

    n = 10 if ids else 120_000  # (more than one block of rows)
    table = _odd_table(n, 7, dtype, ids)
    doc_topics_csv(table).write_to(tmp_path / "fast.csv")
    streamed.doc_topics_csv_file(table, to_csv, _has_carriage_return).write_to(tmp_path / "frames.csv")
    fast = (tmp_path / "fast.csv").read_bytes()
    assert fast == (tmp_path / "frames.csv").read_bytes()
    if ids:  # and the in-memory table's text
        assert fast.decode("utf-8") == to_csv(topics.doc_topic_table(ids, table.W))


def test_doc_topics_csv_with_a_nul_or_metadata_takes_the_dataframe_way(tmp_path):
    from topicnmf.report.tables import doc_topics_csv, to_csv

    for table in (_odd_table(6, 3, np.float64, ["a", "b\x00c", "d", "e", "f", "g"]),
                  _odd_table(6, 3, np.float64, metadata={"label": list("xyzxyz")})):
        doc_topics_csv(table).write_to(tmp_path / "t.csv")
        assert (tmp_path / "t.csv").read_text(encoding="utf-8") == to_csv(table.frame())


def test_top_term_indices_equal_a_stable_sort_of_every_term():
    from topicnmf.evaluate import top_term_indices

    rng = np.random.default_rng(3)
    H = rng.random((6, 500)) * (rng.random((6, 500)) > 0.7)  # mostly zeros: ties among them
    H[2] = 0
    H[3, 10] = np.nan  # (never after a fit; still the same answer)
    for n in (0, 1, 10, 499, 500, 600):
        np.testing.assert_array_equal(top_term_indices(H, n), np.argsort(-H, axis=1, kind="stable")[:, :n])


@pytest.mark.parametrize("text, expected", [
    ("From: a@b.org\nSubject: hello\n\nbody", True), ("\u2003\u2028Subject: hi\nFrom: x\n\nbody", True),
    ("From someone Mon Jan 1\nSubject: x\n\nbody", True), ("\x1cX-Face: abc\nFrom: z\n\nbody", True),
    (" " * 6000 + "From: a\nSubject: b\n\nc", False), ("Re: not a header", False), ("A small example package", False),
])
def test_looks_like_mail_after_its_quick_first_check(text, expected):
    from topicnmf.mail.message import looks_like_mail

    assert looks_like_mail(text) is expected


def test_tally_of_texts_left_alone_counts_as_before():
    from topicnmf.mail.message import Removed
    from topicnmf.mail.summary import Tally

    quick, plain = Tally("auto"), Tally("auto")
    for text, is_message in (("one text", False), ("two texts here", True), ("", False)):
        assert quick.text_of(text, is_message, None) == text
        plain.add(is_message, Removed(len(text)))
    assert quick == plain and quick.summary() == plain.summary()


@pytest.mark.parametrize("k", [2, 3, 17, 40])
def test_intertopic_map_over_supports_equals_scipy_on_every_term(k):
    from scipy.spatial.distance import jensenshannon

    from topicnmf.report import visuals

    rng = np.random.default_rng(k)
    H = rng.random((k, 400)) * (rng.random((k, 400)) > 0.6)
    H[k // 2] = 0  # an empty topic: uniform, far from all
    H[-1, :3] = [1e-300, 5e-324, 1e300]  # extremes: a subnormal, a huge weight
    p_wt = visuals.topic_term_distributions(H)
    safe = p_wt.copy()
    safe[safe.sum(axis=1) == 0] = 1.0 / p_wt.shape[1]
    D = np.zeros((k, k))
    for a in range(k - 1):
        D[a, a + 1:] = np.nan_to_num(jensenshannon(safe[a][None, :], safe[a + 1:], base=2, axis=1))
    D = D + D.T
    coords, distances = visuals.intertopic_map(p_wt)
    np.testing.assert_allclose(distances, D, rtol=1e-12, atol=1e-14)  # the same sums, reordered
    assert np.all(np.diag(distances) == 0) and np.all(distances == distances.T)
    np.testing.assert_allclose(coords, visuals.principal_coordinates(D), rtol=1e-9, atol=1e-12)


def test_reading_a_table_pauses_the_gc_and_restores_it(tmp_path, monkeypatch):
    import gc

    from topicnmf import corpus as corpus_module

    seen = []
    made = corpus_module.iter_documents

    def iter_documents(*args, **kwargs):
        seen.append(gc.isenabled())
        yield from made(*args, **kwargs)

    monkeypatch.setattr(corpus_module, "iter_documents", iter_documents)
    (tmp_path / "t.csv").write_text("text\nalpha beta\ngamma delta\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha beta", encoding="utf-8")
    assert gc.isenabled()
    corpus_module.read_corpus(tmp_path / "t.csv")
    corpus_module.read_corpus(tmp_path / "docs")  # a folder's parsers (PDF, DOCX) may make cycles
    assert seen == [False, True] and gc.isenabled()


@pytest.mark.parametrize("w_dtype, h_dtype", [(np.float32, np.float32), (np.float64, np.float64),
                                              (np.float32, np.float64)])
def test_balanced_weights_in_topic_order_are_numpys_bit_for_bit(w_dtype, h_dtype):
    # build_topics balances W and puts its columns in topic order in one pass: the same
    # array (and dtype: a float32 fit's stays float32) as (W * scale)[:, order]
    from topicnmf.docweights import scaled_column_sums, scaled_in_order

    rng = np.random.default_rng(3)
    W = (rng.random((5000, 12)) * 10 ** rng.uniform(-6, 1, (5000, 12))).astype(w_dtype)
    W[W < 0.01] = 0
    norms = np.linalg.norm(rng.random((12, 40)).astype(h_dtype), axis=1)
    scale = np.where(norms > 0, norms, 1.0)
    order = rng.permutation(12)
    balanced = W * scale
    out = scaled_in_order(W, scale, order)
    assert out.dtype == balanced.dtype and np.array_equal(out, balanced[:, order])
    sums = scaled_column_sums(W, scale)  # (summed in float64 whatever the dtype)
    assert np.array_equal(sums, balanced.astype(np.float64).sum(axis=0))
