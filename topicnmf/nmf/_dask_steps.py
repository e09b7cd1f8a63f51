"""The Dask fit's iterations: one call per worker per iteration, H's rows split over the
workers, and the sums exchanged between the workers themselves.

A plain HALS iteration (one sweep per update, the default) on X's row blocks needs, per
worker, all of H (to update its rows of W) and, for the H update, X^T W summed over every
worker's blocks: k x n_features arrays. Sent through the client (H out to every worker,
each worker's X_b^T W_b back), that is 4 k x n_features arrays per iteration through one
process, more than the iteration itself costs on one machine. Here the H update is split
by terms instead: shard s owns H^T's rows ``edges[s]:edges[s + 1]`` (its slice J_s), and
an iteration is, on every shard at once (:class:`ShardSteps`):

1. H_y = H (or extrapolated: max(0, H + beta (H - H_prev))) on its slice, and its Gram
   part H_y[J_s]^T H_y[J_s]; the slices and parts go to every other shard (all-gather),
   so each has all of H_y and G_y = sum_s of the parts (added in shard order);
2. its blocks of W updated from H_y and G_y (one HALS sweep, X H_y^T fused in), with
   P_s = sum_b X_b^T W_b and W_b^T W_b summed over its blocks;
3. P_s[J_r] to shard r, for every other r (reduce-scatter), so each has X^T W on its slice,
   P[J_s] = sum_r P_r[J_s], and W^T W = sum_r (added in shard order: the sums of the
   in-process partitioned fit, the same numbers);
4. its slice of H updated from P[J_s] and W^T W (one HALS sweep: rows of H^T do not
   depend on each other), and <H[J_s], P[J_s]>, H[J_s]^T H[J_s] and the penalties'
   parts sent to the client, which adds them up and decides (take, undo) as the loop does.

So per iteration each worker sends two half-slices (with 2 workers: k x n_features / 2
each, H's as the bits of its zeros and its nonzeros, ``_wire``), the client only scalars and
k x k arrays, and the H update runs on the workers in parallel. The exchange goes straight
from actor to actor (a ``deposit`` run on the receiving worker's event loop, so that it
lands while that worker's actor thread waits for it); a step waits for its peers'
deposits, and stops when the client calls ``abort`` (a worker was lost: the client's call
to it failed) or when a send to a peer fails.

The shards must be on distinct workers (a worker runs its actors' steps one at a time);
otherwise the executor keeps the step-by-step calls of ``_partitioned``.
"""

import asyncio
import threading
import time

import numpy as np

from ._blocks import Blocks, _inner, _matrix
from ._wire import pack, unpack

INNER_DELTA = 0.1  # (unused with one sweep; as _frobenius passes it)
PEER_WAIT_S = 0.05  # while waiting for a peer's deposit, how often to check the sends
PEER_TIMEOUT_S = 900.0  # a peer silent this long is taken for lost


class ShardSteps:
    """A shard's side of the fit's iterations (held by its ``_dask.Shard`` actor)."""

    def __init__(self, shard, index, peers, edges, H_slice, W_key, penalty):
        self.shard, self.index, self.edges, self.penalty = shard, index, edges, penalty
        self.peer_ids = peers  # (address, key) of every shard's actor, in shard order
        self.peers = None  # their Actor handles, bound to this worker on first use
        self.inbox, self.cond, self.aborted = {}, threading.Condition(), False
        self.H, self.H_prev = unpack(H_slice), None
        self.G_H = None
        self.W_key, self.new = W_key, None
        self.W_made, self.spare = False, None  # W made by a step here; a W's blocks to reuse

    # -- the exchange between shards --
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
                          Actor(type(self.shard), address, key, worker=worker)
                          for r, (address, key) in enumerate(self.peer_ids)]
        return self.peers

    def _exchange(self, tag, own, payload_for):
        """Every shard's payload for this one, in shard order (``own``: this one's);
        ``payload_for(r)`` is sent to shard r."""
        sent = [peer.deposit(tag, self.index, payload_for(r))
                for r, peer in enumerate(self._handles()) if peer is not None]
        others = [r for r in range(len(self.peer_ids)) if r != self.index]
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
        got[self.index] = own
        return [got[r] for r in range(len(self.peer_ids))]

    def _reduce(self, tag, P_s, G_W_s):
        """X^T W on this shard's slice and W^T W, summed over the shards in shard order."""
        e = self.edges
        parts = self._exchange(tag, (P_s[e[self.index]:e[self.index + 1]], G_W_s),
                               lambda r: (pack(P_s[e[r]:e[r + 1]]), G_W_s))
        P, G_W = unpack(parts[0][0]), parts[0][1]
        for piece, gram in parts[1:]:
            P, G_W = P + unpack(piece), G_W + gram
        return P, G_W

    # -- the iterations --
    def _engine(self):
        return _inner(self.shard.engine, self.shard.threads)

    def _W_sums(self, eng, X, W):
        """(sum_b X_b^T W_b, sum_b W_b^T W_b) over this shard's blocks, in block order."""
        P, G = eng.tdot(_matrix(X[0]), W[0]), eng.gram(W[0])
        for X_b, W_b in zip(X[1:], W[1:]):
            P, G = P + eng.tdot(_matrix(X_b), W_b), G + eng.gram(W_b)
        return P, G

    def _penalties(self, eng, W, H):
        return sum(self.penalty.on_W(eng, W_b) for W_b in W) + self.penalty.on_H(eng, H)

    def start(self):
        """The objective's parts at the start: <H[J_s], P[J_s]>, W^T W, H[J_s]^T H[J_s]."""
        eng, store = self._engine(), self.shard.store
        with eng.threading():
            self.G_H = eng.gram(self.H)
            P_s, G_W_s = self._W_sums(eng, store["X"], store[self.W_key])
            P, G_W = self._reduce(("P", 0), P_s, G_W_s)
            return (eng.vdot(self.H, P), G_W, self.G_H,
                    self._penalties(eng, store[self.W_key], self.H))

    def step(self, it, decision, beta, W_key):
        """Iteration ``it`` (after applying the client's ``decision`` on the last one); its
        new W is kept under ``W_key``. The objective's parts at the new point."""
        self.decide(decision)
        eng, store, pen = self._engine(), self.shard.store, self.penalty
        with eng.threading():
            if beta and self.H_prev is not None:  # H_y = max(0, H + beta (H - H_prev))
                Hy = np.empty_like(self.H)
                eng.extrapolate(Hy, self.H, self.H_prev, beta)
                G_part = eng.gram(Hy)
            else:
                Hy, G_part = self.H, self.G_H
            packed = pack(Hy)
            parts = self._exchange(("H", it), (Hy, G_part), lambda r: (packed, G_part))
            Hy = np.empty((self.edges[-1], self.H.shape[1]), dtype=self.H.dtype)
            for r, (piece, _) in enumerate(parts):  # all of H_y, slice by slice
                Hy[self.edges[r]:self.edges[r + 1]] = unpack(piece)
            G_y = parts[0][1]
            for _, gram in parts[1:]:
                G_y = G_y + gram
            # W <- one HALS sweep from W given H_y (X H_y^T fused), extrapolated with beta,
            # into the blocks of a W this shard made earlier (no new pages per step)
            spare, self.spare = self.spare, None
            W_new, P_s, G_W_s = [], None, None
            for b, (X_b, W_b) in enumerate(zip(store["X"], store[self.W_key])):
                X_b = _matrix(X_b)
                A = spare[b] if spare else np.empty_like(W_b)
                eng.hals_rows(X_b, Hy, G_y, W_b, A, pen.l1_W, pen.l2_W, 1, INNER_DELTA, beta)
                XtA, gram = eng.tdot(X_b, A), eng.gram(A)
                P_s, G_W_s = (XtA, gram) if P_s is None else (P_s + XtA, G_W_s + gram)
                W_new.append(A)
            del Hy, spare
            store[W_key] = W_new
            P, G_W = self._reduce(("P", it), P_s, G_W_s)
            del P_s
            H_new = self.H.copy()  # H^T's rows J_s <- one HALS sweep given X^T W and W^T W
            eng.hals(H_new, P, G_W, pen.l1_H, pen.l2_H)
            G_new = eng.gram(H_new)
            self.new = (W_key, H_new, G_new)
            return eng.vdot(H_new, P), G_W, G_new, self._penalties(eng, W_new, H_new)

    def decide(self, decision):
        """'take': the last step's W and H become the current ones; 'undo': it is
        dropped and the next step is a plain one; None: no step since the last call."""
        if decision == "take":
            W_key, H_new, G_new = self.new
            old = self.shard.store.pop(self.W_key, None)
            self.spare = old if self.W_made else None  # (the start's W: not ours to write)
            self.W_key, self.H_prev, self.H, self.G_H = W_key, self.H, H_new, G_new
            self.W_made = True
        elif decision == "undo":
            self.spare = self.shard.store.pop(self.new[0], None)
            self.H_prev = None
        self.new = None

    def finish(self, decision):
        """The last decision applied; this shard's slice of H^T (W stays, under its key)."""
        self.decide(decision)
        return pack(self.H), self.W_key


def _sent(future):
    """Raise if a deposit to a peer failed (its worker is gone)."""
    try:
        future.result()
    except (OSError, RuntimeError) as exc:
        raise ConnectionError(f"a Dask worker was lost ({exc})") from None


class DaskSteps:
    """The client's side (a ``_frobenius.Steps``): one call per shard per iteration, the
    objective's parts added up here in shard order; take and undo go with the next call."""

    def __init__(self, executor, W, H, penalty):
        self.executor, self.shape_W, self.dtype = executor, W.shape, W.dtype
        count, m = len(executor.actors), H.shape[1]
        self.edges = [s * m // count for s in range(count + 1)]
        Ht = np.ascontiguousarray(H.T)
        ids = [(actor._address, actor.key) for actor in executor.actors]
        e = self.edges
        self._all("steps_setup", lambda s: (s, ids, e, pack(Ht[e[s]:e[s + 1]]),
                                            W.parts[s].key, penalty))
        self.keys = [part.key for part in W.parts]  # W's key on each shard
        self.W_hold = W  # (its parts name the start's W until the first step is taken)
        self.decision, self.it, self.new_key = None, 0, None

    def start(self):
        return self._combine(self._all("steps_start", lambda s: ()))

    def step(self, beta):
        self.it += 1
        self.new_key = next(self.executor._keys)
        decision, self.decision = self.decision, None
        return self._combine(self._all("steps_step", lambda s: (self.it, decision, float(beta),
                                                                 self.new_key)))

    def take(self):
        self.decision = "take"
        self.keys = [self.new_key] * len(self.keys)
        self.W_hold = None

    def undo(self):
        self.decision = "undo"

    def result(self):
        answers = self._all("steps_finish", lambda s: (self.decision,))
        H = np.concatenate([unpack(piece) for piece, _ in answers]).T
        ex = self.executor
        from ._dask import Part

        W = Blocks([Part(ex, s, key) for s, (_, key) in enumerate(answers)], self.shape_W,
                   self.dtype, ex)
        return W, H

    @staticmethod
    def _combine(answers):
        cross, G_W, G, penalties = answers[0]
        for c, _, g, p in answers[1:]:
            cross, G, penalties = cross + c, G + g, penalties + p
        return cross, G_W, G, penalties

    def _all(self, method, args_of):
        """``method`` on every shard's actor at once; the answers in shard order. A call
        that fails (a worker lost) stops the others' steps (they wait for its deposits)."""
        actors = self.executor.actors
        try:
            futures = [getattr(actor, method)(*args_of(s)) for s, actor in enumerate(actors)]
            return self.executor.client.sync(_gather, futures)
        except (OSError, RuntimeError, ConnectionError) as exc:
            for actor in actors:
                try:
                    actor.steps_abort()
                except Exception:  # noqa: BLE001 - its worker is gone too
                    pass
            if isinstance(exc, ConnectionError) or isinstance(exc, OSError) or "lost" in str(exc):
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
