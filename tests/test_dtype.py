"""--dtype: X, W and H in float32 (half the memory, a faster fit) with the same topics as
float64; 'auto' chooses float32 for a large corpus or out of core, and the choice is recorded
with the model, which ``transform`` follows."""

import json

import numpy as np
import pytest

from topicnmf import outofcore, pipeline, vectorize
from topicnmf.cli import main
from topicnmf.corpus import Corpus, Document
from topicnmf.docweights import DocWeights
from topicnmf.errors import ParameterError
from topicnmf.model import load_model
from topicnmf.vectorize import VectorizeOptions

from conftest import BUNDLED, read_jsonl, shared_corpus


def same_top_terms(H64, H32, top=10):
    """Share of the float64 topics whose top-``top`` terms (as a set) a float32 topic has,
    topics paired one to one by shared top terms."""
    from scipy.optimize import linear_sum_assignment

    a = [set(np.argsort(-h, kind="stable")[:top]) for h in np.asarray(H64)]
    b = [set(np.argsort(-h, kind="stable")[:top]) for h in np.asarray(H32)]
    shared = np.array([[len(x & y) for y in b] for x in a])
    rows, cols = linear_sum_assignment(-shared)
    return float(np.mean(shared[rows, cols] == top))


def _runs(source, k, **settings):
    return {dtype: pipeline.run(source, n_topics=k, vectorize=VectorizeOptions(dtype=dtype), **settings).result
            for dtype in ("float64", "float32")}


def test_float32_gives_the_topics_of_float64():
    runs = _runs(BUNDLED, 6)
    r64, r32 = runs["float64"], runs["float32"]
    assert r64.dtm.X.dtype == np.float64 and r32.dtm.X.dtype == np.float32
    assert r32.topics.W.dtype == np.float32 and r32.topics.H.dtype == np.float32
    assert same_top_terms(r64.topics.H, r32.topics.H) == 1.0
    assert r32.fit.relative_error == pytest.approx(r64.fit.relative_error, abs=1e-6)
    assert r32.topics.doc_topics["dominant_topic"].tolist() == r64.topics.doc_topics["dominant_topic"].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("name, k", [("bbc-news.jsonl.gz", 10), ("debian-packages.jsonl.gz", 20)])
def test_float32_topics_on_a_real_corpus(name, k):
    """The same top-10 terms for at least 95% of the topics, an error within 1e-4."""
    rows = read_jsonl(shared_corpus(name))[:20000]
    corpus = Corpus([Document(id=str(i), text=r["text"]) for i, r in enumerate(rows)], source=name)
    runs = _runs(corpus, k)
    assert runs["float32"].dtm.X.dtype == np.float32
    share = same_top_terms(runs["float64"].topics.H, runs["float32"].topics.H)
    assert share >= 0.95, share
    assert runs["float32"].fit.relative_error == pytest.approx(runs["float64"].fit.relative_error, abs=1e-4)
    print(name, {d: (r.fit.n_iter, r.fit.relative_error, r.timings["factorize"]) for d, r in runs.items()})
    assert runs["float32"].fit.converged and runs["float32"].fit.n_iter <= runs["float64"].fit.n_iter + 20


def test_a_float32_objective_that_rises_by_rounding_has_stalled():
    """float32's objective is rounded at about 1e-7 of it: past that, a monotone method's
    objective goes up as often as down, and a rise counts as no decrease (float64: a rise
    above tol does not stop the fit, as before)."""
    from topicnmf.nmf._common import _stalled

    losses = [100.0, 90.0, 89.0, 88.99999, 89.00001, 89.000005]
    assert _stalled(losses, 1e-9, rounding=True)
    assert not _stalled(losses, 1e-9)
    assert not _stalled(losses[:4], 1e-9, rounding=True)  # still falling by more than tol
    assert not _stalled(losses, 0.0, rounding=True)  # tol=0: max_iter iterations


def test_auto_chooses_float32_from_a_number_of_documents(monkeypatch, tmp_path):
    """'auto' (the default): float64 under FLOAT32_DOCUMENTS documents, float32 from it; the
    choice is recorded in topics.json and model.json only when float32 (a record without a
    dtype, as every earlier one, is float64)."""
    monkeypatch.setattr(vectorize, "FLOAT32_DOCUMENTS", 127)  # the bundled corpus: 126 documents
    assert main(["run", str(BUNDLED), "--topics", "4", "-q", "--out", str(tmp_path / "small")]) == 0
    monkeypatch.setattr(vectorize, "FLOAT32_DOCUMENTS", 126)
    assert main(["run", str(BUNDLED), "--topics", "4", "-q", "--out", str(tmp_path / "large")]) == 0
    for side, dtype in (("small", "float64"), ("large", "float32")):
        recorded = json.loads((tmp_path / side / "topics.json").read_text())["parameters"]["vectorize"]
        assert recorded.get("dtype", "float64") == dtype and ("dtype" in recorded) == (dtype == "float32")
        assert load_model(tmp_path / side).vectorize.dtype == dtype
        assert f'dtype = "{dtype}"' in (tmp_path / side / "config.toml").read_text()  # as chosen
    assert VectorizeOptions().resolve(5).dtype == "float64"
    assert VectorizeOptions().resolve(5, out_of_core=True).dtype == "float32"
    assert VectorizeOptions(dtype="float64").resolve(10**7, out_of_core=True).dtype == "float64"


def test_out_of_core_auto_is_float32_on_disk(tmp_path, monkeypatch):
    """Out of core, X's blocks and W's blocks on disk are float32 (half the bytes), and the
    topics are those of the run in memory in float64."""
    monkeypatch.setattr(outofcore.MemoryPlan, "chunk_documents", lambda self: 40)
    seen = []
    load = outofcore.parts.load_block
    monkeypatch.setattr(outofcore.parts, "load_block", lambda path: seen.append((path, b := load(path))) or b)
    disk = pipeline.run(BUNDLED, n_topics=6, max_memory="100KB").result
    memory = pipeline.run(BUNDLED, n_topics=6).result
    assert disk.dtm.X.on_disk and disk.dtm.options.dtype == "float32" and memory.dtm.X.dtype == np.float64
    blocks = [block for path, block in seen if "block-" in path]  # X's (not the counts of pass 1)
    assert blocks and all(block.dtype == np.float32 for block in blocks)
    assert isinstance(disk.topics.W, DocWeights)
    assert all(np.load(path).dtype == np.float32 for path in disk.topics.W.paths)
    assert same_top_terms(memory.topics.H, disk.topics.H) == 1.0
    assert disk.fit.relative_error == pytest.approx(memory.fit.relative_error, abs=1e-6)


def test_transform_follows_the_models_dtype_or_the_option(tmp_path):
    assert main(["run", str(BUNDLED), "--topics", "5", "--dtype", "float32", "-q", "--out", str(tmp_path / "m")]) == 0
    model = load_model(tmp_path / "m")
    corpus = pipeline.read(BUNDLED, pipeline.configure())
    scores = {d: pipeline.score(corpus, model, dtype=d) for d in ("auto", "float64")}
    assert scores["auto"].dtm.X.dtype == np.float32 and scores["auto"].W.dtype == np.float32
    assert scores["float64"].dtm.X.dtype == np.float64 and scores["float64"].W.dtype == np.float64
    np.testing.assert_allclose(scores["auto"].W, scores["float64"].W, atol=1e-5)
    for extra, dtype in (([], "float32"), (["--dtype", "float64"], "float64")):
        out = tmp_path / f"t-{dtype}"
        assert main(["transform", str(tmp_path / "m"), str(BUNDLED), "-q", "--out", str(out), *extra]) == 0
        assert (out / "doc_topics.csv").read_text().count("\n") == 127


def test_a_saved_float32_model_scores_exactly_as_before_saving(tmp_path):
    from topicnmf.corpus import from_texts
    from topicnmf.model import save_model

    model = pipeline.run(BUNDLED, n_topics=5, vectorize=VectorizeOptions(dtype="float32")).model
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.H.dtype == np.float32  # (it was read back as float64: fit 0.517920 became 0.517921)
    texts = from_texts(["Owls hunt mice at night in the forest.", "The weather was nice today.",
                        "Rivers carve valleys through the mountains."])
    before, after = pipeline.score(texts, model), pipeline.score(texts, loaded)
    for name in ("W", "fit", "coverage"):
        np.testing.assert_array_equal(getattr(after, name), getattr(before, name), err_msg=name)
    assert after.doc_topics.equals(before.doc_topics)


def test_a_bad_dtype_is_one_line_naming_it(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", str(BUNDLED), "--dtype", "float16", "--out", str(tmp_path / "out")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--dtype: invalid choice: 'float16'" in err and len(err.strip().splitlines()) == 1
    config = tmp_path / "bad.toml"
    config.write_text('dtype = "half"\n', encoding="utf-8")
    assert main(["run", str(BUNDLED), "--config", str(config), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "dtype must be one of auto, float64, float32; got 'half'" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(ParameterError, match="dtype must be one of auto, float64, float32; got 'float16'"):
        VectorizeOptions(dtype="float16")
    assert not (tmp_path / "out").exists()


def test_a_float32_row_product_of_many_nonzeros_is_summed_in_float64():
    """The fused HALS update of a float32 factor sums each row of X B in float64 (16
    nonzeros at a time in float32, the chunks in float64): a term in 300,000 documents (a
    row of X^T with that many nonzeros) gives the update and the cross term of float64,
    rounded, not a float32 running sum (off by ~1e-5 there)."""
    import scipy.sparse as sp

    from topicnmf.nmf._engine import make_engine

    rng = np.random.default_rng(0)
    n, k = 300_000, 8
    Xt = sp.csr_matrix(rng.random((2, n)))  # two terms, each in every document
    B = rng.random((n, k))
    G = B.T @ B
    engine = make_engine("fast")
    out = {}
    for dtype in (np.float64, np.float32):
        A_in = np.full((2, k), 0.1, dtype=dtype)
        A_out = np.empty_like(A_in)
        cross, _ = engine.hals_rows(Xt.astype(dtype), B.astype(dtype), G, A_in, A_out, 0.0, 0.0, 1, 0.1, 0.0)
        out[np.dtype(dtype).name] = A_out.astype(np.float64), cross
    np.testing.assert_allclose(out["float32"][0], out["float64"][0], rtol=2e-6)
    assert out["float32"][1] == pytest.approx(out["float64"][1], rel=1e-6)
    # X^T A scattered from X's rows (the partitioned fit's and the start's product): float64 sums
    X = sp.random(300_000, 50, density=0.3, random_state=0, format="csr")
    A = rng.random((300_000, 8))
    got = engine.tdot(X.astype(np.float32), A.astype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, engine.tdot(X, A), rtol=2e-7)  # float32 sums: off by 3e-6


def test_float32_weights_are_written_as_pandas_writes_them_by_the_fast_writer():
    import pandas as pd

    from topicnmf.report import fastcsv

    rng = np.random.default_rng(0)
    W = (rng.random((500, 4)) * (rng.random((500, 4)) < 0.5)).astype(np.float32)
    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(500)], **{f"topic_{j}": W[:, j] for j in range(4)}})
    assert fastcsv.supported(frame)  # not pandas' Python formatting, 12x slower
    assert fastcsv.frame_csv(frame) == frame.to_csv(index=False, lineterminator="\n", float_format="%.6g")
