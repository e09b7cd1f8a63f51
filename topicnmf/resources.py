"""Memory guardrail: refuse a factorization that would not fit, instead of being killed."""

import os

from .errors import TopicNMFError


class ResourceError(TopicNMFError):
    """The run would need more memory than the machine has available."""


def available_memory():
    """Bytes of memory available to new allocations, or None when the system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def factorization_bytes(n_documents, n_terms, nnz, k, threads=None):
    """Peak bytes the solver allocates beyond X, for X (n_documents, n_terms) with nnz
    nonzeros and k topics, float64: two n x k arrays for W, five n_terms x k arrays for H
    and the per-thread products, the randomized SVD's n x (k + 10) work arrays at the start,
    and a copy of X's structure for the transposed products of the initialization."""
    threads = threads or os.cpu_count() or 1
    w_side = 2 * n_documents * k
    h_side = (3 + threads) * n_terms * k
    init = 3 * n_documents * (k + 10) + (threads + 2) * n_terms * (k + 10)
    return 8 * (max(w_side + h_side, init + w_side)) + 12 * nnz


def check_memory(n_documents, n_terms, nnz, k, *, available=None):
    """Raise :class:`ResourceError` when the estimate exceeds 90% of available memory."""
    need = factorization_bytes(n_documents, n_terms, nnz, k)
    have = available_memory() if available is None else available
    if have is not None and need > 0.9 * have:
        raise ResourceError(
            f"fitting {k} topics to {n_documents} documents x {n_terms} terms needs about "
            f"{need / 2**30:.1f} GiB but only {have / 2**30:.1f} GiB is available; "
            "cap the vocabulary (max_features), ask for fewer topics (n_topics), or free memory."
        )
    return need
