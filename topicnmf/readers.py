"""Turning input files into text: decoding bytes, and streaming the rows of a CSV/TSV/JSONL table.

The format half of reading (:mod:`topicnmf.corpus` makes documents of what this returns). A text
file is read whole (it is one document, and a size limit bounds it); a table is streamed: its rows
come out one at a time as they are parsed, a .gz file is decompressed on the fly, and no more than
a chunk of the file is held at once.
"""

import codecs
import csv
import gzip
import io
import json
import re

from .errors import CorpusError

BINARY_SNIFF_BYTES = 8192
# Share of invalid bytes up to which a file is taken as damaged UTF-8 (the bad bytes shown
# as U+FFFD) rather than as a legacy 8-bit encoding.
UTF8_DAMAGE_LIMIT = 0.01
# Bytes read to choose a table's encoding: enough for BINARY_SNIFF_BYTES characters of up to
# four bytes each, after a three-byte BOM.
_HEAD_BYTES = 4 * BINARY_SNIFF_BYTES + 8
_CHUNK_BYTES = 2**20


def read_text_file(path, max_bytes):
    """(text, skip_reason, encoding) of one text file: exactly one of text and skip_reason is set."""
    too_big = f"larger than max_file_mb ({max_bytes / 2**20:g} MB)"
    try:
        if path.is_symlink() and not path.exists():
            return None, "broken or looping link", None
        if not path.is_file():
            return None, "not a regular file", None
        if path.stat().st_size > max_bytes:
            return None, too_big, None
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or type(exc).__name__})", None
    if len(data) > max_bytes:
        return None, too_big, None
    text, encoding = decode_bytes(data)
    if text is None:
        return None, "binary", None
    if not text.strip():
        return None, "empty", None
    return text, None, encoding


def decode_bytes(data):
    """Decode a file's bytes: (text, encoding), or (None, None) when it looks binary.

    UTF-8 (with or without BOM) first; UTF-16 when it carries a BOM or its zero bytes sit
    in every other position; UTF-8 with valid multi-byte characters and a few damaged bytes
    (replaced by U+FFFD);
    otherwise the legacy Windows-1252 encoding, with Latin-1 for the five bytes cp1252
    leaves undefined. Text with control characters other than whitespace is binary.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _checked(data.decode("utf-16", errors="replace"), "utf-16")
    head = data[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        utf16 = _bomless_utf16(head)
        if utf16 is None:
            return None, None
        return _checked(data.decode(utf16, errors="replace"), utf16)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    # Valid multi-byte characters beside a few bad bytes: damaged UTF-8. Without any, the
    # bytes above 127 are a legacy encoding's letters (Latin-1 "caf\xe9").
    has_utf8 = any(ord(c) > 127 and c != "\ufffd" for c in text)
    if has_utf8 and damaged <= max(1, UTF8_DAMAGE_LIMIT * len(data)):
        return _checked(text, "utf-8 (invalid bytes replaced)")
    try:
        return _checked(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return _checked(data.decode("latin-1"), "latin-1")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _checked(text, encoding):
    """(text, encoding), or (None, None) when control characters say it is not text."""
    sample = text[:BINARY_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        return None, None
    return text, encoding


def _bomless_utf16(head):
    """'utf-16-le' or 'utf-16-be' when zero bytes fill every other position, else None."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


# -- tables ------------------------------------------------------------------------------


def csv_rows(path, delimiter):
    """(line number of the header + row index, row dict) for each row of a CSV/TSV file."""
    csv.field_size_limit(2**31 - 1)  # one cell may hold a whole long document
    reader = csv.DictReader(_table_lines(path, newline=""), delimiter=delimiter)
    try:
        for i, row in enumerate(reader):
            yield i + 2, row  # line 1 is the header
    except csv.Error as exc:
        raise CorpusError(f"{path}: malformed CSV ({exc}).") from None


def jsonl_rows(path):
    """(line number, object) for each non-blank line of a JSONL file."""
    # lines end at "\n" only: JSON strings may hold raw U+2028 and other "line breaks"
    for number, line in enumerate(_table_lines(path, newline="\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line.removesuffix("\n"))
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}: line {number} is not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{path}: line {number} is not a JSON object.")
        yield number, row


def _table_lines(path, newline):
    """The decoded lines of a table file, streamed, with the text decode_bytes would give."""
    choice = _stream_encoding(path)
    if choice is None:
        # A legacy-encoded or damaged table is read whole: decode_bytes weighs the whole
        # file to choose between damaged UTF-8 and cp1252.
        text, _ = decode_bytes(_read_all(path))
        if text is None:
            raise CorpusError(f"{path}: looks binary, not a text table.")
        yield from io.StringIO(text, newline=newline)
        return
    encoding, skip = choice
    errors = "strict" if encoding == "utf-8" else "replace"  # as decode_bytes
    try:
        with _open_bytes(path) as raw:
            raw.read(skip)
            yield from io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=newline)
    except (OSError, EOFError) as exc:
        raise CorpusError(f"{path}: cannot read ({exc}).") from None
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: the file changed while it was read; read it again.") from None


def _stream_encoding(path):
    """(encoding, BOM bytes to skip) to stream a table with, or None to decode it whole.

    Chooses from the file's head as decode_bytes does, and raises for a binary file. UTF-8
    is first checked to the end of the file (one more pass, a chunk at a time): one bad byte
    anywhere makes decode_bytes read the whole file another way.
    """
    try:
        with _open_bytes(path) as raw:
            head = raw.read(_HEAD_BYTES)
            skip = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
            sniff = head[skip:skip + BINARY_SNIFF_BYTES]
            if not skip and head.startswith((b"\xff\xfe", b"\xfe\xff")):
                encoding = "utf-16"
            elif b"\x00" in sniff:
                encoding = _bomless_utf16(sniff)
            else:
                encoding = "utf-8"
            if encoding is None:
                raise CorpusError(f"{path}: looks binary, not a text table.")
            decoder = codecs.getincrementaldecoder(encoding)(
                errors="strict" if encoding == "utf-8" else "replace")
            try:
                sample = decoder.decode(head[skip:], final=len(head) < _HEAD_BYTES)
                if _checked(sample, encoding)[0] is None:
                    raise CorpusError(f"{path}: looks binary, not a text table.")
                if encoding == "utf-8":
                    while chunk := raw.read(_CHUNK_BYTES):
                        decoder.decode(chunk)
                    decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return None
    except (OSError, EOFError) as exc:
        raise CorpusError(f"{path}: cannot read ({exc}).") from None
    return encoding, skip


def _open_bytes(path):
    """The file's bytes as a stream, gzip-decompressed on the fly for a .gz file."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _read_all(path):
    try:
        with _open_bytes(path) as raw:
            return raw.read()
    except (OSError, EOFError) as exc:
        raise CorpusError(f"{path}: cannot read ({exc}).") from None
