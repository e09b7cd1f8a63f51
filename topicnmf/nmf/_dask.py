"""The Dask executor: the partitioned fit's blocks on the workers of a Dask cluster.

:class:`DaskExecutor` runs the per-block operations of ``_partitioned`` on blocks that stay
on the workers. The blocks are grouped into one shard per worker, held there by a Dask
actor (:class:`Shard`, made as a task on that worker): X's blocks are taken from futures
already on the worker (X made there: every block that worker holds, neighbours or not),
loaded there from their ``.npz`` files, or sent once from memory (a run of neighbouring
blocks per worker); W's blocks are made there and never
leave until the result is asked for. A step is one call per shard, which goes through its
blocks in order and adds up their partial sums.

Why actors and not a task per shard and step: the fit is a loop of short steps, each
needing the previous one's result (an iteration on a 57k x 38k matrix takes ~45 ms). A
task costs a round trip through the scheduler (submit, run, report, gather: ~10 ms on two
cores, more with the tasks that split a result), an actor call goes straight to its worker
(~2 ms; with a client made with ``direct_to_workers=True``, else through the scheduler).
A plain HALS fit's iterations are one call per shard each (``_dask_steps``: the
k x n_features sums exchanged between the shards), the start's randomized SVD two per
power iteration (``_dask_start``: X^T Q exchanged likewise); other fits (more sweeps
per update, transform) make a call per operation of the loop, with H and the shards'
sums travelling client <-> worker.

A part on the client (:class:`Part`) names a piece held by a shard's actor; when the
client drops it, the actor is told to drop the piece with its next call. A worker lost
mid-fit takes its shard with it: the calls raise ``ConnectionError`` ("a Dask worker was
lost"), and ``cluster.fit_on`` starts the fit again on the workers left.

Needs the extra ``topicnmf[dask]`` (dask and distributed); imported only when a client is
given.
"""

import functools
import itertools
import time

import numpy as np
import scipy.sparse as sp
from distributed import wait

from ..errors import ClusterError, ParameterError
from ..partitions import load_block, placed_on
from ._blocks import Blocks, _inner, _matrix, _rows, added, checked_matrix
from ._dask_exchange import Exchange
from ._dask_start import ShardStart, randomized_svd
from ._dask_steps import DaskSteps, ShardSteps

WORKER_CHECK_S = 5  # while waiting for a shard to be made, how often to check for workers
TASK_THREADS = 1  # a step's kernels' threads, unless the worker says how many it has
NO_WORKERS = "The Dask cluster has no workers left to fit on; start workers and run again."


class Shard:
    """A Dask actor on one worker: its run of blocks' pieces (X's, W's, products), by key.

    Its methods run on the worker, one call at a time, in the order the client makes them
    (the client waits for each step's answer before the next)."""

    def __init__(self, engine, blocks=None, threads=TASK_THREADS):
        self.engine = engine
        self.threads = threads
        self.store = {}
        self.steps = None  # a fit's iterations (ShardSteps), while one runs
        self.start = None  # the start's randomized SVD (ShardStart), while it runs
        self.exchange = Exchange(Shard)  # pieces from the other shards' actors
        self._stacked = None  # X's blocks stacked into one, and their row edges
        self.busy = 0.0  # seconds spent in steps (what a benchmark compares with the wall time)
        if blocks is not None:  # X's blocks made on this worker (futures resolved by Dask)
            self.store["X"] = list(blocks)

    def load(self, key, paths):
        """X's blocks read from their files (on this worker's file system)."""
        self.store[key] = [load_block(path) for path in paths]

    def put(self, key, pieces, drop=()):
        self._drop(drop)
        self.store[key] = list(pieces)

    def run(self, mode, fn, spec, keys, drop=()):
        """fn over the blocks (``spec``: per argument a stored key or a value): 'map' keeps
        the results under ``keys`` (one key per output), 'sum' returns their sum (in block
        order), 'list' returns them, 'map_sum' keeps the pieces and returns the summed
        values."""
        start = time.perf_counter()
        self._drop(drop)
        args = [self.store[value] if is_key else value for is_key, value in spec]
        n = next(len(a) for (is_key, _), a in zip(spec, args) if is_key)
        eng = _inner(self.engine, self.threads)
        with eng.threading():  # (BLAS on one thread: one threading layer at a time)
            results = [fn(eng, *[a[i] if is_key else a for (is_key, _), a in zip(spec, args)])
                       for i in range(n)]
        answer = None
        if mode == "sum":
            answer = _add(results)
        elif mode == "list":
            answer = results
        elif mode == "map_sum":
            self.store[keys[0]] = [piece for piece, _ in results]
            answer = _add([values for _, values in results])
        else:
            for i, key in enumerate(keys):
                self.store[key] = results if len(keys) == 1 else [r[i] for r in results]
        self.busy += time.perf_counter() - start
        return answer

    def fetch(self, key):
        return self.store[key]

    # -- a plain HALS fit's iterations, one call each (_dask_steps) --
    def steps_setup(self, index, peers, edges, H_slice, W_key, penalty):
        self.steps = ShardSteps(self, index, peers, edges, H_slice, W_key, penalty)

    def steps_start(self):
        return self._timed(self.steps.start)

    def steps_step(self, it, decision, beta, W_key):
        return self._timed(self.steps.step, it, decision, beta, W_key)

    def steps_finish(self, decision):
        answer = self.steps.finish(decision)
        self.steps = None
        return answer

    # -- the start's randomized SVD, one call per step (_dask_start) --
    def svd_begin(self, index, peers, omega):
        self.exchange.connect(index, peers)
        self.start = ShardStart(self, omega)
        return self._timed(self.start.begin)

    def svd(self, method, *args):
        answer = self._timed(getattr(self.start, method), *args)
        if method in ("finish", "drop"):
            self.start = None
        return answer

    def stacked(self):
        """X's blocks stacked into one (made once, until ``unstack``) and their row edges:
        the start's and the iterations' products then go over one matrix, however many
        blocks the shard holds (``_dask_steps.ShardSteps._stacked`` says why)."""
        if self._stacked is None:
            blocks = [_matrix(X_b) for X_b in self.store["X"]]
            X = blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")
            self._stacked = (X, np.cumsum([0] + [X_b.shape[0] for X_b in blocks]))
        return self._stacked

    def unstack(self):
        self._stacked = None

    async def deposit(self, tag, sender, payload):
        """A peer's piece of an exchange (run on the worker's event loop, beside the step
        that waits for it in the actor thread)."""
        self.exchange.deposit(tag, sender, payload)

    async def abort(self):
        self.exchange.abort()

    def _timed(self, fn, *args):
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.busy += time.perf_counter() - start

    def seconds(self):
        """Seconds spent in steps so far."""
        return self.busy

    def _drop(self, keys):
        for key in keys:
            self.store.pop(key, None)


class Part:
    """The client's name for the pieces one shard holds under ``key``."""

    __slots__ = ("executor", "shard", "key", "__weakref__")

    def __init__(self, executor, shard, key):
        self.executor, self.shard, self.key = executor, shard, key

    def __del__(self):
        try:
            self.executor._dropped[self.shard].append(self.key)
        except (AttributeError, IndexError):  # the executor is gone already
            pass


class DaskExecutor:
    """Per-block operations as calls to one :class:`Shard` actor per worker (see the
    module's docstring; the interface is ``_blocks.LocalExecutor``'s). ``parts`` of its
    Blocks are :class:`Part` values, one per shard."""

    def __init__(self, client, engine="fast"):
        self.client = client
        self.engine = engine
        self.rows = ()
        self.workers = sorted(client.scheduler_info()["workers"])
        if not self.workers:
            raise ParameterError("The Dask cluster has no workers; start some (dask worker "
                                 "ADDRESS) or use --workers N.")
        self.shards = ()  # per shard, the indices of its blocks (in row order)
        self.actors = []
        self._dropped = []
        self._keys = itertools.count()

    def matrix(self, partitions):
        """X's blocks on the workers: taken where they were made (futures: a shard per
        worker holding some, of all the blocks it holds), loaded there from their files, or
        sent from memory (a run of neighbouring blocks per worker); checked once."""
        self.rows = _rows(partitions)
        futures = getattr(partitions, "futures", None)
        if futures:  # X made on the workers: one shard per worker, its blocks in row order
            held = balanced(self._held(futures), self.rows)
            self.workers = [w for w, _ in held]
            self.shards = tuple(tuple(blocks) for _, blocks in held)
            self._start([[futures[i] for i in blocks] for _, blocks in held])
        else:
            n = len(self.rows)
            count = min(len(self.workers), n)
            edges = [i * n // count for i in range(count + 1)]
            self.shards = tuple(tuple(range(a, b)) for a, b in zip(edges[:-1], edges[1:]))
            self.workers = self.workers[:count]
            self._start([None] * count)
            if partitions.on_disk:
                self._call("load", lambda s, blocks: ("X", [partitions.paths[i] for i in blocks]))
            else:
                self._call("put", lambda s, blocks: ("X", [partitions.blocks[i] for i in blocks]))
        return checked_matrix(self, self._parts("X"), partitions)

    def _held(self, futures):
        """[(worker, [indices of the blocks it holds])], ordered by their first block. A
        worker's blocks need not be neighbours (Dask places a task where it sees fit): they
        are one shard all the same, so that every worker holds one (the fused iterations
        need that) and no block moves."""
        _wait(self.client, futures)
        holders = self.client.who_has(futures)
        held = {}
        for i, f in enumerate(futures):
            held.setdefault(min(holders.get(f.key) or [None], key=str), []).append(i)
        return sorted(held.items(), key=lambda item: item[1][0])

    def _start(self, blocks):
        threads = self.client.nthreads()  # a shard's kernels use its worker's threads
        made = [self.client.submit(Shard, self.engine, b, threads.get(w, TASK_THREADS), actor=True, pure=False,
                                   **placed_on(w))
                for w, b in zip(self.workers, blocks)]
        _wait(self.client, made)
        self.actors = [f.result() for f in made]
        self._made = made  # (the actors live while their futures are held)
        self._dropped = [[] for _ in self.actors]

    def _parts(self, key):
        return [Part(self, s, key) for s in range(len(self.actors))]

    def _call(self, method, args_of):
        """``method`` called on every shard's actor with ``args_of(shard, its blocks)``, in
        parallel; the answers in shard order."""
        pending = [getattr(actor, method)(*args_of(s, blocks))
                   for s, (actor, blocks) in enumerate(zip(self.actors, self.shards))]
        return [_answer(f) for f in pending]

    def _drops(self, s):
        dropped, self._dropped[s] = self._dropped[s], []
        return dropped

    def put(self, pieces):
        """Per-block pieces made here, sent to the workers (a shard each)."""
        pieces, key = list(pieces), next(self._keys)
        self._call("put", lambda s, blocks: (key, [pieces[i] for i in blocks], self._drops(s)))
        return self._parts(key)

    def _run(self, mode, fn, args, outputs=1):
        spec = [(True, a.parts) if isinstance(a, Blocks) else (False, a) for a in args]
        keys = [next(self._keys) for _ in range(outputs)]

        def args_of(s, blocks):
            shard_spec = [(True, v[s].key) if is_key else (False, v) for is_key, v in spec]
            return mode, fn, shard_spec, keys, self._drops(s)

        return keys, self._call("run", args_of)

    def map(self, fn, *args, outputs=1):
        keys, _ = self._run("map", fn, args, outputs)
        parts = [self._parts(key) for key in keys]
        return parts[0] if outputs == 1 else parts

    def map_sum(self, fn, *args):
        (key,), sums = self._run("map_sum", fn, args)
        return self._parts(key), _add(sums)

    def sum(self, fn, *args):
        return _add(self._run("sum", fn, args)[1])

    def collect(self, fn, *args):
        """fn's per-block values, brought here in block order (one call per shard)."""
        values = {}
        for blocks, answer in zip(self.shards, self._run("list", fn, args)[1]):
            values.update(zip(blocks, answer))
        return [values[i] for i in sorted(values)]

    def _apart(self):
        """Whether every shard is on its own worker (a worker runs its actors' calls one at
        a time, so two shards of one worker could not wait for each other's pieces)."""
        workers = [actor._address for actor in self.actors]
        return len(set(workers)) == len(workers)

    def steps(self, W, H, penalty):
        """The fit's iterations as one call per shard each (:class:`DaskSteps`), when every
        shard is on its own worker; else None (the loop's steps, an operation a call)."""
        return DaskSteps(self, W, H, penalty) if self._apart() else None

    def randomized_svd(self, X, k, omega, n_power_iter):
        """The start's randomized SVD of X (``_init.randomized_svd``'s) as one call per
        shard and step (``_dask_start``): U as Blocks, S, Vt; None where it does not apply
        (shards sharing a worker, X wider than tall) or a Cholesky QR fails."""
        if not self._apart() or X.shape[0] < X.shape[1]:
            return None
        return randomized_svd(self, X, k, omega, n_power_iter)

    def fetch(self, parts):
        """The per-block pieces, brought here (in block order)."""
        pending = [(self.shards[p.shard], self.actors[p.shard].fetch(p.key)) for p in parts]
        pieces = {}
        for blocks, f in pending:
            pieces.update(zip(blocks, _answer(f)))
        return [pieces[i] for i in sorted(pieces)]


def _add(values):
    """The sum of values (arrays, numbers, ColumnSums or tuples of them), added in order."""
    return functools.reduce(added, values, None)


def _answer(future):
    """An actor call's answer; a worker lost on the way raises ConnectionError."""
    try:
        return future.result()
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, OSError) or "lost" in str(exc):
            raise ConnectionError(f"a Dask worker was lost ({exc})") from None
        raise


def _wait(client, futures):
    """Wait for futures; a cluster left without workers (tasks would wait for one forever)
    raises ClusterError."""
    while True:
        try:
            return wait(futures, timeout=WORKER_CHECK_S)
        except TimeoutError:
            if not client.nthreads():
                raise ClusterError(NO_WORKERS) from None


def balanced(held, rows):
    """``held`` ([(worker, [block indices])]) with blocks moved from the shard of the most
    rows to the one of the fewest while that narrows their gap: every iteration waits for
    the slowest shard, and Dask places the blocks it makes where it sees fit (at 794k
    documents, 12% more on one of two workers). A moved block is sent to its new worker
    once, when the shard is made; each shard's blocks stay in row order."""
    held = [(worker, list(blocks)) for worker, blocks in held]

    def size(blocks):
        return sum(rows[i] for i in blocks)

    while len(held) > 1:
        big = max(held, key=lambda h: size(h[1]))[1]
        small = min(held, key=lambda h: size(h[1]))[1]
        gap = size(big) - size(small)
        # the block whose move leaves the smallest gap (|gap - 2 r|), if that is smaller
        block = min(big, key=lambda i: abs(gap - 2 * rows[i]))
        if len(big) == 1 or abs(gap - 2 * rows[block]) >= gap:
            break
        big.remove(block)
        small.append(block)
        small.sort()
    return held
