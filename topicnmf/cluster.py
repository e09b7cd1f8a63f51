"""A run on a Dask cluster: start or connect to one, and vectorize, fit and transform there.

``--workers N`` starts a local cluster of N worker processes for the run (closed at its
end); ``--scheduler ADDRESS`` connects to a running one (``dask scheduler`` and ``dask
worker ADDRESS`` as a user starts them); the Python API passes a ``distributed.Client``.
A :class:`Session` says where the run's work goes: on a cluster, the TF-IDF passes make
X's blocks on the workers (:mod:`.cluster_passes`), the fit is
:func:`topicnmf.nmf.factorize_partitioned` on those blocks where they are (the same
iterates and result as the in-process fit; nmf/_dask.py tells what travels), and
transform runs there too. Needs the extra ``topicnmf[dask]``.

A worker lost during the fit takes its blocks of X and W with it. Its blocks of X may be
loaded again, but W's are the fit's state, so the fit is started again from the beginning
on the workers left (the same start, so the same result); if that keeps failing, or no
worker is left, the run stops with a one-line error (before any report is written).
"""

import logging
import os
import signal
import shutil
import socket
import tempfile
import time
import warnings
from contextlib import contextmanager

from .cluster_passes import transform_on, vectorize_on
from .errors import ClusterError, ParameterError
from .nmf import factorize, factorize_partitioned
from .partitions import Partitions, split

log = logging.getLogger("topicnmf")

INSTALL = "pip install 'topicnmf[dask]'"
BLOCKS_PER_THREAD = 1  # row blocks of X per worker thread (a block costs a k x n_features sum)
CONNECT_TIMEOUT = "20s"
PROBE_TIMEOUT = 5.0  # seconds a scheduler has to greet a new connection (it does at once)
ATTEMPTS = 3  # a fit started again (twice at most) after a lost worker
RETRY_PAUSE_S = 1.0  # for the scheduler to notice that the lost worker is gone
NO_WORKERS = "The Dask cluster has no workers left to fit on; start workers and run again."
# glibc's allocator in the local workers: Dask sets MALLOC_TRIM_THRESHOLD_ (freed memory goes
# back to the system at once), which also fixes the mmap threshold at 128 KiB, so every
# array of every step of the fit was new pages zeroed by the kernel (Debian k=50: 400k page
# faults and 2.5 s of system time per worker in a 30 s fit); with these, arrays up to 32 MiB
# reuse freed memory (7-13k faults).
WORKER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": 2**31 - 1, "MALLOC_MMAP_THRESHOLD_": 2**25}


def distributed():
    """The ``distributed`` module, or a one-line error naming the extra to install."""
    try:
        import distributed as module
    except ImportError:
        raise ParameterError(f"--workers/--scheduler need Dask: {INSTALL}") from None
    return module


def check(workers=None, scheduler=None):
    """Validate the cluster settings (before any reading)."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ParameterError(f"workers must be a positive integer; got {workers!r}.")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ParameterError(f"scheduler must be an address such as tcp://host:8786; got "
                             f"{scheduler!r}.")
    if workers is not None and scheduler is not None:
        raise ParameterError("Give `workers` (a local cluster) or `scheduler` (an existing one), "
                             "not both.")
    if workers is not None or scheduler is not None:
        distributed()
    if scheduler is not None:
        from distributed.comm.addressing import get_address_host_port

        try:
            get_address_host_port(scheduler)
        except ValueError as exc:  # 'missing port number', "unknown address scheme 'http'"
            raise ParameterError(f"scheduler {scheduler!r} is not a Dask scheduler's address ({exc}); give the "
                                 "address `dask scheduler` prints, such as tcp://host:8786 (not the dashboard's "
                                 "http:// page).") from None


class Session:
    """Where a run's work goes: the workers of ``client``, or (None) this process.

    ``fit(X, k, **options)`` takes :func:`~topicnmf.nmf.factorize`'s arguments (X a
    matrix or ``Partitions``, also blocks made on the workers); the session is also
    callable as ``fit``. On a cluster, ``vectorize`` and ``transform`` run there."""

    def __init__(self, client=None):
        self.client = client
        if client is not None:  # the workers load the tokenizer and kernels while we read
            self._warming = [client.submit(_warm, workers=[w], pure=False)
                             for w in client.nthreads()]

    @property
    def remote(self):
        return self.client is not None

    def fit(self, X, n_components, **options):
        if self.client is None:
            return in_process(X, n_components, **options)
        return fit_on(self.client, X, n_components, **options)

    __call__ = fit

    def vectorize(self, texts, analyzer, options):
        """(PartitionedTerms with X's blocks on the workers, coverage) of ``texts``."""
        return vectorize_on(self.client, list(texts), analyzer, options)

    def transform(self, texts, model, options):
        """(W, coverage, fit, empty rows) of new texts under a saved model, on the workers."""
        return transform_on(self.client, list(texts), model, options, fit=self.fit)


@contextmanager
def session(workers=None, scheduler=None, client=None):
    """A :class:`Session`: on the given client (or the given Session), on a cluster of
    ``workers`` processes started here (and closed on leaving), on the one at
    ``scheduler``, or, with none of them, in this process."""
    if isinstance(client, Session):
        yield client
        return
    if client is not None:
        yield Session(client)
        return
    if workers is None and scheduler is None:
        yield Session()
        return
    dask = distributed()
    if workers is not None:
        log.info("starting a local Dask cluster of %d worker processes", workers)
        quieted = {}
        scratch = tempfile.mkdtemp(prefix="topicnmf-dask-")  # the workers' lock files, removed at the end
        try:
            with local_cluster(workers, scratch) as cluster, \
                    dask.Client(cluster, direct_to_workers=True) as client:
                try:
                    yield Session(client)
                except KeyboardInterrupt:
                    quieted = _cut_short(cluster)
                    raise
        finally:  # closed: Dask's loggers as they were (a notebook goes on after Ctrl-C)
            for name, level in quieted.items():
                logging.getLogger(name).setLevel(level)
            shutil.rmtree(scratch, ignore_errors=True)
        return
    if (why := _not_a_scheduler(scheduler)) is not None:
        raise ClusterError(f"{scheduler} is not a Dask scheduler ({why}); give the address `dask scheduler` "
                           "prints, such as tcp://host:8786, not the dashboard's port.")
    try:
        client = dask.Client(scheduler, timeout=CONNECT_TIMEOUT, direct_to_workers=True)
    except (OSError, TimeoutError, ValueError, MemoryError) as exc:  # (a reply read as a frame length)
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the "
                           "address and that `dask scheduler` is running.") from None
    with client:
        yield Session(client)


def _not_a_scheduler(scheduler):
    """Why the server at ``scheduler`` (a tcp:// address) is no Dask scheduler, or None. A
    scheduler greets a new connection at once (its handshake); a web server (the dashboard's
    port) waits for a request, and Dask's client then waited for ever; a proxy that answers
    'HTTP/1.1 400' had its reply read as a frame length (a 3 EiB allocation). Nothing
    listening: None, for the client's own error."""
    from distributed.comm.addressing import get_address_host_port, parse_address

    if parse_address(scheduler)[0] != "tcp":
        return None
    try:
        sock = socket.create_connection(get_address_host_port(scheduler), timeout=PROBE_TIMEOUT)
    except OSError:
        return None
    with sock:
        try:
            first = sock.recv(64)
        except OSError:  # (the timeout)
            return f"the server there said nothing in {PROBE_TIMEOUT:g} s, as a web server waiting for a request does"
    if not first:
        return "the server there closed the connection at once"
    if first.startswith(b"HTTP/"):
        status = first.splitlines()[0].decode("latin-1")
        return f"the server there answers as a web server ({status!r})"
    return None


def _cut_short(cluster):
    """Ctrl-C: the worker processes are killed before the cluster closes (closed while a task
    runs, each printed a page of tracebacks after the run's one line), and the scheduler's
    complaints about them are not shown while it closes. Returns the loggers' levels to
    restore once it is closed."""
    quieted = {name: logging.getLogger(name).level for name in ("distributed", "asyncio")}
    for name in quieted:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(getattr(nanny, "process", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return quieted


def local_cluster(workers, scratch=None):
    """A LocalCluster of ``workers`` processes of one thread each, whose memory allocator
    keeps freed memory for reuse (WORKER_MALLOC), with Dask's working files (its
    ``dask-scratch-space`` of lock files and spilled data) in the folder ``scratch`` (default:
    the temporary folder, where Dask leaves its lock files behind)."""
    import dask

    dask_distributed = distributed()
    settings = {f"distributed.nanny.pre-spawn-environ.{name}": value for name, value in WORKER_MALLOC.items()}
    if scratch is not None:
        settings["temporary-directory"] = str(scratch)
    with dask.config.set(settings), warnings.catch_warnings():
        # no dashboard; the scheduler's HTTP server (health checks) still takes a port, and
        # says so when another cluster holds 8787, which a user who started none cannot place
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        return dask_distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             silence_logs=logging.ERROR, local_directory=scratch)


def _warm():
    """Import what the workers' tasks run (on a worker: the first task then starts at once)."""
    import topicnmf.nmf._kernels  # noqa: F401 (numba's compiled kernels, from its cache)
    import topicnmf.preprocess  # noqa: F401 (NLTK, the stemmers)


def in_process(X, n_components, **options):
    """``factorize``, or for X given as ``Partitions`` its partitioned fit, block by block."""
    if isinstance(X, Partitions):
        return factorize_partitioned(X, n_components, **options)
    return factorize(X, n_components, **options)


def fit_on(client, X, n_components, **options):
    """``factorize(X, n_components, **options)``'s result, computed on the client's
    workers, started again once if a worker is lost. X: a matrix (split into a block per
    worker thread) or ``Partitions`` (its blocks as they are)."""
    if options.get("pull") is not None:
        raise ParameterError("anchored topics are fitted in this process; drop the Dask "
                             "client (workers/scheduler) or the anchors.")
    for attempt in range(1, ATTEMPTS + 1):
        threads = sum(client.nthreads().values())
        if not threads:
            raise ClusterError(NO_WORKERS)
        blocks = X if isinstance(X, Partitions) else split(X, BLOCKS_PER_THREAD * threads)
        try:
            return factorize_partitioned(blocks, n_components, client=client, **options)
        except Exception as exc:  # noqa: BLE001 - a lost worker surfaces as many kinds
            if not _lost_worker(exc):
                raise
            if not client.nthreads():
                raise ClusterError(NO_WORKERS) from None
            if attempt == ATTEMPTS:
                raise ClusterError(f"Dask workers were lost during the fit {ATTEMPTS} times "
                                   f"({_name(exc)}); check the workers and run again.") from None
            time.sleep(RETRY_PAUSE_S)
            log.warning("a Dask worker was lost during the fit (%s); fitting again from the "
                        "start on the %d worker(s) left", _name(exc), len(client.nthreads()))


def _lost_worker(exc):
    import distributed as dask

    lost = (dask.client.FutureCancelledError, dask.scheduler.KilledWorker,
            getattr(dask.client, "FuturesCancelledError", dask.client.FutureCancelledError),
            dask.comm.core.CommClosedError, ConnectionError, TimeoutError)
    return isinstance(exc, lost) or "lost" in str(exc).lower()


def _name(exc):
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__
