"""Saving and loading a fitted model without pickle: arrays in .npz, the rest in JSON.

A shell: the only stage besides ``report`` that writes files, and the only one that reads
models back. Loading never executes code (``allow_pickle=False``).
"""

import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .errors import ModelFileError
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
    _atomic_write(folder / ARRAYS, lambda f: np.savez_compressed(f, H=model.H, idf=model.idf))
    _atomic_write(folder / META, lambda f: f.write(json.dumps(meta, indent=1).encode("utf-8")))


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


def load_model(path):
    """Read a model folder (or a report folder holding ``model/``). Never runs code."""
    folder = Path(path)
    if (folder / "model" / META).exists():
        folder = folder / "model"
    if not (folder / META).exists() or not (folder / ARRAYS).exists():
        raise ModelFileError(
            f"{path}: no saved model here (expected {META} and {ARRAYS}); "
            "pass the folder written by 'topicnmf run' or its model/ subfolder."
        )
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS, allow_pickle=False) as arrays:
            H, idf = arrays["H"], arrays["idf"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{folder}: the model files are corrupt ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("schema") != MODEL_SCHEMA:
        raise ModelFileError(f"{folder}/{META}: not a {MODEL_SCHEMA} model file.")
    try:
        terms = tuple(meta["terms"])
        model = SavedModel(
            H=H, idf=idf, terms=terms, display_terms=tuple(meta["display_terms"]),
            labels=tuple(meta["labels"]),
            preprocess=Preprocessing.from_dict(meta["preprocess"]),
            vectorize=VectorizeOptions(**meta["vectorize"]),
            parameters=meta["parameters"],
            # models saved before the floor existed: the measured typical one, no coverage floor
            match_floor=MatchFloor(**meta.get("match_floor", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{folder}/{META}: missing or invalid field ({exc}).") from None
    if H.ndim != 2 or H.shape[1] != len(terms) or idf.shape != (len(terms),):
        raise ModelFileError(
            f"{folder}: arrays do not match the vocabulary (H {H.shape}, idf {idf.shape}, "
            f"{len(terms)} terms)."
        )
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(idf))) or H.min() < 0:
        raise ModelFileError(f"{folder}: H must be finite and nonnegative.")
    return model
