"""The output folder: one writer at a time, and a run's files switched in as a whole.

A command of the command line holds its output folder from start to end (:func:`hold`);
a second topicnmf into it is refused before it reads anything.

A run's files are first written into a staging folder inside the output folder. The
switch then moves what is there aside (``manifest.json`` first), moves the new files in
(``manifest.json`` last) and only then deletes the old ones. An error half-way puts
everything back as it was; Ctrl-C or SIGTERM arriving during the switch is held until it
is over, whichever thread the kernel delivers it to (the handler that holds it runs in the
main thread). A folder without ``manifest.json`` but with a staging folder is a run that did
not finish (killed outright mid-switch); the next run into it replaces it. A file a report
would replace that topicnmf did not write (:func:`check_ours`) stops the run instead.
"""

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from ..errors import Interrupted, TopicNMFError, check_interrupted, interrupt

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "topicnmf.manifest/1"
STAGING_PREFIX = ".topicnmf-"
LOCK = ".topicnmf.lock"
# Every name a topicnmf command writes into an output folder; "model" is a folder.
OWNED = frozenset({"topics.csv", "doc_topics.csv", "doc_topics.parquet", "topics.json", "report.md", "report.html",
                   "sweep.csv", "sweep.json", "sweep.html", "config.toml", "model", MANIFEST})
FOLDERS = frozenset({"model"})


def _fail(out, what, exc=None):
    reason = f" ({exc.strerror or exc})" if exc is not None else ""
    raise TopicNMFError(f"{out}: {what}{reason}.") from None


def prepare(out_dir, command="run"):
    """The output folder for ``command``'s output (:func:`check_target`), created; a one-line
    error when it cannot be."""
    check_target(out_dir, command)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(out, "cannot create the output folder", exc)
    if not out.is_dir():
        _fail(out, "exists and is not a folder; choose another output folder")
    return out


_HELD = set()  # output folders (real paths) held by this process for a whole command (hold)


@contextmanager
def hold(out_dir, command):
    """Hold ``out_dir`` from before a command's work to its end (:func:`locked`), so that a
    second topicnmf started into the same folder is refused at once, not after its work; a
    folder this creates and leaves empty (the command failed) is removed again."""
    out = Path(out_dir)
    created = not out.exists()
    out = prepare(out, command)
    key = os.path.realpath(out)
    try:
        with locked(out):
            _HELD.add(key)
            try:
                yield out
            finally:
                _HELD.discard(key)
    finally:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only when empty


@contextmanager
def locked(out):
    """Hold ``out`` for this process (an advisory lock on ``out/.topicnmf.lock``); another
    topicnmf writing there gets an error naming its process id. Inside :func:`hold` of the
    same folder, held already."""
    if os.path.realpath(out) in _HELD:
        yield
        return
    try:
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        _fail(out, "cannot write into the output folder", exc)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            fd = None
            _fail(out, f"another topicnmf (process {holder}) is writing this folder; wait for it "
                       "or choose another output folder")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        if fd is not None:  # ours: a finished run leaves no lock file behind
            with contextlib.suppress(OSError):
                os.unlink(out / LOCK)
            os.close(fd)  # closing releases the lock


def _manifest(out):
    """(command, names) that ``out``'s manifest records; (None, None) without one."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return manifest.get("command"), {str(n).rstrip("/") for n in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None, None


def check_target(out_dir, command):
    """Before any work: ``out_dir`` can take ``command``'s output (not a file; not a folder
    with a saved model, written by ``run``, ``update`` or ``refine``, for another command:
    the model, perhaps the only copy of a refined one, would go). Nothing is created."""
    if str(out_dir) == "":
        raise TopicNMFError("the output folder is an empty name; name a folder (--out DIR).")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        _fail(out, "exists and is not a folder; choose another output folder")
    if out.is_dir():
        wrote, names = _manifest(out)
        if wrote != command and (wrote == "run" or "model" in (names or ())):
            raise TopicNMFError(f"{out}: holds the report of 'topicnmf {wrote}' (with its model); write "
                                f"the output of '{command}' into another folder.")


def check_ours(out, names):
    """Stop before anything moves when a file or folder of ``names`` is in ``out`` and
    topicnmf did not put it there: not in the manifest of the run that wrote the folder, or
    in a folder without a manifest that no killed topicnmf run left (no staging folder)."""
    _check_kinds(out, names)  # a folder where a file goes: said as such
    _, recorded = _manifest(out)
    if recorded is None and any(out.glob(STAGING_PREFIX + "*")):
        return  # a run killed mid-switch: the next run replaces what it left
    for name in names:
        path = out / name
        if name == MANIFEST or path.is_symlink() or not path.exists() or (recorded and name in recorded):
            continue
        why = "no manifest.json there says topicnmf wrote it" if recorded is None else \
            f"{MANIFEST} there does not list it"
        _fail(out, f"{name} is not a topicnmf output ({why}), and this run would replace it; move it "
                   "away or choose another output folder")


def previous(out):
    """(command, names) of the run that wrote ``out``: from its manifest, or without one (an
    unfinished run, a folder from an older topicnmf) every name topicnmf writes found there."""
    command, names = _manifest(out)
    if names is None:
        names = {p.name for p in out.iterdir()}
    present = (n for n in names & OWNED if (out / n).exists() or (out / n).is_symlink())
    return command, sorted(present)


def manifest_text(command, names):
    files = [n + "/" if n in FOLDERS else n for n in names] + [MANIFEST]
    return json.dumps({"schema": MANIFEST_SCHEMA, "command": command, "files": files}, indent=2) + "\n"


def staging_folder(out):
    """A fresh staging folder in ``out``, after removing any left by a killed run."""
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    except OSError as exc:
        _fail(out, "cannot write into the output folder", exc)


def _check_kinds(out, names):
    """A folder where a file goes (or a file where the model folder goes) is not ours to
    replace: say so before anything moves."""
    for name in names:
        path = out / name
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir() != (name in FOLDERS):
            kind = "a folder" if path.is_dir() else "a file"
            _fail(out, f"{name} is {kind}, not what topicnmf writes there; move it away or choose "
                       "another output folder")


@contextmanager
def signals_deferred():
    """Ctrl-C and SIGTERM arriving in the block are delivered when it ends: Ctrl-C as
    :class:`~topicnmf.errors.Interrupted` saying the switch completed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = []
    held = (signal.SIGINT, signal.SIGTERM)
    saved = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    for s in dict.fromkeys(pending):
        if (s == signal.SIGINT and saved[s] is signal.default_int_handler) or saved[s] is interrupt:
            raise Interrupted(written=True, signum=s)
        signal.raise_signal(s)


def switch(out, staging, names, stale):
    """Replace ``out``'s ``names`` with ``staging``'s and remove its ``stale`` names, all or
    nothing. ``names`` end with the manifest, which goes out first and comes in last."""
    check_interrupted()  # a Ctrl-C Python dropped (raised in a __del__): nothing moves
    _check_kinds(out, [*names, *stale])
    backup = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + "old-", dir=out))
    moved_out, moved_in = [], []
    try:
        with signals_deferred():
            try:
                for name in [MANIFEST, *(n for n in [*names, *stale] if n != MANIFEST)]:
                    if (out / name).exists() or (out / name).is_symlink():
                        os.replace(out / name, backup / name)
                        moved_out.append(name)
                for name in names:
                    os.replace(staging / name, out / name)
                    moved_in.append(name)
            except OSError as exc:
                try:  # put everything back as it was
                    for name in reversed(moved_in):
                        os.replace(out / name, staging / name)
                    for name in reversed(moved_out):
                        os.replace(backup / name, out / name)
                except OSError:
                    kept, backup = backup, None  # keep what could not be put back
                    _fail(out, f"cannot write the reports, nor put the previous ones back; they "
                               f"are in {kept}", exc)
                _fail(out, "cannot write the reports; the previous report is as it was", exc)
    finally:
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
