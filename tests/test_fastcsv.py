"""doc_topics.csv written by numba is the text pandas' to_csv wrote, byte for byte."""

import numpy as np
import pandas as pd
import pytest

from topicnmf.report.fastcsv import float_block, frame_csv, supported
from topicnmf.report.tables import to_csv


def _pandas(frame):
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6g")


def _hard_values(rng):
    """Values on every side of the fast path: ties of the sixth digit, powers of ten, values
    that round up to the next power, tiny and large, negative, NaN, 0 and 1."""
    spread = 10 ** rng.uniform(-9, 3, 20000)
    ties = np.round(rng.random(20000), 6) + 5e-7  # near a tie of the 6th digit
    near = np.array([np.nextafter(p, 0) for p in (1e-4, 1e-3, 0.01, 0.1, 1.0)] +
                    [np.nextafter(p, 1) for p in (1e-4, 1e-3, 0.01, 0.1)])
    fixed = np.array([0.0, 1.0, 1e-4, 0.1, 0.09999995, 0.0999999951, 0.9999995, 0.99999949,
                      2.5e-5, -0.5, np.nan, 123456.5, 1e300, 0.123456789, 5e-324])
    # the exponent notation (1e-99 to 1e-4): every exponent, ties and round-ups there too
    tiny = 10 ** rng.uniform(-101, -3.5, 20000)
    tiny_ties = np.array([float(f"{d}e-{e}") for d in ("1", "1.5", "2.25", "9.99999", "9.999995",
                                                        "1.000005", "1.234565", "3.5") for e in range(4, 101)])
    tiny_near = np.array([np.nextafter(float(f"1e-{e}"), side) for e in range(4, 101) for side in (0, 1)])
    values = np.concatenate([rng.random(20000), spread, ties, near, fixed, tiny, tiny_ties, tiny_near])
    return values[: values.size // 4 * 4]


def test_float_cells_match_percent_g_on_hard_values():
    values = _hard_values(np.random.default_rng(0))
    rows = float_block(values.reshape(-1, 4))
    expected = [",".join("" if np.isnan(v) else "%.6g" % v for v in row) for row in values.reshape(-1, 4)]
    assert rows == expected


def test_doc_topics_table_is_byte_equal_to_pandas():
    rng = np.random.default_rng(1)
    n, k = 3000, 7
    W = rng.random((n, k)) ** 4
    W[W < 0.05] = 0
    W[5] = 0  # a document with no topic: NA dominant topic, zero weights
    shares = np.divide(W, W.sum(1, keepdims=True), out=np.zeros_like(W), where=W.sum(1, keepdims=True) > 0)
    dominant = pd.array(W.argmax(1) + 1, dtype="Int64")
    dominant[5] = pd.NA
    frame = pd.DataFrame({"doc_id": [f"doc,{i}" if i % 11 == 0 else f'd"{i}' if i % 13 == 0
                                     else f"line\n{i}" if i == 7 else f"d{i}" for i in range(n)],
                          "dominant_topic": dominant})
    for t in range(k):
        frame[f"topic_{t + 1}"] = shares[:, t]
    frame["label"] = [None if i % 3 else f"label {i % 4}" for i in range(n)]
    frame["coverage"] = rng.random(n)
    assert supported(frame)
    assert frame_csv(frame, chunk_rows=700) == _pandas(frame)
    assert to_csv(frame) == _pandas(frame.assign(doc_id=frame.doc_id))  # no formula cells here


def test_formula_cells_and_carriage_returns_keep_their_handling():
    frame = pd.DataFrame({"doc_id": ["=cmd", "ok"], "topic_1": [0.5, 0.25]})
    assert to_csv(frame) == "doc_id,topic_1\n'=cmd,0.5\nok,0.25\n"
    frame = pd.DataFrame({"doc_id": ["a\rb", "ok"], "topic_1": [0.5, 0.25]})
    assert to_csv(frame).startswith('"doc_id","topic_1"\n"a\rb","0.5"')


@pytest.mark.parametrize("column", [pd.Series([True, False]), pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01"]))])
def test_other_dtypes_fall_back_to_pandas(column):
    frame = pd.DataFrame({"doc_id": ["a", "b"], "x": column})
    assert not supported(frame)
    assert to_csv(frame) == _pandas(frame)


def test_a_nul_in_a_text_cell_is_written_as_pandas_does():
    frame = pd.DataFrame({"doc_id": ["a\0b", "ok", "é"], "topic_1": [0.5, 0.25, np.nan]})
    assert frame_csv(frame) == _pandas(frame)
