"""What the Dask fit sends between processes: a float array with many zeros as a bit mask of
its nonzeros and their values.

H is 60-80% zeros once a fit has run a few iterations; its zeros cost as many bytes as its
values on the wire. :func:`pack` sends such an array as one bit per entry and its nonzeros
in their order (exact: the same bits come back), and any other array as it is. Packing and
unpacking cost a pass over the array each, less than the bytes they save between processes
(~0.5-1 GB/s through Dask's comms on one machine) when at least half of it is zeros; a
shard's X_b^T W_b (40-50% zeros) travels as it is.
"""

import numpy as np

MIN_SIZE = 4096  # entries: below this an array travels as it is
MAX_DENSITY = 0.5  # pack when at most this share of the entries is nonzero


class Packed:
    """An array as the bits of its nonzero mask and the nonzero values (row-major)."""

    __slots__ = ("shape", "bits", "values")

    def __init__(self, shape, bits, values):
        self.shape, self.bits, self.values = shape, bits, values

    def __reduce__(self):
        return (Packed, (self.shape, self.bits, self.values))

    def unpack(self):
        size = int(np.prod(self.shape))
        mask = np.unpackbits(self.bits, count=size).view(bool)
        out = np.zeros(size, dtype=self.values.dtype)
        out[mask] = self.values
        return out.reshape(self.shape)


def pack(A):
    """A as :class:`Packed` when it is a large float array with enough zeros; else A."""
    if not (isinstance(A, np.ndarray) and A.dtype.kind == "f" and A.size >= MIN_SIZE):
        return A
    flat = np.ascontiguousarray(A).reshape(-1)
    mask = flat != 0
    if np.count_nonzero(mask) > MAX_DENSITY * flat.size:
        return A
    return Packed(A.shape, np.packbits(mask), flat[mask])


def unpack(value):
    """The array a :func:`pack` made (any other value as it is)."""
    return value.unpack() if isinstance(value, Packed) else value
