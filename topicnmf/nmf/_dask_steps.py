"""The Dask fit's iterations: one call per worker per iteration, the k x n_features sums
exchanged between the workers themselves.

A plain HALS iteration (one sweep per update, the default) on X's row blocks needs, per
worker, all of H (to update its rows of W) and, for the H update, X^T W summed over every
worker's blocks: k x n_features arrays. Sent through the client (H out to every worker,
each worker's X_b^T W_b back), that is 4 k x n_features arrays per iteration through one
process, more than the iteration itself costs on one machine. Here the workers exchange
them directly, in one of two schemes (:func:`scheme` chooses; :class:`ShardSteps`):

*all-reduce* (one exchange per iteration; two workers on one host)

1. H_y = H (or extrapolated: max(0, H + beta (H - H_prev))) and G_y = H_y H_y^T, made by
   every shard from its own copy of all of H;
2. its rows of W updated from H_y and G_y (one HALS sweep, X H_y^T fused in), with
   P_s = X_s^T W_s and W_s^T W_s;
3. P_s and W_s^T W_s sent to every other shard; each adds all shards' pieces in shard
   order, so every shard holds the same X^T W and W^T W, to the last bit;
4. all of H updated from them (one HALS sweep: m k^2, cheap next to a round of waiting),
   by every shard alike: the same kernels on the same sums give the same H on each (a
   CRC-32 of every shard's H is compared at the end, ``DaskSteps.profile['same_H']``).

*split* (two exchanges: many workers, or workers on several hosts)

1. shard s owns H^T's rows ``edges[s]:edges[s + 1]`` (its slice J_s): H_y on its slice and
   its Gram part, sent to every other shard (all-gather), so each has all of H_y and
   G_y = sum_s of the parts (added in shard order);
2. its rows of W updated as above;
3. P_s[J_r] to shard r, for every other r (reduce-scatter), so each has X^T W on its slice,
   P[J_s] = sum_r P_r[J_s], and W^T W = sum_r (added in shard order);
4. its slice of H updated from P[J_s] and W^T W.

Either way the client gets only scalars and k x k arrays (<H, X^T W>, W^T W, H H^T and the
penalties, per shard), adds them up and decides (take, undo) as the loop does; the H update
runs on the workers. With two workers, all-reduce sends one P_s each way (k x n_features),
split half a P_s and half an H_y (H as the bits of its zeros and its nonzeros, ``_wire``) in
two rounds, each waiting for the slower worker. The exchange goes straight from actor to
actor (``_dask_exchange``); a step waits for its peers' deposits, and stops when the client
calls ``abort`` (a worker was lost: the client's call to it failed) or when a send to a
peer fails.

A shard's blocks of X (``Shard.stacked``) and of W are stacked into one for the iterations, and
W goes back into the store as blocks at the end. The shards must be on distinct workers (a
worker runs its actors' steps one at a time); otherwise the executor keeps the
step-by-step calls of ``_partitioned``.
"""

import logging
import time
import zlib
from contextlib import contextmanager
from urllib.parse import urlsplit

import numpy as np

from ._blocks import Blocks, _inner
from ._dask_exchange import call_all
from ._wire import pack, unpack

log = logging.getLogger("topicnmf")

SCHEME = None  # 'all-reduce' or 'split' for every fit (a benchmark's comparison); None: scheme()
ALL_REDUCE_MAX_SHARDS = 2  # measured: see scheme()
INNER_DELTA = 0.1  # (unused with one sweep; as _frobenius passes it)


class ShardSteps:
    """A shard's side of the fit's iterations (held by its ``_dask.Shard`` actor).

    ``edges``: the rows of H^T each shard updates (the split scheme), or None: every shard
    holds and updates all of H (the all-reduce scheme). ``clock``: seconds spent in steps
    and, of those, waiting for the peers' pieces (what ``DaskSteps.profile`` reports)."""

    def __init__(self, shard, index, peers, edges, H_part, W_key, penalty):
        self.shard, self.index, self.edges, self.penalty = shard, index, edges, penalty
        self.split = edges is not None
        self.exchange = shard.exchange  # (the shard's: its peers' pieces arrive there)
        self.exchange.connect(index, peers)
        self.waited = dict(self.exchange.clock)  # (its clock before this fit's steps)
        self.H, self.H_prev = unpack(H_part), None  # its rows of H^T (split), or all of them
        self.G_H = None
        self.W_key, self.new = W_key, None  # the current W's key (the start's: its blocks')
        self.X = self.W = self.rows = None  # X's blocks and W's, stacked (``_stacked``)
        self.spare = None  # a W's array that the next step may write into
        self.clock = {"steps": 0.0, "wait": 0.0, "exchanges": 0}

    def _exchange(self, tag, own, payload_for):
        parts = self.exchange.gather(tag, own, payload_for)
        for name in ("wait", "exchanges"):
            self.clock[name] = self.exchange.clock[name] - self.waited[name]
        return parts

    def _reduce(self, tag, P_s, G_W_s):
        """X^T W (on this shard's rows of H^T: all of them when not split) and W^T W,
        summed over the shards in shard order: every shard adds the same pieces in the
        same order, so all-reduced sums are the same bits on every shard."""
        if self.split:  # reduce-scatter: shard r gets every shard's P[J_r]
            e = self.edges
            parts = self._exchange(tag, (P_s[e[self.index]:e[self.index + 1]], G_W_s),
                                   lambda r: (pack(P_s[e[r]:e[r + 1]]), G_W_s))
        else:  # all-reduce: every shard gets every shard's P
            packed = pack(P_s)
            parts = self._exchange(tag, (P_s, G_W_s), lambda r: (packed, G_W_s))
        P, G_W = unpack(parts[0][0]), parts[0][1]
        for piece, gram in parts[1:]:
            P, G_W = P + unpack(piece), G_W + gram
        return P, G_W

    def _gathered(self, tag, Hy, G_part):
        """All of H_y and its Gram matrix from every shard's rows (all-gather)."""
        packed = pack(Hy)
        parts = self._exchange(tag, (Hy, G_part), lambda r: (packed, G_part))
        Hy = np.empty((self.edges[-1], self.H.shape[1]), dtype=self.H.dtype)
        for r, (piece, _) in enumerate(parts):  # all of H_y, slice by slice
            Hy[self.edges[r]:self.edges[r + 1]] = unpack(piece)
        G_y = parts[0][1]
        for _, gram in parts[1:]:
            G_y = G_y + gram
        return Hy, G_y

    # -- the iterations --
    def _engine(self):
        return _inner(self.shard.engine, self.shard.threads)

    def _stacked(self):
        """This shard's blocks of X and of the start's W, each stacked into one (made on
        the first call): an iteration is then one W sweep, one X^T W into one float64
        accumulator and one W^T W per shard, however many blocks it holds (at 794k
        documents the TF-IDF passes leave 20 blocks per worker, and per block X^T W cost
        its own m x k accumulator and sum: 0.4 s an iteration). Rows do not depend on
        each other in the W sweep, so the blocks' rows of W are the same either way."""
        if self.X is None:
            store = self.shard.store
            self.X, self.rows = self.shard.stacked()
            self.W = np.concatenate(store[self.W_key])  # (a copy: the start's W is not ours)
        return self.X, self.W

    def _parts(self, eng, H, P, G_W, G_H, W):
        """This shard's share of the objective's parts: <H, P>, W^T W, H H^T (its rows'
        parts when split; all-reduced, shard 0 gives them and the others 0 and None) and
        the penalties (of its W; of H by its rows, or by shard 0)."""
        penalty = self.penalty.on_W(eng, W)
        if not self.split and self.index:
            return 0.0, G_W, None, penalty
        return eng.vdot(H, P), G_W, G_H, penalty + self.penalty.on_H(eng, H)

    def _violation(self, of_W, of_H):
        """This shard's share of the step's violation: its rows of W's, and H's by its
        rows (split) or by shard 0 (all-reduced: every shard made the same H sweep)."""
        return of_W + (of_H if self.split or not self.index else 0.0)

    def start(self):
        """The objective's parts at the start."""
        eng = self._engine()
        with eng.threading(), self._timed():
            X, W = self._stacked()
            self.G_H = eng.gram(self.H)
            P, G_W = self._reduce(("P", 0), eng.tdot(X, W), eng.gram(W))
            return self._parts(eng, self.H, P, G_W, self.G_H, W)

    def step(self, it, decision, beta, W_key):
        """Iteration ``it`` (after applying the client's ``decision`` on the last one); its
        W is named ``W_key`` if taken. The objective's parts at the new point."""
        self.decide(decision)
        eng, pen = self._engine(), self.penalty
        with eng.threading(), self._timed():
            X, W = self._stacked()
            if beta and self.H_prev is not None:  # H_y = max(0, H + beta (H - H_prev))
                Hy = np.empty_like(self.H)
                eng.extrapolate(Hy, self.H, self.H_prev, beta)
                G_y = eng.gram(Hy)
            else:
                Hy, G_y = self.H, self.G_H
            if self.split:
                Hy, G_y = self._gathered(("H", it), Hy, G_y)
            # W <- one HALS sweep from W given H_y (X H_y^T fused), extrapolated with beta,
            # into an earlier W's array (no new pages per step)
            W_new, self.spare = (self.spare if self.spare is not None else np.empty_like(W)), None
            _, of_W = eng.hals_rows(X, Hy, G_y, W, W_new, pen.l1_W, pen.l2_W, 1, INNER_DELTA,
                                    beta)
            del Hy
            P, G_W = self._reduce(("P", it), eng.tdot(X, W_new), eng.gram(W_new))
            H_new = self.H.copy()  # H^T's rows <- one HALS sweep given X^T W and W^T W
            _, of_H = eng.hals(H_new, P, G_W, pen.l1_H, pen.l2_H)
            G_new = eng.gram(H_new)
            self.new = (W_key, W_new, H_new, G_new)
            return (*self._parts(eng, H_new, P, G_W, G_new, W_new), self._violation(of_W, of_H))

    @contextmanager
    def _timed(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.clock["steps"] += time.perf_counter() - start

    def decide(self, decision):
        """'take': the last step's W and H become the current ones; 'undo': it is
        dropped and the next step is a plain one; None: no step since the last call."""
        if decision == "take":
            W_key, W_new, H_new, G_new = self.new
            self.spare = self.W  # (the next step writes into it)
            self.W_key, self.W, self.H_prev, self.H, self.G_H = W_key, W_new, self.H, H_new, G_new
        elif decision == "undo":
            self.spare = self.new[1]
            self.H_prev = None
        self.new = None

    def finish(self, decision):
        """The last decision applied and W kept under its key, as this shard's blocks (views
        of its rows). This shard's rows of H^T (split; all-reduced: all of them from shard
        0, None from the others), W's key and the clock, with the CRC-32 of its H's bytes
        (all-reduced: the same on every shard)."""
        self.decide(decision)
        self._stacked()
        r = self.rows
        self.shard.store[self.W_key] = [self.W[r[i]:r[i + 1]] for i in range(len(r) - 1)]
        H = pack(self.H) if self.split or not self.index else None
        digest = zlib.crc32(memoryview(np.ascontiguousarray(self.H)).cast("B"))
        self.X = self.W = self.spare = None
        self.shard.unstack()
        return H, self.W_key, dict(self.clock, H_crc32=digest)


def scheme(addresses, n_features, k):
    """How the shards (their workers' ``addresses``) share an iteration's H update:
    'all-reduce' (one exchange: every shard gets all of X^T W and updates all of H itself)
    or 'split' (two: H's rows split over the shards, X^T W reduce-scattered, H_y
    all-gathered). All-reduced, every shard must make the same H to the last bit: the
    same kernels on the same sums, so only on one host. ``SCHEME`` overrides the rule."""
    if SCHEME is not None:
        return SCHEME
    hosts = {urlsplit(address).hostname for address in addresses}
    return "all-reduce" if len(addresses) <= ALL_REDUCE_MAX_SHARDS and len(hosts) == 1 else "split"


class DaskSteps:
    """The client's side (a ``_frobenius.Steps``): one call per shard per iteration, the
    objective's parts added up here in shard order; take and undo go with the next call.
    After ``result()``, ``profile`` says where the iterations' time went."""

    def __init__(self, executor, W, H, penalty):
        self.executor, self.shape_W, self.dtype = executor, W.shape, W.dtype
        count, m = len(executor.actors), H.shape[1]
        self.scheme = scheme([actor._address for actor in executor.actors], m, H.shape[0])
        Ht = np.ascontiguousarray(H.T)
        ids = [(actor._address, actor.key) for actor in executor.actors]
        if self.scheme == "split":
            e = [s * m // count for s in range(count + 1)]
            args_of = lambda s: (s, ids, e, pack(Ht[e[s]:e[s + 1]]), W.parts[s].key, penalty)
        else:
            whole = pack(Ht)
            args_of = lambda s: (s, ids, None, whole, W.parts[s].key, penalty)  # noqa: E731
        self._all("steps_setup", args_of)
        self.keys = [part.key for part in W.parts]  # W's key on each shard
        self.W_hold = W  # (its parts name the start's W until the first step is taken)
        self.decision, self.it, self.new_key = None, 0, None
        self.wall, self.profile = 0.0, None

    def start(self):
        return self._combine(self._all("steps_start", lambda s: ()))

    def step(self, beta):
        self.it += 1
        self.new_key = next(self.executor._keys)
        decision, self.decision = self.decision, None
        start = time.perf_counter()
        answers = self._all("steps_step", lambda s: (self.it, decision, float(beta),
                                                      self.new_key))
        self.wall += time.perf_counter() - start
        return self._combine(answers)

    def take(self):
        self.decision = "take"
        self.keys = [self.new_key] * len(self.keys)
        self.W_hold = None

    def undo(self):
        self.decision = "undo"

    def result(self):
        answers = self._all("steps_finish", lambda s: (self.decision,))
        pieces = [unpack(piece) for piece, _, _ in answers if piece is not None]
        H = np.concatenate(pieces).T
        ex = self.executor
        from ._dask import Part

        W = Blocks([Part(ex, s, key) for s, (_, key, _) in enumerate(answers)], self.shape_W,
                   self.dtype, ex)
        clocks = [clock for _, _, clock in answers]
        busiest = max(clock["steps"] for clock in clocks)
        same_H = self.scheme == "split" or len({c["H_crc32"] for c in clocks}) == 1
        self.profile = {"scheme": self.scheme, "iterations": self.it, "wall": self.wall,
                        "compute": [c["steps"] - c["wait"] for c in clocks],
                        "wait": [c["wait"] for c in clocks],
                        "calls": max(self.wall - busiest, 0.0), "same_H": same_H}
        log.debug("Dask fit's iterations: %s", self.profile)
        if not same_H:  # (workers whose kernels round differently: other CPUs or libraries)
            log.warning("the Dask workers' copies of H differ in their last bits; the fit "
                        "is within rounding of the in-process one, not bit for bit")
        return W, H

    @staticmethod
    def _combine(answers):
        """The shards' parts added up in shard order (a None Gram part: none given); a
        step's answers end with the shards' violations, added up too."""
        cross, G_W, G, penalties = answers[0][:4]
        for c, _, g, p in (a[:4] for a in answers[1:]):
            cross, penalties = cross + c, penalties + p
            G = g if G is None else G if g is None else G + g
        if len(answers[0]) == 4:
            return cross, G_W, G, penalties
        return cross, G_W, G, penalties, sum(a[4] for a in answers)

    def _all(self, method, args_of):
        return call_all(self.executor, method, args_of)
