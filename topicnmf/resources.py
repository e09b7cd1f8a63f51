"""Memory guardrail: refuse a factorization that would not fit, instead of being killed."""

import gc
import os
import re
from contextlib import contextmanager

from .errors import ParameterError, TopicNMFError

try:
    import resource
except ImportError:  # not on Windows
    resource = None


class ResourceError(TopicNMFError):
    """The run would need more memory than the machine has available."""


def available_memory(*, proc="/proc", cgroup="/sys/fs/cgroup"):
    """Bytes of memory available to new allocations, or None when nothing says.

    The smallest of: the system's MemAvailable, what the address-space limit (``ulimit -v``)
    leaves beside this process's current size, and what the cgroup's memory limit (v2
    ``memory.max``, v1 ``memory.limit_in_bytes``) leaves beside its current use. ``proc``
    and ``cgroup`` are where /proc and the cgroup file system are mounted (for tests).
    """
    limits = [_meminfo_available(proc), _address_space_left(proc), _cgroup_left(proc, cgroup)]
    limits = [n for n in limits if n is not None]
    if limits:
        return max(0, min(limits))
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _read(path):
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _meminfo_available(proc):
    for line in (_read(os.path.join(proc, "meminfo")) or "").splitlines():
        if line.startswith("MemAvailable:"):
            try:
                return int(line.split()[1]) * 1024
            except (ValueError, IndexError):
                return None
    return None


def _address_space_left(proc):
    """RLIMIT_AS minus the process's virtual size (VmSize), or None without a limit."""
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = 0
    for line in (_read(os.path.join(proc, "self", "status")) or "").splitlines():
        if line.startswith("VmSize:"):
            try:
                used = int(line.split()[1]) * 1024
            except (ValueError, IndexError):
                pass
    return soft - used


def _cgroup_left(proc, root):
    """The cgroup's memory limit minus its use, or None without a limit (or a cgroup)."""
    for line in (_read(os.path.join(proc, "self", "cgroup")) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        relative = path.lstrip("/")
        if hierarchy == "0" and controllers == "":  # cgroup v2
            folders = [os.path.join(root, relative), root]
            names = ("memory.max", "memory.current")
        elif "memory" in controllers.split(","):  # cgroup v1
            folders = [os.path.join(root, "memory", relative), os.path.join(root, "memory")]
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        for folder in folders:  # a container sees its own cgroup at the root
            limit, used = (_read(os.path.join(folder, n)) for n in names)
            if limit is None:
                continue
            try:
                limit, used = int(limit), int(used or 0)
            except ValueError:  # "max": no limit
                return None
            # v1 writes "no limit" as a huge number near 2**63
            return None if limit >= 2**60 else limit - used
    return None


def factorization_bytes(n_documents, n_terms, nnz, k, threads=None, itemsize=8):
    """Peak bytes the solver allocates beyond X, for X (n_documents, n_terms) with nnz
    nonzeros and k topics, of ``itemsize`` bytes (8: float64, 4: float32): two n x k arrays for W, five n_terms x k arrays for H
    and the per-thread products, the randomized SVD's n x (k + 10) work arrays at the start,
    and a copy of X's structure for the transposed products of the initialization."""
    threads = threads or os.cpu_count() or 1
    w_side = 2 * n_documents * k
    h_side = (3 + threads) * n_terms * k
    init = 3 * n_documents * (k + 10) + (threads + 2) * n_terms * (k + 10)
    return itemsize * (max(w_side + h_side, init + w_side)) + (itemsize + 4) * nnz


def check_memory(n_documents, n_terms, nnz, k, *, available=None, itemsize=8):
    """Raise :class:`ResourceError` when the estimate exceeds 90% of available memory."""
    need = factorization_bytes(n_documents, n_terms, nnz, k, itemsize=itemsize)
    have = available_memory() if available is None else available
    if have is not None and need > 0.9 * have:
        raise ResourceError(
            f"fitting {k} topics to {n_documents} documents x {n_terms} terms needs about "
            f"{need / 2**30:.1f} GiB but only {have / 2**30:.1f} GiB is available; "
            "cap the vocabulary (max_features), ask for fewer topics (n_topics), or free memory."
        )
    return need


_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 2**10, "kib": 2**10, "m": 2**20, "mb": 2**20, "mib": 2**20,
          "g": 2**30, "gb": 2**30, "gib": 2**30, "t": 2**40, "tb": 2**40, "tib": 2**40}


def parse_size(value, name="max_memory"):
    """Bytes of a size: an int, or text such as '2GB', '500MB', '1.5 GiB' (units of 1024)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    unit = match and _UNITS.get(match.group(2).lower())
    if not unit or float(match.group(1)) <= 0:
        raise ParameterError(f"{name} must be a size such as 2GB or 500MB; got {value!r}.")
    return int(float(match.group(1)) * unit)


def human_size(n_bytes):
    """1536 -> '1.5 KiB'; sizes in units of 1024."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n_bytes) < 1024 or unit == "GiB":
            return f"{n_bytes:.0f} B" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024


@contextmanager
def paused_gc(pause=True):
    """Python's cyclic garbage collector paused for the block when ``pause`` (and as it was
    after it): reading a table's rows makes no reference cycles, and each full collection
    walked every document read so far (3 of the 7 s of reading 794k package summaries).
    Not for parsers that do make cycles (PDF, DOCX, HTML files in a folder)."""
    enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
