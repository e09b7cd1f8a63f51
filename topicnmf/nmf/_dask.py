"""The Dask executor: the partitioned fit's blocks on the workers of a Dask cluster.

:class:`DaskExecutor` runs the per-block operations of ``_partitioned`` as Dask tasks on
blocks that stay on the workers: X's blocks are loaded there from their ``.npz`` files, or
scattered once from memory, and held as futures; W's blocks are made there and never leave
until the result is asked for. The blocks are grouped into one shard per worker (a run of
neighbouring blocks), and a step is one task per shard, which goes through its blocks in
order and adds up their partial sums: a task costs milliseconds of scheduling, a block's
work may cost less. Per iteration only H (or the extrapolated H), H H^T and the shards'
sums travel: k x n_features arrays (X^T W) and k x k ones (W^T W), and scalars.

A shard future holds the list of its blocks' pieces, or, after an update that also sums
something, the pair (pieces, sums); the tasks read either.

Needs the extra ``topicnmf[dask]`` (dask and distributed); imported only when a client is
given.
"""

import operator

import numpy as np
from distributed import wait

from ..errors import ClusterError, ParameterError

from ..partitions import load_block
from ._blocks import Blocks, _inner, _rows, checked_matrix

WORKER_CHECK_S = 5  # while waiting for results, how often to check that workers are left
BROADCAST_BYTES = 1 << 16  # a larger argument is scattered to every worker, not embedded
TASK_THREADS = 1  # a task's kernels run on one thread: the workers run the shards in parallel


def _pieces(shard):
    return shard[0] if isinstance(shard, tuple) else shard


def _shard_args(args, i):
    return [a[i] if sharded else a for a, sharded in args]


def _run_shard(fn, engine, mode, flags, *args):
    """fn over a shard's blocks on a worker: ``mode`` 'map' returns the list of results,
    'sum' their sum (in block order), 'map_sum' (pieces, summed values)."""
    eng = _inner(engine, TASK_THREADS)
    args = [(_pieces(a) if sharded else a, sharded) for a, sharded in zip(args, flags)]
    n = next(len(a) for a, sharded in args if sharded)
    with eng.threading():  # (BLAS on one thread too: the worker's other processes share the cores)
        results = [fn(eng, *_shard_args(args, i)) for i in range(n)]
    if mode == "map":
        return results
    if mode == "sum":
        total = results[0]
        for value in results[1:]:
            total = total + value
        return total
    pieces, total = [], None
    for piece, values in results:
        pieces.append(piece)
        total = values if total is None else tuple(map(operator.add, total, values))
    return pieces, total


def _load_shard(paths):
    return [load_block(path) for path in paths]


def _output(results, i):
    return [r[i] for r in results]


class DaskExecutor:
    """Per-block operations as tasks of ``client``, one per shard of blocks kept on a
    worker (see the module's docstring; the interface is ``_partitioned.LocalExecutor``'s)."""

    def __init__(self, client, engine="fast"):
        self.client = client
        self.engine = engine
        self.rows = ()
        self.workers = sorted(client.scheduler_info()["workers"])
        if not self.workers:
            raise ParameterError("The Dask cluster has no workers; start some (dask worker "
                                 "ADDRESS) or use --workers N.")
        self.shards = ()  # (first block, end) per shard

    def matrix(self, partitions):
        """X's blocks on the workers: loaded there from their files, or scattered from
        memory, a run of neighbouring blocks per worker; checked once."""
        self.rows = _rows(partitions)
        n = len(self.rows)
        count = min(len(self.workers), n)
        edges = [i * n // count for i in range(count + 1)]
        self.shards = tuple(zip(edges[:-1], edges[1:]))
        if partitions.on_disk:
            parts = [self.client.submit(_load_shard, list(partitions.paths[a:b]), pure=False,
                                        workers=[w], allow_other_workers=True)
                     for (a, b), w in zip(self.shards, self.workers)]
        else:
            parts = self.put(list(partitions.blocks))
        return checked_matrix(self, parts, partitions)

    def put(self, pieces):
        """Per-block pieces made here, sent to the workers (a shard each)."""
        return [self.client.scatter(list(pieces[a:b]), workers=[w], hash=False)
                for (a, b), w in zip(self.shards, self.workers)]

    def _submit(self, mode, fn, args):
        flags = [isinstance(a, Blocks) for a in args]
        columns = [a.parts if isinstance(a, Blocks) else [self._shared(a)] * len(self.shards)
                   for a in args]
        # each shard's task on the worker holding its blocks (elsewhere only if that one is
        # gone: a free worker would otherwise be sent the blocks)
        return [self.client.submit(_run_shard, fn, self.engine, mode, flags, *shard,
                                   pure=False, workers=[worker], allow_other_workers=True)
                for shard, worker in zip(zip(*columns), self.workers)]

    def map(self, fn, *args, outputs=1):
        futures = self._submit("map", fn, args)
        if outputs == 1:
            return futures
        return [[self.client.submit(_output, f, i, pure=False) for f in futures]
                for i in range(outputs)]

    def map_sum(self, fn, *args):
        futures = self._submit("map_sum", fn, args)
        sums = [self.client.submit(operator.getitem, f, 1, pure=False) for f in futures]
        return futures, self._add(self._gather(sums))

    def sum(self, fn, *args):
        return self._add(self._gather(self._submit("sum", fn, args)))

    @staticmethod
    def _add(values):
        total = values[0]
        for value in values[1:]:
            total = (tuple(map(operator.add, total, value)) if isinstance(total, tuple)
                     else total + value)
        return total

    def _shared(self, value):
        if isinstance(value, np.ndarray) and value.nbytes > BROADCAST_BYTES:
            return self.client.scatter(value, broadcast=True, hash=False)
        return value

    def _gather(self, futures):
        """The futures' results; a cluster left without workers (tasks would wait for one
        forever) raises ClusterError."""
        while True:
            try:
                wait(futures, timeout=WORKER_CHECK_S)
                return self.client.gather(futures)
            except TimeoutError:
                if not self.client.nthreads():
                    raise ClusterError("The Dask cluster has no workers left to fit on; "
                                       "start workers and run again.") from None

    def fetch(self, parts):
        """The per-block pieces, brought here (in block order)."""
        return [piece for shard in self._gather(list(parts)) for piece in _pieces(shard)]
