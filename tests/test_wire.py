"""What the Dask fit sends between processes (nmf/_wire.py): arrays with many zeros as the
bits of their nonzeros and the nonzero values, the same numbers coming back."""

import numpy as np

from topicnmf.nmf._wire import Packed, pack, unpack


def test_an_array_with_many_zeros_travels_packed_and_comes_back_the_same():
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        A = rng.standard_normal((3001, 7)).astype(dtype)
        A[rng.random(A.shape) < 0.7] = 0  # (H: 60-80% zeros)
        A[5, 3], A[6, 1] = np.nan, 1e-300
        packed = pack(A)
        assert isinstance(packed, Packed) and packed.values.nbytes < 0.4 * A.nbytes
        back = unpack(packed)
        assert back.dtype == A.dtype and back.shape == A.shape
        np.testing.assert_array_equal(back, A)  # (NaN where NaN)


def test_dense_small_or_other_values_travel_as_they_are():
    dense = np.arange(1.0, 10001.0).reshape(100, 100)
    small = np.zeros((10, 10))
    counts = np.zeros(10000, dtype=np.int64)
    for value in (dense, small, counts, 3.5, None):
        assert pack(value) is value and unpack(value) is value
    F = np.asfortranarray(np.where(dense > 6000, dense, 0))  # any layout: row-major back
    np.testing.assert_array_equal(unpack(pack(F)), F)
