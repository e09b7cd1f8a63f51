"""A saved model read back: real models load unchanged, and every damaged or tampered file
gives ModelFileError (one line, naming the file) before any large allocation."""

import io
import json
import shutil
import struct
import tempfile
import tracemalloc
import zipfile
import zlib
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topicnmf import model as model_module
from topicnmf.errors import ModelFileError
from topicnmf.model import SavedModel, load_model, save_model
from topicnmf.preprocess import PreprocessOptions, Preprocessing
from topicnmf.topics import MatchFloor
from topicnmf.vectorize import VectorizeOptions

N_TOPICS, N_TERMS = 6, 589  # the bundled run's model: topicnmf run corpora/field-guides --topics 6


def _model(n_topics=N_TOPICS, n_terms=N_TERMS, zeros=0.57, seed=0):
    """A model shaped like a fitted one: H with the share of zeros NMF leaves, smoothed IDF."""
    rng = np.random.default_rng(seed)
    H = rng.gamma(0.5, 0.05, (n_topics, n_terms)) * (rng.random((n_topics, n_terms)) > zeros)
    terms = tuple(f"term{j}" for j in range(n_terms))
    return SavedModel(
        H=H, idf=1 + np.log(127 / (1 + rng.integers(1, 60, n_terms))), terms=terms,
        display_terms=tuple(t.upper() for t in terms),
        labels=tuple(f"label {t}" for t in range(1, n_topics + 1)),
        preprocess=Preprocessing(PreprocessOptions(), frozenset({"-- sent from my phone --"})),
        vectorize=VectorizeOptions(min_df=2),
        parameters={"topicnmf_version": "0.1.0", "n_topics": n_topics,
                    "nmf": {"solver": "cd", "beta_loss": "frobenius", "init": "nndsvd", "tol": 1e-9}},
        match_floor=MatchFloor(fit=0.1045, coverage=0.3083),
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved") / "model"
    save_model(_model(), folder)
    return folder


@pytest.fixture
def folder(saved, tmp_path):
    """A fresh copy of the saved model to tamper with."""
    return Path(shutil.copytree(saved, tmp_path / "model"))


def _meta(folder):
    return json.loads((folder / "model.json").read_text(encoding="utf-8"))


def _write_meta(folder, meta=None, text=None):
    (folder / "model.json").write_text(text if text is not None else json.dumps(meta), encoding="utf-8")


def _arrays(folder):
    with np.load(folder / "model.npz") as arrays:
        return {name: arrays[name] for name in arrays.files}


def _npy(array=None, *, descr="<f8", shape=None):
    """npy bytes: of ``array``, or a header declaring ``descr`` and ``shape`` alone."""
    f = io.BytesIO()
    if array is not None:
        np.lib.format.write_array(f, array, allow_pickle=False)
    else:
        np.lib.format.write_array_header_1_0(f, {"descr": descr, "fortran_order": False, "shape": shape})
    return f.getvalue()


def _write_npz(folder, **members):
    """model.npz with these members: an array, or raw bytes of an npy file."""
    with zipfile.ZipFile(folder / "model.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in members.items():
            archive.writestr(f"{name}.npy", value if isinstance(value, bytes) else _npy(value))


def _write_zeros_zip(path, members, block=2**20):
    """A zip of members ``{name: (prefix, n_zeros)}``, each the prefix then n_zeros zero bytes,
    deflated at level 9, written as it is compressed. A block of zeros deflates to the same
    bytes after every full flush, so a 4 GB member costs one block's compression and a CRC."""
    zero = bytes(block)
    entries = []
    with open(path, "wb") as out:
        for name, (prefix, n_zeros) in members.items():
            offset, crc = out.tell(), zlib.crc32(prefix)
            out.write(bytes(30 + len(name)))  # local header, written once the sizes are known
            deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
            size = out.write(deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH))
            packed = deflate.compress(zero) + deflate.flush(zlib.Z_FULL_FLUSH)
            assert deflate.compress(zero) + deflate.flush(zlib.Z_FULL_FLUSH) == packed
            blocks, rest = divmod(n_zeros, block)
            for _ in range(blocks):
                size += out.write(packed)
                crc = zlib.crc32(zero, crc)
            crc = zlib.crc32(bytes(rest), crc)
            size += out.write(deflate.compress(bytes(rest)) + deflate.flush())
            entries.append((name.encode(), offset, crc, size, len(prefix) + n_zeros))
            end = out.tell()
            out.seek(offset)
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 33, crc, size,
                                  len(prefix) + n_zeros, len(name), 0) + name.encode())
            out.seek(end)
        directory = out.tell()
        for name, offset, crc, size, full in entries:
            out.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 33, crc, size, full,
                                  len(name), 0, 0, 0, 0, 0, offset) + name)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                              out.tell() - directory, directory, 0))


def _load_fails(folder, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(folder)
    assert "\n" not in str(info.value)
    return str(info.value)


def _peak_bytes_of_loading(folder):
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError):
            load_model(folder)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- real models load unchanged ---

def test_a_saved_model_loads_back_equal(saved):
    original, loaded = _model(), load_model(saved)
    np.testing.assert_array_equal(loaded.H, original.H)
    np.testing.assert_array_equal(loaded.idf, original.idf)
    assert loaded.H.dtype == loaded.idf.dtype == np.float64 and loaded.H.flags.c_contiguous
    for name in ("terms", "display_terms", "labels", "preprocess", "vectorize", "parameters",
                 "match_floor"):
        assert getattr(loaded, name) == getattr(original, name), name


def test_a_report_folder_holding_model_loads(saved):
    assert load_model(saved.parent).n_topics == N_TOPICS


def test_a_model_saved_before_match_floor_existed_gets_the_default(folder):
    meta = _meta(folder)
    del meta["match_floor"]
    _write_meta(folder, meta)
    assert load_model(folder).match_floor == MatchFloor()


def test_float32_arrays_load_as_float32_and_fortran_ordered_ones_c_ordered(folder):
    arrays = _arrays(folder)
    _write_npz(folder, H=np.asfortranarray(arrays["H"]), idf=arrays["idf"].astype(np.float32))
    model = load_model(folder)
    np.testing.assert_array_equal(model.H, arrays["H"])
    assert model.H.dtype == np.float64 and model.H.flags.c_contiguous
    assert model.idf.dtype == np.float32  # as saved (a float32 model scores as before saving)


def test_a_large_sparse_topic_matrix_is_no_bomb(tmp_path):
    # 50 topics of 20,000 terms with 1 weight in 200 (sparse NMF): 8 MB deflated about 60:1
    model = _model(n_topics=50, n_terms=20_000, zeros=0.995)
    save_model(model, tmp_path)
    np.testing.assert_array_equal(load_model(tmp_path).H, model.H)


def test_no_model_here_says_what_to_pass(tmp_path):
    _load_fails(tmp_path, "no saved model here")


# --- each tampering of the issue ---

@pytest.mark.parametrize("H, match", [
    (np.ones((N_TOPICS, N_TERMS), dtype=bool), r"H\.npy holds bool, not float32 or float64"),
    (np.full((N_TOPICS, N_TERMS), "0.1"), r"H\.npy holds <U3, not float32"),
    (np.zeros((N_TOPICS, N_TERMS), dtype=[("w", "<f8"), ("x", "<f8")]), r"H\.npy holds \["),
    (np.zeros((N_TOPICS, N_TERMS), dtype=">f8"), r"H\.npy holds >f8"),
    (np.zeros((N_TOPICS, N_TERMS), dtype=np.complex128), r"H\.npy holds complex128"),
    (np.zeros(N_TERMS), r"H\.npy has shape \(589,\); expected 2 dimensions"),
    (np.zeros((0, N_TERMS)), "H has no topics"),
    (np.zeros((N_TOPICS, N_TERMS - 1)), r"do not match the 589 terms of model\.json"),
])
def test_an_H_of_the_wrong_kind(folder, H, match):
    _write_npz(folder, H=H, idf=_arrays(folder)["idf"])
    message = _load_fails(folder, match)
    assert message.startswith(f"{folder / 'model.npz'}: ")


def test_an_object_H_is_refused_without_unpickling(folder):
    H = np.empty((N_TOPICS, N_TERMS), dtype=object)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, H, allow_pickle=True)
    _write_npz(folder, H=buffer.getvalue(), idf=_arrays(folder)["idf"])
    _load_fails(folder, r"H\.npy holds object")


def test_an_npy_member_without_its_magic(folder):
    arrays = _arrays(folder)
    _write_npz(folder, H=_npy(arrays["H"])[6:], idf=arrays["idf"])
    _load_fails(folder, r"model\.npz: H\.npy is not an npy array \(the magic string is not correct")


def test_an_npy_header_numpy_cannot_tokenize(folder):
    arrays = _arrays(folder)
    header = _npy(arrays["H"]).replace(b"589), }", b"589 , }", 1)  # the shape's ( left open
    _write_npz(folder, H=header, idf=arrays["idf"])
    _load_fails(folder, r"model\.npz: H\.npy is not an npy array \(")


def test_a_bit_flipped_npz(folder):
    data = bytearray((folder / "model.npz").read_bytes())
    data[len(data) // 3] ^= 0x10  # inside H's deflated bytes
    (folder / "model.npz").write_bytes(bytes(data))
    _load_fails(folder, r"model\.npz: not a readable npz archive \((error|BadZipFile)")


@pytest.mark.parametrize("where, value, match", [
    ("central", 0x00FF, r"not a readable npz archive \(NotImplementedError: zip file version 25\.5"),
    ("central_flags", 0x01, r"H\.npy is encrypted or compressed in a way numpy never writes"),
    ("central_flags", 0x20, r"H\.npy is encrypted or compressed in a way numpy never writes"),
])
def test_zip_features_numpy_never_writes(folder, where, value, match):
    data = bytearray((folder / "model.npz").read_bytes())
    central = data.index(b"PK\x01\x02")
    offset = {"central": central + 6, "central_flags": central + 8}[where]  # version needed, flags
    data[offset:offset + 2] = value.to_bytes(2, "little")
    (folder / "model.npz").write_bytes(bytes(data))
    _load_fails(folder, rf"model\.npz: {match}")


def test_a_zero_byte_npz(folder):
    (folder / "model.npz").write_bytes(b"")
    _load_fails(folder, r"model\.npz: not a readable npz archive \(BadZipFile: File is not a zip file")


def test_a_shape_declaring_71_pib_allocates_nothing(folder):
    arrays = _arrays(folder)
    huge = (N_TOPICS, 71 * 2**50 // (8 * N_TOPICS))
    _write_npz(folder, H=_npy(shape=huge) + arrays["H"].tobytes(), idf=arrays["idf"])
    _load_fails(folder, r"H\.npy declares shape \(6, 1665393612204714\), 79,[\d,]+ bytes, more than the 2,147,483,648")
    assert _peak_bytes_of_loading(folder) < 50 * 2**20


def test_a_shape_larger_than_the_member(folder):
    arrays = _arrays(folder)
    _write_npz(folder, H=_npy(shape=(N_TOPICS, N_TERMS)) + arrays["H"].tobytes()[:-8], idf=arrays["idf"])
    _load_fails(folder, r"H\.npy declares shape \(6, 589\) \(28,272 bytes\) but holds 28,264 bytes")


def test_a_zip_bomb_of_3_7_mb_expanding_to_4_gb_allocates_nothing(folder):
    n_topics = 4_000_000_000 // (8 * N_TERMS)
    header = _npy(shape=(n_topics, N_TERMS))
    idf = _npy(_arrays(folder)["idf"])
    _write_zeros_zip(folder / "model.npz", {"H.npy": (header, 8 * n_topics * N_TERMS), "idf.npy": (idf, 0)})
    assert 3.5e6 < (folder / "model.npz").stat().st_size < 4e6
    with zipfile.ZipFile(folder / "model.npz") as archive:
        assert archive.getinfo("H.npy").file_size > 4e9 - 1e6
    _load_fails(folder, r"H\.npy expands to 3,99\d,\d+,\d+ bytes, more than the 2,147,483,648 a model")
    assert _peak_bytes_of_loading(folder) < 50 * 2**20


def test_a_member_deflated_past_any_real_array_is_refused_before_inflating(folder):
    # under every cap, but 32 MiB of zeros deflate about 1,030:1: no fitted H does
    n_topics = 2**25 // (8 * N_TERMS)
    _write_meta(folder, _meta(folder) | {"labels": [f"topic {t}" for t in range(n_topics)]})
    _write_zeros_zip(folder / "model.npz", {"H.npy": (_npy(shape=(n_topics, N_TERMS)), 8 * n_topics * N_TERMS),
                                            "idf.npy": (_npy(_arrays(folder)["idf"]), 0)})
    _load_fails(folder, r"H\.npy expands [\d,]+ bytes to 33,\d+,\d+, more than 500:1")
    assert _peak_bytes_of_loading(folder) < 10 * 2**20


def test_the_size_cap_holds_for_well_compressed_arrays_too(folder, monkeypatch):
    monkeypatch.setattr(model_module, "MAX_ARRAY_BYTES", 16_000)
    _load_fails(folder, r"H\.npy declares shape \(6, 589\), 28,272 bytes, more than the 16,000")


def test_100000_topics(folder):
    n_topics = 100_000
    meta = _meta(folder)
    meta["labels"] = [f"topic {t}" for t in range(n_topics)]
    _write_meta(folder, meta)
    _write_zeros_zip(folder / "model.npz", {"H.npy": (_npy(shape=(n_topics, N_TERMS), descr="<f4"),
                                                      4 * n_topics * N_TERMS),
                                            "idf.npy": (_npy(_arrays(folder)["idf"]), 0)})
    _load_fails(folder, r"model\.npz: H has 100,000 topics, more than 10,000")


def test_one_label_per_topic(folder):
    meta = _meta(folder)
    meta["labels"] = meta["labels"][:-1]
    _write_meta(folder, meta)
    _load_fails(folder, r"model\.npz: H has 6 topics and model\.json 5 labels")


@pytest.mark.parametrize("idf, match", [
    (1e308, r"idf must be finite, positive and at most 1e\+06"),
    (np.inf, "idf must be finite"),
    (0.0, "idf must be finite, positive"),
    (np.nan, "idf must be finite"),
])
def test_an_absurd_idf(folder, idf, match):
    arrays = _arrays(folder)
    arrays["idf"][3] = idf
    _write_npz(folder, **arrays)
    _load_fails(folder, rf"model\.npz: {match}")


@pytest.mark.parametrize("value", [-1e-3, np.inf, np.nan])
def test_an_H_not_finite_and_nonnegative(folder, value):
    arrays = _arrays(folder)
    arrays["H"][2, 5] = value
    _write_npz(folder, **arrays)
    _load_fails(folder, r"model\.npz: H must be finite and nonnegative")


def test_deeply_nested_json(folder):
    meta_text = json.dumps(_meta(folder) | {"parameters": "X"})
    _write_meta(folder, text=meta_text.replace('"X"', "[" * 50_000 + "]" * 50_000))
    _load_fails(folder, r"model\.json: not valid JSON \(nested too deeply\)")


def test_model_json_of_many_small_lists_is_not_parsed(folder):
    _write_meta(folder, _meta(folder) | {"parameters": {"x": [[]] * 200_000}})
    _load_fails(folder, r"model\.json: more than 100,000 lists and objects")


@pytest.mark.parametrize("depth", [17, 800])
def test_parameters_nested_past_what_a_record_needs(folder, depth):
    meta_text = json.dumps(_meta(folder) | {"parameters": "X"})
    _write_meta(folder, text=meta_text.replace('"X"', '{"a": ' * depth + "{}" + "}" * depth))
    _load_fails(folder, r"model\.json: ('parameters' nested more than 16 levels deep|not valid JSON)")


@pytest.mark.parametrize("field, value, match", [
    ("display_terms", 7, r"'display_terms' must be a list of strings; got int"),
    ("display_terms", list(range(N_TERMS)), r"'display_terms' must be a list of strings; got a list holding int"),
    ("display_terms", ["a"] * (N_TERMS - 1), r"588 display_terms for 589 terms"),
    ("parameters", [1, 2], r"'parameters' must be an object; got a list"),
    ("parameters", {"n_documents": "300"}, r"'parameters.n_documents' must be a number >= 0; got '300'"),
    ("parameters", {"n_documents": -1}, r"'parameters.n_documents' must be a number >= 0; got -1"),
    ("terms", ["term0"] * N_TERMS, r"'terms' holds 'term0' more than once"),
    ("terms", [], r"'terms' is empty"),
    ("terms", "term0", r"'terms' must be a list of strings; got str"),
    ("labels", None, r"'labels' must be a list of strings; got NoneType"),
    ("schema", "topicnmf.model/9", r"not a topicnmf.model/1 model file"),
    ("vectorize", {"min_df": -1}, r"invalid 'vectorize' \(min_df must be a positive"),
    ("vectorize", {"colour": 1}, r"invalid 'vectorize' \(.*unexpected keyword argument 'colour'"),
    ("vectorize", "min_df=2", r"'vectorize' must be an object; got str"),
    ("preprocess", {}, r"'preprocess' has no 'min_token_length' field"),
    ("match_floor", {"fit": "high"}, r"'match_floor.fit' must be a finite number; got 'high'"),
    ("match_floor", {"fit": 0.1, "extra": 1}, r"'match_floor' must be an object of 'fit' and 'coverage'"),
    ("match_floor", [0.1, 0.2], r"'match_floor' must be an object of 'fit' and 'coverage'"),
])
def test_a_model_json_field_of_the_wrong_kind(folder, field, value, match):
    _write_meta(folder, _meta(folder) | {field: value})
    message = _load_fails(folder, match)
    assert message.startswith(f"{folder / 'model.json'}: ")


@pytest.mark.parametrize("change, match", [
    ({"stop_words": "the"}, r"'preprocess.stop_words' must be a list of strings; got str"),
    ({"boilerplate_lines": [["x"]]}, r"'preprocess.boilerplate_lines' must be a list of strings"),
    ({"ngram_max": 9}, r"invalid 'preprocess' \(ngram_max must be an int from 1 to 5; got 9"),
    ({"clean_email": ["auto"]}, r"invalid 'preprocess' \(clean_email must be one of"),
    ({"stem": "yes"}, r"invalid 'preprocess' \(stem must be True or False"),
])
def test_preprocess_is_checked_by_its_options(folder, change, match):
    meta = _meta(folder)
    meta["preprocess"] |= change
    _write_meta(folder, meta)
    _load_fails(folder, rf"model\.json: {match}")


@pytest.mark.parametrize("nmf, match", [
    ([], r"'parameters.nmf' must be an object; got a list"),
    ({"beta_loss": "cosine"}, r"invalid 'parameters.nmf' \(.*beta_loss"),
    ({"solver": 3}, r"invalid 'parameters.nmf' \(.*solver"),
])
def test_the_solver_settings_transform_reuses_are_checked(folder, nmf, match):
    meta = _meta(folder)
    meta["parameters"]["nmf"] = nmf
    _write_meta(folder, meta)
    _load_fails(folder, rf"model\.json: {match}")


@pytest.mark.parametrize("text, match", [
    ("", r"not valid JSON \(Expecting value"),
    ('{"schema": "topicnmf.model/1",', r"not valid JSON"),
    ("[1, 2]", r"not a topicnmf.model/1 model file"),
])
def test_model_json_that_is_not_a_model(folder, text, match):
    _write_meta(folder, text=text)
    _load_fails(folder, rf"model\.json: {match}")


def test_model_json_not_utf8(folder):
    (folder / "model.json").write_bytes(b'{"schema": "\xff"}')
    _load_fails(folder, r"model\.json: not valid JSON \('utf-8' codec can't decode")


def test_model_json_past_its_size_cap_is_not_read(folder, monkeypatch):
    monkeypatch.setattr(model_module, "MAX_META_BYTES", 1000)
    _load_fails(folder, r"model\.json: [\d,]+ bytes, more than the 1,000 a model holds")


def test_a_folder_in_place_of_a_file(folder):
    (folder / "model.npz").unlink()
    (folder / "model.npz").mkdir()
    _load_fails(folder, r"model\.npz: not a regular file")


def test_the_command_line_prints_one_line_and_exits_1(folder, capsys):
    from topicnmf.cli import main

    (folder / "model.npz").write_bytes(b"")
    assert main(["show", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"topicnmf: error: {folder / 'model.npz'}: not a readable npz archive")
    assert err.count("\n") == 1


# --- fuzzing: anything else is a bug ---

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["schema", "terms", "display_terms", "labels", "preprocess", "vectorize", "parameters",
          "match_floor", "preprocess.stop_words", "preprocess.min_token_length", "preprocess.clean_email",
          "vectorize.min_df", "vectorize.max_features", "parameters.nmf", "parameters.nmf.solver",
          "match_floor.fit", "terms.0", "display_terms.3", "labels.1"]


def _tampered(saved, target):
    """A copy of ``saved`` with one of its files changed by ``target(name, data) -> data``."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-")) / "model"
    shutil.copytree(saved, folder)
    for name in ("model.json", "model.npz"):
        path = folder / name
        path.write_bytes(target(name, path.read_bytes()))
    return folder


def _assert_loads_or_refuses(folder):
    try:
        model = load_model(folder)
    except ModelFileError as exc:
        assert "\n" not in str(exc) and str(folder) in str(exc)
    else:
        assert model.H.shape == (len(model.labels), len(model.terms)) == (model.n_topics, model.idf.size)
    finally:
        shutil.rmtree(folder.parent)


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(file=st.sampled_from(["model.json", "model.npz"]),
       edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
       region=st.sampled_from(["anywhere", "head", "tail"]), cut=st.none() | st.floats(0, 1),
       stored=st.booleans())
def test_fuzz_random_bytes(saved, file, edits, region, cut, stored):
    def target(name, data):
        if name != file:
            return data
        if stored and name == "model.npz":  # the npy headers and data bare, not deflated
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
                for key, value in _arrays(saved).items():
                    archive.writestr(f"{key}.npy", _npy(value))
            data = buffer.getvalue()
        data = bytearray(data)
        for where, byte in edits:  # the zip's local headers lead, its directory trails
            span = {"anywhere": len(data), "head": min(len(data), 128), "tail": min(len(data), 256)}[region]
            data[int(where * span) if region != "tail" else len(data) - 1 - int(where * span)] = byte
        return bytes(data[:int(cut * len(data))] if cut is not None else data)
    _assert_loads_or_refuses(_tampered(saved, target))


@FUZZ
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES | st.just("__delete__"))
def test_fuzz_json_fields(saved, field, value):
    def target(name, data):
        if name != "model.json":
            return data
        meta = json.loads(data)
        *parents, last = field.split(".")
        node = meta
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        key = int(last) if isinstance(node, list) else last
        if value == "__delete__":
            del node[key]
        else:
            node[key] = value
        return json.dumps(meta).encode()
    _assert_loads_or_refuses(_tampered(saved, target))


@FUZZ
@given(member=st.sampled_from(["H", "idf"]),
       descr=st.sampled_from(["<f8", "<f4", ">f8", "<f2", "<i8", "|b1", "<c16", "|O", "<U3", "|V8",
                              [("a", "<f8")], "(2,)<f8", "<f8<"]),
       shape=st.lists(st.integers(-2, 2**62), max_size=3).map(tuple),
       payload=st.integers(0, 40_000))
def test_fuzz_npy_headers(saved, member, descr, shape, payload):
    arrays = _arrays(saved)
    header = _npy(shape=shape, descr=descr)
    arrays[member] = header + bytes(payload)

    def target(name, data):
        if name != "model.npz":
            return data
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for key, value in arrays.items():
                archive.writestr(f"{key}.npy", value if isinstance(value, bytes) else _npy(value))
        return buffer.getvalue()
    _assert_loads_or_refuses(_tampered(saved, target))


def test_saved_fields_are_what_save_model_writes(saved):
    meta = _meta(saved)
    assert set(meta) == {"schema", "terms", "display_terms", "labels", "preprocess", "vectorize",
                         "parameters", "match_floor"}
    assert meta["match_floor"] == asdict(_model().match_floor)
