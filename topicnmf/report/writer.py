"""Writing the reports: every file is rendered first, then all are moved into place.

Nothing half-written ever appears in the output folder: files are written into a
temporary folder beside it and each is renamed into place (an atomic operation) only
after all of them rendered and were written without error.

A folder describes exactly one run: ``manifest.json`` lists what the run wrote, and the
next run into the same folder removes what the previous one wrote and it does not write
again (an ``auto`` run's sweep files, the HTML of a run now asked for CSV only). Files
topicnmf never writes are left alone.
"""

import json
import logging
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from ..errors import TopicNMFError
from ..model import save_model
from .html import html_report
from .json_report import topics_json
from .markdown import markdown_report
from .tables import doc_topics_csv, topics_csv

FORMATS = ("csv", "json", "md", "html")
MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "topicnmf.manifest/1"
# Every name a topicnmf command writes into an output folder.
OWNED = frozenset({"topics.csv", "doc_topics.csv", "topics.json", "report.md", "report.html",
                   "sweep.csv", "sweep.json", "sweep.html", "config.toml", "model", MANIFEST})
log = logging.getLogger("topicnmf")


def render(result, formats=FORMATS):
    """{file name: text} for the chosen formats."""
    files = {}
    if "csv" in formats:
        files["topics.csv"] = topics_csv(result)
        files["doc_topics.csv"] = doc_topics_csv(result.topics.doc_topics)
    if "json" in formats:
        files["topics.json"] = topics_json(result)
    if "md" in formats:
        files["report.md"] = markdown_report(result)
    if "html" in formats:
        files["report.html"] = html_report(result)
    return files


STAGING_PREFIX = ".topicnmf-"


@contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM while files are renamed into place; they arrive just after."""
    can_block = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    held = {signal.SIGINT, signal.SIGTERM}
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _previous(out):
    """The names the previous run wrote into ``out``: its manifest's, or without one (a
    folder from an older topicnmf) every name topicnmf writes that is there."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
        names = {str(name).rstrip("/") for name in listed}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        names = {p.name for p in out.iterdir()}
    return sorted(n for n in names & OWNED if (out / n).exists() or (out / n).is_symlink())


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def write_files(files, out_dir, model=None, *, command="run"):
    """Write {name: text} (and a model folder) into ``out_dir`` all-or-nothing, with a
    manifest of what ``command`` wrote; what a previous run wrote there and this one does
    not write is removed (and said so).

    Returns the list of paths written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TopicNMFError(f"{out}: cannot create the output folder ({exc.strerror}).") from None
    if not out.is_dir():
        raise TopicNMFError(f"{out}: exists and is not a folder; choose another output folder.")
    for stale in out.glob(STAGING_PREFIX + "*"):  # left by a run that was killed outright
        shutil.rmtree(stale, ignore_errors=True)
    names = sorted(files) + (["model"] if model is not None else [])
    manifest = {"schema": MANIFEST_SCHEMA, "command": command,
                "files": [n + "/" if n == "model" else n for n in names + [MANIFEST]]}
    files = {**files, MANIFEST: json.dumps(manifest, indent=2) + "\n"}
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        if model is not None:
            save_model(model, staging / "model")
        stale = [n for n in _previous(out) if n not in files and n not in names]
        written = []
        with _signals_held():
            for name in files:
                os.replace(staging / name, out / name)
                written.append(out / name)
            if model is not None:
                if (out / "model").exists() and not (out / "model").is_dir():
                    _remove(out / "model")
                (out / "model").mkdir(exist_ok=True)
                for part in sorted((staging / "model").iterdir()):
                    os.replace(part, out / "model" / part.name)
                written.append(out / "model")
            for name in stale:
                _remove(out / name)
        if stale:
            log.info("removed from %s what the previous run wrote and this one does not: %s",
                     out, ", ".join(stale))
        return written
    except OSError as exc:
        raise TopicNMFError(f"{out}: cannot write the reports ({exc.strerror or exc}).") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
