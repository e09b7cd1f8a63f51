"""Pieces exchanged between the Dask actors of a fit, and calls made on all of them at once.

Each shard's actor (``_dask.Shard``, one per worker) has one :class:`Exchange`: it sends
its pieces straight to the other shards' actors (a ``deposit`` run on the receiving
worker's event loop, so that it lands while that worker's actor thread waits for it) and
waits for theirs. The start's randomized SVD (``_dask_start``) and the iterations
(``_dask_steps``) exchange their n_features-row sums this way, not through the client.

:func:`call_all` is the client's side: one call on every shard's actor at once, the
answers in shard order; a call that fails (a worker lost) stops the others' waits.
"""

import asyncio
import threading
import time

PEER_WAIT_S = 0.05  # while waiting for a peer's deposit, how often to check the sends
PEER_TIMEOUT_S = 900.0  # a peer silent this long is taken for lost


class Exchange:
    """A shard's inbox and its handles on the other shards' actors.

    ``clock``: seconds spent waiting for the peers' pieces, and how many exchanges."""

    def __init__(self, actor_type):
        self.actor_type = actor_type
        self.index, self.peer_ids, self.peers = 0, [None], None
        self.inbox, self.cond, self.aborted = {}, threading.Condition(), False
        self.clock = {"wait": 0.0, "exchanges": 0}

    def connect(self, index, peer_ids):
        """This shard's index and every shard's actor, (address, key) in shard order."""
        if (index, list(peer_ids)) != (self.index, list(self.peer_ids)):
            self.index, self.peer_ids, self.peers = index, list(peer_ids), None

    def deposit(self, tag, sender, payload):
        with self.cond:
            self.inbox[(tag, sender)] = payload
            self.cond.notify_all()

    def abort(self):
        with self.cond:
            self.aborted = True
            self.cond.notify_all()

    def _handles(self):
        if self.peers is None:
            from distributed import get_worker
            from distributed.actor import Actor

            worker = get_worker()
            self.peers = [None if r == self.index else
                          Actor(self.actor_type, address, key, worker=worker)
                          for r, (address, key) in enumerate(self.peer_ids)]
        return self.peers

    def gather(self, tag, own, payload_for):
        """Every shard's payload for this one, in shard order (``own``: this one's);
        ``payload_for(r)`` is sent to shard r."""
        others = [r for r in range(len(self.peer_ids)) if r != self.index]
        sent = [peer.deposit(tag, self.index, payload_for(r))
                for r, peer in enumerate(self._handles()) if peer is not None]
        start = time.perf_counter()
        deadline = time.monotonic() + PEER_TIMEOUT_S
        while True:
            with self.cond:
                if self.aborted:
                    raise ConnectionError("a Dask worker was lost (the fit was stopped)")
                if all((tag, r) in self.inbox for r in others):
                    got = {r: self.inbox.pop((tag, r)) for r in others}
                    break
                self.cond.wait(PEER_WAIT_S)
            for future in sent:  # a peer gone: the send fails
                if future.done():
                    _sent(future)
            if time.monotonic() > deadline:
                raise ConnectionError(f"a Dask worker was lost (no answer in {PEER_TIMEOUT_S} s)")
        for future in sent:
            _sent(future)
        self.clock["wait"] += time.perf_counter() - start
        self.clock["exchanges"] += 1
        got[self.index] = own
        return [got[r] for r in range(len(self.peer_ids))]


def _sent(future):
    """Raise if a deposit to a peer failed (its worker is gone)."""
    try:
        future.result()
    except (OSError, RuntimeError) as exc:
        raise ConnectionError(f"a Dask worker was lost ({exc})") from None


def call_all(executor, method, args_of):
    """``method`` on every shard's actor at once (``args_of(shard)``); the answers in shard
    order. A call that fails (a worker lost) stops the others' waits for its pieces."""
    actors = executor.actors
    try:
        futures = [getattr(actor, method)(*args_of(s)) for s, actor in enumerate(actors)]
        return executor.client.sync(_gather, futures)
    except (OSError, RuntimeError, ConnectionError) as exc:
        for actor in actors:
            try:
                actor.abort()
            except Exception:  # noqa: BLE001 - its worker is gone too
                pass
        if isinstance(exc, (ConnectionError, OSError)) or "lost" in str(exc):
            raise ConnectionError(f"a Dask worker was lost ({exc})") from None
        raise


async def _gather(futures):
    """The actor calls' answers; the first failure raised at once (not after the others)."""
    async def one(future):
        return await future

    tasks = [asyncio.ensure_future(one(f)) for f in futures]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        if task.exception() is not None:
            for other in pending:
                other.cancel()
            raise task.exception()
    return [task.result() for task in tasks]
