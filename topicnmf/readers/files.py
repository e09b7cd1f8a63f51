"""Reading files within limits: one text file whole, a table's bytes as a stream that stops
at a size limit (decompressed for .gz), and where a link may lead."""

import gzip
import io
import json
import os
import zlib

from ..errors import CorpusError, ParameterError
from .decode import decode_bytes

# What a damaged or truncated .gz raises while it is read.
READ_ERRORS = (OSError, EOFError, zlib.error)
BOMB_RATIO = 100  # decompressed over compressed size past which a .gz table is refused


def read_text_file(path, max_bytes):
    """(text, skip_reason, encoding) of one text file: exactly one of text and skip_reason is set."""
    data, reason = read_file_bytes(path, max_bytes)
    if reason:
        return None, reason, None
    return text_of_bytes(data)


def text_of_bytes(data):
    """(text, skip_reason, encoding) of a text file's bytes, as :func:`read_text_file`."""
    text, encoding = decode_bytes(data)
    if text is None:
        return None, "binary", None
    if not text.strip():
        return None, "empty", None
    return text, None, encoding


def read_file_bytes(path, max_bytes):
    """(bytes, skip_reason) of one file: exactly one is set."""
    too_big = f"larger than max_file_mb ({max_bytes / 2**20:.3g} MB)"
    try:
        if path.is_symlink() and not path.exists():
            return None, "broken or looping link"
        if not path.is_file():
            return None, "not a regular file"
        size = path.stat().st_size
        if size > max_bytes:
            return None, too_big
        with open(path, "rb") as f:  # (a buffer of the file's size, not of max_bytes)
            data = f.read(size + 1)
            if len(data) > size:  # the file grew since stat(): read on, up to the limit
                data += f.read(max_bytes + 1 - len(data))
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or type(exc).__name__})"
    if len(data) > max_bytes:
        return None, too_big
    return data, None


def link_problem(path, root_real, follow_outside=False):
    """Why the file at ``path`` is not read as part of the folder ``root_real`` (a resolved
    path), or None: a symbolic link whose target does not exist (or loops), or (unless
    ``follow_outside``) whose target lies outside the folder."""
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    if not os.path.exists(target):
        return "broken or looping link"
    if not follow_outside and os.path.commonpath([target, root_real]) != root_real:
        return "link to a file outside the input folder"
    return None


class _Limited(io.RawIOBase):
    """A byte stream that raises CorpusError once more than ``limit`` bytes came out of it.

    ``per_line``: the limit is on each line instead (a table is a container of documents,
    streamed: its size is not the problem, one line that would be held whole is), and a
    ``.gz`` file may give at most BOMB_RATIO times its compressed size past the limit
    (text compresses 3-10x; a gzip bomb, thousands of times)."""

    def __init__(self, raw, limit, path, per_line=False):
        self._raw, self._limit, self._path, self._count = raw, limit, path, 0
        self._per_line, self._line, self.lines_done = per_line, 0, 0
        self._total = None
        if per_line and limit is not None and _is_gz(path):
            self._total = max(limit, BOMB_RATIO * os.path.getsize(path))

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            n = self._raw.readinto(buffer)
        except READ_ERRORS as exc:
            what = "cannot read: damaged compressed data" if _is_gz(self._path) else "cannot read"
            raise CorpusError(f"{self._path}: {what} ({exc}).") from None
        self._count += n
        if self._limit is None:
            return n
        if self._per_line:
            data = memoryview(buffer)[:n].tobytes()
            end = data.rfind(b"\n")
            self._line = n - end - 1 if end >= 0 else self._line + n
            self.lines_done += data.count(b"\n")  # whole lines read: an error's place
            if self._line > self._limit:
                raise CorpusError(f"{self._path}: a line longer than max_file_mb ({self._limit / 2**20:.3g} MB); "
                                  "raise max_file_mb to read it.")
            if self._total is not None and self._count > self._total:
                raise CorpusError(
                    f"{self._path}: larger than max_file_mb ({self._limit / 2**20:.3g} MB) once decompressed, "
                    f"and over {BOMB_RATIO} times its compressed size (a gzip bomb?); raise max_file_mb to "
                    "read it.")
        elif self._count > self._limit:
            raise CorpusError(
                f"{self._path}: larger than max_file_mb ({self._limit / 2**20:.3g} MB)"
                f"{' once decompressed' if _is_gz(self._path) else ''}; raise max_file_mb to read it.")
        return n

    def close(self):
        self._raw.close()
        super().close()


def _is_gz(path):
    return str(path).lower().endswith(".gz")


def open_limited(path, max_bytes, per_line=False):
    """The file's bytes as a buffered stream (gzip-decompressed on the fly for a .gz file)
    that raises CorpusError past ``max_bytes`` (None: no limit; ``per_line``: of each line,
    see :class:`_Limited`) or on damaged data."""
    try:
        raw = gzip.open(path, "rb") if _is_gz(path) else open(path, "rb")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc}).") from None
    return io.BufferedReader(_Limited(raw, max_bytes, path, per_line))


def read_limited(path, max_bytes):
    """All the (decompressed) bytes of a file, at most ``max_bytes``."""
    with open_limited(path, max_bytes) as raw:
        return raw.read()


# What report/writer.py writes into every output folder: such a folder is never read as input.
OUTPUT_MANIFEST, OUTPUT_SCHEMA = "manifest.json", "topicnmf.manifest/1"


def output_files(folder):
    """The names a topicnmf manifest in ``folder`` lists, or None when it holds no such manifest."""
    manifest = os.path.join(folder, OUTPUT_MANIFEST)
    try:
        if not os.path.isfile(manifest) or os.path.getsize(manifest) > 2**20:
            return None
        with open(manifest, encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict) and data.get("schema") == OUTPUT_SCHEMA:
            return {str(n).rstrip("/") for n in data.get("files", ())}
    except (OSError, ValueError, RecursionError):
        pass
    return None


def file_suffixes(extensions):
    """('.txt', '.md') from 'txt,MD', ['.txt', 'md'] and the like."""
    items = extensions.split(",") if isinstance(extensions, str) else extensions
    try:
        items = [e.strip().lower() for e in items]
    except (TypeError, AttributeError):
        raise ParameterError(
            f"extensions must be file suffixes such as ('.txt', '.md') or 'txt,md'; got {extensions!r}."
        ) from None
    suffixes = tuple(e if e.startswith(".") else "." + e for e in items if e)
    if not suffixes or any(e == "." for e in suffixes):
        raise ParameterError(f"extensions must name at least one suffix, such as '.txt'; got {extensions!r}.")
    return suffixes
