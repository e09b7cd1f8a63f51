"""A table's CSV text at the speed of numpy: the bytes pandas' ``to_csv`` writes with
``float_format="%.6g"`` and minimal quoting, without formatting each number in Python.

``doc_topics.csv`` holds n_documents x k weights; pandas formats each through Python's ``%``
(41 us per document at k=50, 33 s for 794k documents). Here a block of floats in [1e-99, 1)
is formatted with integer arithmetic: ``%.6g`` of a value in [1e-4, 1) is ``0.`` then 0-3
zeros then its six significant digits with trailing zeros cut, and of a smaller one its
first digit, the others after a point, then ``e-NN``; the digits are the value scaled by a
power of ten and rounded to the nearest integer. A scaled value within 1e-8 of a rounding
tie, and every value outside that range but 0, 1 and NaN (negatives, 1e-100, 2.5), is
formatted by Python itself, so the text is the same byte for byte (tested against pandas).
"""

import csv
import io

import numpy as np
import pandas as pd
from numba import njit

from ..compiled import cache_dir  # noqa: F401 (sets numba's cache folder before the kernels below)

WIDTH = 13  # the longest %.6g text: '-1.23457e-300'
_TIE = 1e-8
_POW10_UP = np.array([float(f"1e{i}") for i in range(105)])  # 10^i, each correctly rounded
_POW10_DOWN = np.array([float(f"1e-{i}") for i in range(100)])  # 10^-i
_SPECIAL = (",", '"', "\n", "\r")


@njit(cache=True, nogil=True, inline="always")
def _plan(v):
    """How ``%.6g`` of v is written here: (-1, 0, 0) for Python to format it (outside
    [1e-99, 1) and not 1, or within _TIE of a rounding tie, or rounding up to the next power
    of ten); (0, 0, 0) for 0; (1, 0, 0) for NaN (an empty cell); (3, 0, 0) for 1; (2, n, e)
    for v in [1e-4, 1): ``0.``, -1 - e zeros, then the six digits of n with trailing zeros
    cut; (4, n, e) for v in [1e-99, 1e-4): n's first digit, the others (trailing zeros cut)
    after a point if any, then ``e-`` and -e in two digits."""
    if v == 0.0:
        return 0, 0, 0
    if v != v:
        return 1, 0, 0
    if v == 1.0:
        return 3, 0, 0
    if not (_POW10_DOWN[99] <= v < 1.0):
        return -1, 0, 0
    e = -1
    while v < _POW10_DOWN[-e]:  # v in [10^e, 10^(e + 1)) (the boundaries checked below)
        e -= 1
    scaled = v * _POW10_UP[5 - e]  # six digits before the point: [1e5, 1e6)
    whole = np.floor(scaled)
    if scaled < 1e5 or scaled >= 1e6 or abs(scaled - whole - 0.5) <= _TIE:
        return -1, 0, 0
    n = int(whole) + (1 if scaled - whole > 0.5 else 0)
    if n >= 1000000:
        return -1, 0, 0
    return (2 if e >= -4 else 4), n, e


@njit(cache=True, nogil=True, inline="always")
def _digits(n, width, out, pos):
    """n's ``width`` digits (leading zeros kept) with its trailing zeros cut, into out at
    pos; returns the position after them."""
    while n % 10 == 0:
        n //= 10
        width -= 1
    for d in range(width - 1, -1, -1):
        out[pos + d] = 48 + n % 10
        n //= 10
    return pos + width


@njit(cache=True, nogil=True)  # (the writer formats doc_topics.csv beside doc_topics.parquet)
def _write(block, out, start, pos):
    """The rows of ``block`` as ``%.6g`` texts, comma-separated, each row ending in a
    newline, written into ``out`` from byte ``pos`` on, from value ``start`` (in row order)
    on, in one pass. Returns (the position after the bytes written, the value at which it
    stopped because Python must format it (see :func:`_plan`), or -1 at the end)."""
    rows, columns = block.shape
    for flat in range(start, rows * columns):
        i, j = flat // columns, flat % columns
        kind, n, e = _plan(block[i, j])
        if kind < 0:
            return pos, flat
        if kind == 0:
            out[pos] = 48
            pos += 1
        elif kind == 3:
            out[pos] = 49
            pos += 1
        elif kind == 2:
            out[pos] = 48
            out[pos + 1] = 46
            pos += 2
            for _ in range(-1 - e):
                out[pos] = 48
                pos += 1
            pos = _digits(n, 6, out, pos)
        elif kind == 4:
            out[pos] = 48 + n // 100000
            pos += 1
            rest = n % 100000
            if rest:
                out[pos] = 46
                pos = _digits(rest, 5, out, pos + 1)
            out[pos] = 101
            out[pos + 1] = 45
            out[pos + 2] = 48 + (-e) // 10
            out[pos + 3] = 48 + (-e) % 10
            pos += 4
        out[pos] = 44 if j < columns - 1 else 10
        pos += 1
    return pos, -1


def _float_bytes(block):
    """The rows of a (rows, columns) float array as ``%.6g`` texts joined by commas, each
    row ending in a newline, as one uint8 array; NaN as an empty cell, as pandas writes it.
    Written in one compiled pass that stops at each of the rare values Python formats (a tie
    of the rounding, a value outside [1e-99, 1): a few per 100,000 rows of weights) and goes
    on after it: no mask of them made first (794k x 50 weights: 0.5 s of CPU less)."""
    block = np.ascontiguousarray(block, dtype=np.float64)
    rows, columns = block.shape
    out = np.empty(rows * columns * WIDTH + rows, dtype=np.uint8)
    pos, stop = _write(block, out, 0, 0)
    while stop >= 0:  # rare: formatted by Python
        text = ("%.6g" % block.flat[stop]).encode("ascii") + (b"," if stop % columns < columns - 1 else b"\n")
        out[pos:pos + len(text)] = np.frombuffer(text, dtype=np.uint8)
        pos, stop = _write(block, out, stop + 1, pos + len(text))
    return out[:pos]


def float_block(block):
    """The rows of a (rows, columns) float array as ``%.6g`` texts joined by commas, one
    string per row (no line ends); NaN as an empty cell, as pandas writes it."""
    if len(block) == 0:
        return []
    return _float_bytes(block).tobytes().decode("ascii").split("\n")[:-1]


@njit(cache=True, nogil=True)
def _assemble(data, starts, ends, out):
    """Row i of the table: piece (g, i) of each group g, ``data[starts[g, i]:ends[g, i]]``,
    comma-separated, ending in a newline; returns the bytes written into ``out``."""
    groups, rows = starts.shape
    pos = 0
    for i in range(rows):
        for g in range(groups):
            for b in range(starts[g, i], ends[g, i]):
                out[pos] = data[b]
                pos += 1
            out[pos] = 44 if g < groups - 1 else 10
            pos += 1
    return pos


def _rows_text(pieces):
    """The table's lines from per-group pieces: a float group's bytes (rows ending in newlines)
    or a text column's cells; None when a text cell holds a NUL (joined in Python then)."""
    lines = rows_bytes(pieces)
    return None if lines is None else lines.decode("utf-8")


def rows_bytes(pieces):
    """:func:`_rows_text` as UTF-8 bytes (what a file gets: no str made and encoded again)."""
    buffers, starts, ends, offset = [], [], [], 0
    for piece in pieces:
        if isinstance(piece, list):
            joined = "\0".join(piece)
            if joined.count("\0") != len(piece) - 1:
                return None
            buffer = np.frombuffer((joined + "\0").encode("utf-8"), dtype=np.uint8)
            stops = np.flatnonzero(buffer == 0)
        else:
            buffer = piece
            stops = np.flatnonzero(buffer == 10)
        begins = np.concatenate([[0], stops[:-1] + 1])
        buffers.append(buffer)
        starts.append(begins + offset)
        ends.append(stops + offset)
        offset += buffer.size
    data = np.concatenate(buffers)
    out = np.empty(data.size + len(starts[0]) * len(pieces), dtype=np.uint8)
    size = _assemble(data, np.vstack(starts), np.vstack(ends), out)
    return out[:size].tobytes()


def _quoted(value):
    """A text cell as the csv module writes it with minimal quoting."""
    if not any(c in value for c in _SPECIAL):
        return value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([value, "x"])
    return out.getvalue()[:-3]


def _quoted_all(texts):
    """Each text as the csv module writes it (one scan when none needs quotes)."""
    joined = "\0".join(texts)
    if not any(c in joined for c in _SPECIAL):
        return texts
    return [_quoted(t) for t in texts]


def _text_column(values):
    """A column's cells as text: None/NA as empty, the rest as pandas writes them."""
    if isinstance(values.dtype, pd.Int64Dtype) or pd.api.types.is_integer_dtype(values.dtype):
        data = values.astype(object).where(values.notna(), None).tolist()
        return ["" if v is None else str(int(v)) for v in data]
    return _quoted_all(["" if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                        else str(v) for v in values.tolist()])


def supported(frame):
    """Whether :func:`frame_csv` writes this frame as pandas would (float, integer and text
    columns with unique string names)."""
    for column in frame.columns:
        dtype = frame[column].dtype
        if not isinstance(column, str) or not (
                dtype in (np.float64, np.float32) or dtype == object or pd.api.types.is_string_dtype(dtype)
                or isinstance(dtype, pd.Int64Dtype) or dtype == np.int64):
            return False
    return frame.columns.is_unique


def frame_csv(frame, chunk_rows=50_000):
    """The CSV text of ``frame`` as ``frame.to_csv(index=False, lineterminator="\\n",
    float_format="%.6g")`` writes it (minimal quoting); see :func:`supported`."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(list(frame.columns))
    parts = [header.getvalue()]
    groups, current = [], None  # runs of consecutive float columns, or single other columns
    for j, column in enumerate(frame.columns):
        is_float = frame[column].dtype in (np.float64, np.float32)  # (a float32 fit's weights)
        if is_float and current is not None and current[0]:
            current[1].append(j)
        else:
            current = (is_float, [j])
            groups.append(current)
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start:start + chunk_rows]
        pieces = [_float_bytes(part.iloc[:, js].to_numpy(dtype=np.float64)) if is_float
                  else _text_column(part.iloc[:, js[0]]) for is_float, js in groups]
        text = _rows_text(pieces)
        if text is None:  # a NUL in a text cell: rows joined in Python
            columns = [p if isinstance(p, list) else p.tobytes().decode("ascii").split("\n")[:-1]
                       for p in pieces]
            text = "".join(",".join(row) + "\n" for row in zip(*columns))
        parts.append(text)
    return "".join(parts)
