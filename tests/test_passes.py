"""TF-IDF in passes over chunks equals TF-IDF of the whole corpus: the same terms in the same
order, the same IDF and the same values (1e-12), coverage and display forms."""

import numpy as np
import pytest

from topicnmf import partitions
from topicnmf.passes import chunked, vectorize_in_passes
from topicnmf.boilerplate import learn_boilerplate_in_chunks
from topicnmf.preprocess import Analyzer, PreprocessOptions, analyze, learn_boilerplate
from topicnmf.vectorize import VectorizeOptions, coverage, vectorize

from conftest import read_jsonl, shared_corpus

TEXTS = [
    "Rivers carry water and sediment; rivers flood the plains.",
    "Mountains rise where plates collide, and rivers cut the mountains.",
    "The forest floor holds fungi, ferns and fallen leaves.",
    "Sea ice forms in the polar winter; the sea freezes.",
    "Running rivers and runners running along the river banks.",
    "Fungi and ferns: the forest's quiet builders.",
    "Plates, plates and more plates: tectonics of the sea floor.",
    "Winter storms bring ice and snow to the mountains.",
    "",
    "1999 2000 2001",
    "Leaves fall, leaves rot, fungi feed on leaves.",
    "The sea, the sea, the sea: waves and water everywhere.",
]


def _same(texts, vectorize_options, preprocess=PreprocessOptions(), chunk=3, **kwargs):
    analyzer = Analyzer(preprocess)
    expected = vectorize(analyze(texts, analyzer), [str(i) for i in range(len(texts))], vectorize_options)
    got = vectorize_in_passes(chunked(texts, chunk), analyzer, vectorize_options, **kwargs)
    assert got.terms == expected.terms
    assert got.display_terms == expected.display_terms
    assert got.options == expected.options and got.n_seen_terms == expected.n_seen_terms
    np.testing.assert_array_equal(got.idf, expected.idf)
    X = partitions.stack(got.X)
    assert X.shape == expected.X.shape and X.nnz == expected.X.nnz == got.nnz
    assert abs(X - expected.X).max() <= 1e-12
    np.testing.assert_array_equal(got.coverage, coverage(analyze(texts, analyzer), expected.terms))
    assert got.empty_rows == expected.empty_rows
    assert got.norm == pytest.approx(expected.norm, rel=1e-12)
    return got


@pytest.mark.parametrize("options", [
    VectorizeOptions(min_df=1, max_df=1.0),
    VectorizeOptions(min_df=2, max_df=0.5),
    VectorizeOptions(min_df=0.1, max_df=3),
    VectorizeOptions(min_df=1, max_df=1.0, max_features=7),  # many ties at the cut
    VectorizeOptions(min_df=1, max_df=1.0, max_features=1),
    VectorizeOptions(min_df=None, sublinear_tf=False),
])
def test_small_corpus_equal_in_passes(options):
    _same(TEXTS, options)


def test_stems_and_ngrams_show_the_same_forms():
    _same(TEXTS, VectorizeOptions(min_df=1, max_df=1.0, max_features=15),
          PreprocessOptions(stem=True, ngram_max=2), chunk=5)


def test_on_disk_and_in_worker_processes(tmp_path):
    got = _same(TEXTS, VectorizeOptions(min_df=1, dtype="float64"), chunk=4, folder=str(tmp_path), workers=2)
    assert got.X.on_disk and len(got.X) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"block-0000{i}.npz" for i in range(3)]


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_float32_is_the_float64_matrix_rounded_once(where, tmp_path):
    """dtype='float32' in memory and in passes: X is the float64 X rounded to float32 (the
    same in both), blocks on disk are float32 (half the bytes), ||X|| from float64 sums; out
    of core, dtype='auto' is float32."""
    analyzer = Analyzer()
    ids = [str(i) for i in range(len(TEXTS))]
    X64 = vectorize(analyze(TEXTS, analyzer), ids, VectorizeOptions(min_df=1)).X
    assert X64.dtype == np.float64  # auto, a small corpus in memory
    in_memory = vectorize(analyze(TEXTS, analyzer), ids, VectorizeOptions(min_df=1, dtype="float32"))
    assert in_memory.X.dtype == np.float32 and in_memory.options.dtype == "float32"
    assert (in_memory.X != X64.astype(np.float32)).nnz == 0
    folder = str(tmp_path) if where == "disk" else None
    got = vectorize_in_passes(chunked(TEXTS, 4), analyzer, VectorizeOptions(
        min_df=1, dtype="auto" if folder else "float32"), folder=folder)
    assert got.options.dtype == "float32" and all(b.dtype == np.float32 for b in got.X)
    assert (partitions.stack(got.X) != in_memory.X).nnz == 0
    assert got.norm == pytest.approx(in_memory.norm, rel=1e-15)
    assert in_memory.norm == pytest.approx(np.sqrt((X64.data ** 2).sum()), rel=1e-7)


def test_no_terms_is_the_same_error():
    from topicnmf.errors import VocabularyError

    with pytest.raises(VocabularyError, match="no terms left after preprocessing"):
        vectorize_in_passes(chunked(["the and of", "1999"], 1), Analyzer(), VectorizeOptions())
    with pytest.raises(VocabularyError, match="every term was filtered out by min_df=5"):
        vectorize_in_passes(chunked(TEXTS, 4), Analyzer(), VectorizeOptions(min_df=5, max_df=2))


def test_boilerplate_learned_in_chunks_is_the_same():
    footer = "Sent from the field office\nAll rights reserved"
    texts = [f"Report {i}: {t}\n{footer}" for i, t in enumerate(TEXTS * 3)]
    options = PreprocessOptions()
    whole = learn_boilerplate(texts, options)
    assert whole.boilerplate_lines == {"Sent from the field office", "All rights reserved"}
    assert learn_boilerplate_in_chunks(lambda: chunked(texts, 5), options) == whole


def test_mail_signatures_and_lines_learned_in_chunks_are_the_same():
    posts = [f"From: {who}@example.org\nSubject: note {i}\n\n{TEXTS[i % len(TEXTS)]}\n"
             f"More about rivers and plates, post {i}.\n{who.title()} Example, Field Office"
             for i, who in enumerate(["alice", "bob", "alice", "carol", "bob", "alice"] * 3)]
    texts = posts + TEXTS
    options = PreprocessOptions(repeated_line_share=0.1)
    whole = learn_boilerplate(texts, options)
    assert whole.signatures  # each author's sign-off, learned
    got = learn_boilerplate_in_chunks(lambda: chunked(texts, 4), options)
    assert (got.signatures, got.boilerplate_lines) == (whole.signatures, whole.boilerplate_lines)
    assert got.cleaning == whole.cleaning


@pytest.mark.slow
@pytest.mark.parametrize("name, options", [
    ("debian-packages.jsonl.gz", VectorizeOptions()),
    ("bbc-news.jsonl.gz", VectorizeOptions(max_features=2000)),
])
def test_real_corpus_equal_in_passes(name, options):
    texts = [row["text"] for row in read_jsonl(shared_corpus(name))][:20000]
    _same(texts, options, PreprocessOptions(stem=name.startswith("bbc")), chunk=3000)


def test_a_large_corpus_in_memory_is_tokenized_in_worker_processes(monkeypatch):
    from topicnmf import passes, pipeline
    from topicnmf.corpus import read_corpus

    from conftest import BUNDLED
    corpus = read_corpus(BUNDLED)
    expected = pipeline.prepare(corpus)
    calls = []
    monkeypatch.setattr(passes, "POOL_DOCUMENTS", 10)
    monkeypatch.setattr(passes, "CHUNK_DOCUMENTS", 30)
    real = passes.vectorize_in_passes
    monkeypatch.setattr(passes, "vectorize_in_passes", lambda *a, **k: calls.append(k) or real(*a, **k))
    got = pipeline.prepare(corpus)
    assert calls and calls[0]["workers"] == 2
    assert got.dtm.terms == expected.dtm.terms and got.dtm.doc_ids == expected.dtm.doc_ids
    assert abs(got.dtm.X - expected.dtm.X).max() <= 1e-12
    np.testing.assert_array_equal(got.coverage, expected.coverage)


def test_top_rows_equal_a_stable_full_sort():
    from topicnmf.topics import top_rows

    rng = np.random.default_rng(3)
    for column in (rng.random(1000), np.round(rng.random(1000), 1), np.zeros(50), rng.random(3)):
        for n in (1, 5, 10, 100, 2000):
            np.testing.assert_array_equal(top_rows(column, n), np.argsort(-column, kind="stable")[:n])


def test_the_language_sample_is_taken_in_the_first_pass_when_the_count_is_expected():
    texts = [f"{t} number {i}" for i, t in enumerate(TEXTS * 400)]  # 4,800 texts: a step of 9
    calls = []

    def chunk_passes():
        calls.append(1)
        return chunked(texts, 700)

    alone = learn_boilerplate_in_chunks(chunk_passes, PreprocessOptions())
    passes_alone, calls[:] = len(calls), []
    for expected in (len(texts), len(texts) + 1):  # a CSV's lines: its rows and the header
        sampled = learn_boilerplate_in_chunks(chunk_passes, PreprocessOptions(), expected=expected)
        assert sampled == alone and sampled.language == alone.language == learn_boilerplate(texts, PreprocessOptions()).language
        assert len(calls) == passes_alone - 1
        calls[:] = []
    learn_boilerplate_in_chunks(chunk_passes, PreprocessOptions(), expected=len(texts) * 3)  # a wrong guess: a pass more
    assert len(calls) == passes_alone


@pytest.mark.parametrize("templated", [False, True])
def test_counts_made_during_the_first_pass_are_used_only_for_the_analyzer_learned(tmp_path, templated):
    from topicnmf.first_pass import AheadCounts

    texts = [f"{t}\nFooter of the site" if templated else t for t in TEXTS * 3]
    options = PreprocessOptions(language="english")  # (so short a sample may also be taken for Breton)
    ahead = AheadCounts(options, str(tmp_path), workers=1)
    learned = learn_boilerplate_in_chunks(ahead.passes(lambda: chunked(texts, 5)), options)
    counted = ahead.result(learned)
    assert (counted is None) == templated == bool(learned.boilerplate_lines)
    assert not templated or not list(tmp_path.iterdir())  # the counts made in vain removed
    analyzer, options = Analyzer(learned), VectorizeOptions(min_df=1, dtype="float64")
    got = vectorize_in_passes(chunked(texts, 5) if counted is None else (), analyzer, options,
                              folder=str(tmp_path / "x"), counted=counted)
    expected = vectorize(analyze(texts, analyzer), [str(i) for i in range(len(texts))], options)
    assert got.terms == expected.terms
    np.testing.assert_allclose(partitions.stack(got.X).toarray(), expected.X.toarray(), rtol=1e-12)
