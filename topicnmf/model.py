"""Saving and loading a fitted model without pickle: arrays in .npz, the rest in JSON.

A shell: the only stage besides ``report`` that writes files, and the only one that reads
models back. Loading never executes code (``allow_pickle=False``).
"""

import json
import math
import os
import stat
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from tokenize import TokenError

import numpy as np

from .errors import ModelFileError
from .nmf import SolverOptions
from .preprocess import Preprocessing
from .topics import MatchFloor
from .vectorize import VectorizeOptions

MODEL_SCHEMA = "topicnmf.model/1"
ARRAYS = "model.npz"
META = "model.json"


@dataclass(frozen=True)
class SavedModel:
    """What scoring new documents needs.

    H : ndarray (n_topics, n_terms), topics in report order; idf : ndarray (n_terms,)
    preprocess : Preprocessing, the fitted preprocessing (options and boilerplate lines)
    match_floor : MatchFloor, the least fit and coverage of a match a topic is named for
    """

    H: np.ndarray
    idf: np.ndarray
    terms: tuple
    display_terms: tuple
    labels: tuple
    preprocess: Preprocessing
    vectorize: VectorizeOptions
    parameters: dict
    match_floor: MatchFloor = MatchFloor()

    @property
    def n_topics(self):
        return self.H.shape[0]

    def top_terms(self, topic, n=10):
        """Readable top terms of ``topic`` (numbered from 1) with their weights."""
        row = self.H[topic - 1]
        best = np.argsort(-row, kind="stable")[:n]
        return [(self.display_terms[j], float(row[j])) for j in best if row[j] > 0]


def save_model(model, folder):
    """Write ``model.npz`` and ``model.json`` into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "schema": MODEL_SCHEMA,
        "terms": list(model.terms),
        "display_terms": list(model.display_terms),
        "labels": list(model.labels),
        "preprocess": model.preprocess.to_dict(),
        "vectorize": model.vectorize.to_dict(),
        "parameters": model.parameters,
        "match_floor": asdict(model.match_floor),
    }
    _atomic_write(folder / ARRAYS, lambda f: _savez(f, H=model.H, idf=model.idf))
    _atomic_write(folder / META, lambda f: f.write(json.dumps(meta, indent=1).encode("utf-8")))


def _savez(f, **arrays):
    """``numpy.savez_compressed`` at zlib's fastest level (what ``numpy.load`` reads the
    same): at 794k documents, H (50 x 87,890) in 0.2 s against 0.4 s, 5% larger."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def _atomic_write(path, write):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- loading: every field checked before it is used, every array before it is allocated ---

# Caps on what a model file may make us allocate. A model holds H (n_topics, n_terms) and idf
# (n_terms,) as float64: 2 GiB is 10,000 topics of 26,000 terms or 100 topics of 2.6 million,
# far past any corpus this tool reads in memory.
MAX_ARRAY_BYTES = 2**31
# Topics a person can read; a sweep stops far below this.
MAX_TOPICS = 10_000
# model.json: a million-term vocabulary (terms and readable forms) takes about 30 MB, and
# parses into about 250 MB of strings. A real one holds a dozen lists and dicts; 64 MiB of
# empty ones would parse into 1.5 GB, so brackets (in strings too) are counted first.
MAX_META_BYTES = 64 * 2**20
MAX_BRACKETS = 100_000
# Deflate expands at most about 1,030:1 (all zeros); an H of 99.9% zeros compresses about 430:1.
# Members under RATIO_FLOOR_BYTES may compress any amount: they cost nothing to read.
MAX_RATIO = 500
RATIO_FLOOR_BYTES = 2**20
# Smoothed IDF is 1 + ln((1 + n) / (1 + df)): under 30 for any corpus that exists.
MAX_IDF = 1e6
# parameters is a record of the run (a few levels of dicts), not data.
MAX_NESTING = 16
NPY_MEMBERS = {"H": 2, "idf": 1}  # member name -> its number of dimensions


def load_model(path):
    """Read a model folder (or a report folder holding ``model/``). Never runs code.

    Everything is checked before it is used: model.json's size before parsing and each field's
    type; each array's dtype, shape and size from its npy header (and the zip directory) before
    its memory is allocated; then H finite and nonnegative, idf finite, positive and at most
    MAX_IDF. A damaged or tampered model raises :class:`ModelFileError` naming the file.
    """
    folder = Path(path)
    if (folder / "model" / META).exists():
        folder = folder / "model"
    if not (folder / META).exists() or not (folder / ARRAYS).exists():
        raise ModelFileError(
            f"{path}: no saved model here (expected {META} and {ARRAYS}); "
            "pass the folder written by 'topicnmf run' or its model/ subfolder."
        )
    fields = _read_meta(folder / META)
    H, idf = _read_arrays(folder / ARRAYS, n_terms=len(fields["terms"]), n_labels=len(fields["labels"]))
    return SavedModel(H=H, idf=idf, **fields)


def _damaged(path, what):
    """The one error of a bad model file: the file, what is wrong, what to do."""
    what = " ".join(str(what).split())  # one line, whatever an exception's text held
    return ModelFileError(f"{path}: {what}; the model is damaged or was not written by "
                          "topicnmf (write it again with 'topicnmf run').")


def _read_bytes(path, cap):
    """The bytes of the regular file ``path``, refused past ``cap`` before reading."""
    try:
        size = _regular_size(path)
        if size > cap:
            raise _damaged(path, f"{size:,} bytes, more than the {cap:,} a model holds")
        with open(path, "rb") as f:
            data = f.read(size + 1)  # read(n) allocates n bytes first: not the cap
    except OSError as exc:
        raise _damaged(path, f"cannot read it ({exc})") from None
    if len(data) > size:
        raise _damaged(path, "it grew while it was read")
    return data


def _regular_size(path):
    """The size of ``path``, refused unless a regular file (a FIFO would block reading)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise _damaged(path, "not a regular file")
    return info.st_size


# --- model.json ---

def _read_meta(path):
    """The fields of :class:`SavedModel` but the arrays, each checked, from model.json."""
    data = _read_bytes(path, MAX_META_BYTES)
    if data.count(b"[") + data.count(b"{") > MAX_BRACKETS:
        raise _damaged(path, f"more than {MAX_BRACKETS:,} lists and objects")
    try:
        meta = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise _damaged(path, f"not valid JSON ({what})") from None
    if not isinstance(meta, dict) or meta.get("schema") != MODEL_SCHEMA:
        raise _damaged(path, f"not a {MODEL_SCHEMA} model file")
    for name in ("terms", "display_terms", "labels", "preprocess", "vectorize", "parameters"):
        if name not in meta:
            raise _damaged(path, f"no '{name}' field")
    terms = _strings(path, meta, "terms")
    if not terms:
        raise _damaged(path, "'terms' is empty")
    if len(set(terms)) != len(terms):
        duplicate = next(t for t, n in Counter(terms).items() if n > 1)
        raise _damaged(path, f"'terms' holds {duplicate!r} more than once")
    display_terms = _strings(path, meta, "display_terms")
    if len(display_terms) != len(terms):
        raise _damaged(path, f"{len(display_terms)} display_terms for {len(terms)} terms")
    return {
        "terms": terms, "display_terms": display_terms, "labels": _strings(path, meta, "labels"),
        "preprocess": _preprocessing(path, meta["preprocess"]),
        "vectorize": _options(path, "vectorize", meta["vectorize"], VectorizeOptions.recorded),
        "parameters": _parameters(path, meta["parameters"]),
        # models saved before the floor existed: the measured typical one, no coverage floor
        "match_floor": _match_floor(path, meta.get("match_floor", {})),
    }


def _strings(path, d, name, where=""):
    """``d[name]`` as a tuple of str, or the error saying it is not a list of strings."""
    value = d[name]
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise _damaged(path, f"'{where}{name}' must be a list of strings; got {_kind(value)}")
    return tuple(value)


def _kind(value):
    if isinstance(value, list):
        odd = next((v for v in value if not isinstance(v, str)), None)
        return f"a list holding {type(odd).__name__}" if odd is not None else "a list"
    return type(value).__name__


def _options(path, name, d, build):
    """``build(d)`` for the options dict ``d``; its ParameterError names the file."""
    if not isinstance(d, dict):
        raise _damaged(path, f"'{name}' must be an object; got {_kind(d)}")
    try:
        return build(d)
    except KeyError as exc:
        raise _damaged(path, f"'{name}' has no {exc} field") from None
    except (TypeError, ValueError) as exc:  # ParameterError is a ValueError
        raise _damaged(path, f"invalid '{name}' ({exc})") from None


def _preprocessing(path, d):
    if isinstance(d, dict):
        for name in ("stop_words", "boilerplate_lines"):
            if name in d:
                _strings(path, d, name, where="preprocess.")
    return _options(path, "preprocess", d, Preprocessing.from_dict)


def _parameters(path, d):
    """The run's parameters: a dict, its 'nmf' settings those a solver accepts."""
    if not isinstance(d, dict):
        raise _damaged(path, f"'parameters' must be an object; got {_kind(d)}")
    if _nested_deeper(d, MAX_NESTING):
        raise _damaged(path, f"'parameters' nested more than {MAX_NESTING} levels deep")
    n = d.get("n_documents", 0)  # the documents the model stands for (update's old weight)
    if isinstance(n, bool) or not isinstance(n, (int, float)) or not 0 <= n < float("inf"):
        raise _damaged(path, f"'parameters.n_documents' must be a number >= 0; got {n!r}")
    nmf = d.get("nmf", {})
    _options(path, "parameters.nmf", nmf, lambda n: SolverOptions(
        beta_loss=n.get("beta_loss", "frobenius"), solver=n.get("solver")))
    return d


def _nested_deeper(value, levels):
    """Whether lists and dicts nest in ``value`` more than ``levels`` deep (looking no deeper,
    so a JSON document nested as deep as the parser allows does not exhaust the stack)."""
    if not isinstance(value, (dict, list)):
        return False
    if levels == 0:
        return True
    return any(_nested_deeper(child, levels - 1)
               for child in (value.values() if isinstance(value, dict) else value))


def _match_floor(path, d):
    if not isinstance(d, dict) or not set(d) <= {"fit", "coverage"}:
        raise _damaged(path, "'match_floor' must be an object of 'fit' and 'coverage'")
    for name, value in d.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _damaged(path, f"'match_floor.{name}' must be a finite number; got {value!r}")
    return MatchFloor(**{name: float(value) for name, value in d.items()})


# --- model.npz ---

def _read_arrays(path, *, n_terms, n_labels):
    """H (n_topics, n_terms) and idf (n_terms,) as float64, each member's npy header and zip
    entry checked before its memory is allocated (at most MAX_ARRAY_BYTES in all)."""
    try:
        file_size = _regular_size(path)
        with zipfile.ZipFile(path) as archive:
            headers = {name: _npy_header(path, archive, name, file_size) for name in NPY_MEMBERS}
            n_topics = headers["H"][1][0]
            checks = [
                (headers["H"][1][1] == n_terms and headers["idf"][1] == (n_terms,),
                 f"H {headers['H'][1]} and idf {headers['idf'][1]} do not match the "
                 f"{n_terms:,} terms of {META}"),
                (n_topics >= 1, "H has no topics"),
                (n_topics <= MAX_TOPICS, f"H has {n_topics:,} topics, more than {MAX_TOPICS:,}"),
                (n_topics == n_labels, f"H has {n_topics:,} topics and {META} {n_labels:,} labels"),
                (sum(8 * math.prod(shape) for _, shape in headers.values()) <= MAX_ARRAY_BYTES,
                 f"H and idf would take more than {MAX_ARRAY_BYTES:,} bytes"),
            ] + [
                (info.file_size <= max(RATIO_FLOOR_BYTES, MAX_RATIO * info.compress_size),
                 f"{info.filename} expands {info.compress_size:,} bytes to {info.file_size:,}, "
                 f"more than {MAX_RATIO}:1")
                for info, _ in headers.values()
            ]
            for ok, what in checks:
                if not ok:
                    raise _damaged(path, what)
            H, idf = (_npy_array(archive, info) for info, _ in headers.values())
    # NotImplementedError: zip features numpy never writes (zip versions, flag bits)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, ValueError, NotImplementedError) as exc:
        raise _damaged(path, f"not a readable npz archive ({type(exc).__name__}: {exc})") from None
    if not np.isfinite(H).all() or H.min() < 0:
        raise _damaged(path, "H must be finite and nonnegative")
    if not np.isfinite(idf).all() or idf.min() <= 0 or idf.max() > MAX_IDF:
        raise _damaged(path, f"idf must be finite, positive and at most {MAX_IDF:g}")
    return H, idf


def _npy_header(path, archive, name, file_size):
    """(zip entry, shape) of the npy member ``name``, checked: deflated or stored, a real
    native float of the expected dimensions, its declared size under the cap and equal to
    the member's."""
    member = f"{name}.npy"
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise _damaged(path, f"no {member} in the archive") from None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x61:
        raise _damaged(path, f"{member} is encrypted or compressed in a way numpy never writes")
    if info.file_size > MAX_ARRAY_BYTES + 2**16:
        raise _damaged(path, f"{member} expands to {info.file_size:,} bytes, more than "
                             f"the {MAX_ARRAY_BYTES:,} a model may hold")
    if info.compress_size > file_size:
        raise _damaged(path, f"{member} claims more bytes than the file has")
    with archive.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"npy format {version}, not 1.0 or 2.0")
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read_header(f)
        except (ValueError, TypeError, SyntaxError, TokenError) as exc:  # numpy's header parser
            raise _damaged(path, f"{member} is not an npy array ({exc})") from None
        header_size = f.tell()
    if not (dtype.kind == "f" and dtype.itemsize in (4, 8) and dtype.isnative
            and dtype.fields is None and dtype.subdtype is None):
        raise _damaged(path, f"{member} holds {dtype}, not float32 or float64")
    if len(shape) != NPY_MEMBERS[name] or any(n < 0 for n in shape):
        raise _damaged(path, f"{member} has shape {shape}; expected {NPY_MEMBERS[name]} dimensions")
    declared = math.prod(shape) * dtype.itemsize
    if declared > MAX_ARRAY_BYTES:
        raise _damaged(path, f"{member} declares shape {shape}, {declared:,} bytes, more than "
                             f"the {MAX_ARRAY_BYTES:,} a model may hold")
    if header_size + declared != info.file_size:
        raise _damaged(path, f"{member} declares shape {shape} ({declared:,} bytes) but holds "
                             f"{info.file_size - header_size:,} bytes")
    return info, tuple(int(n) for n in shape)


def _npy_array(archive, info):
    """The checked member ``info`` as a C-ordered array of its own float type (numpy reads it
    in blocks into an array of the declared size; no pickle): a float32 H (``--dtype
    float32``) stays float32, so that the loaded model scores exactly as the one saved."""
    with archive.open(info) as f:
        array = np.lib.format.read_array(f, allow_pickle=False)
    return np.ascontiguousarray(array, dtype=np.float32 if array.dtype == np.float32 else np.float64)
