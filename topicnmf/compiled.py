"""Where numba keeps the compiled kernels: imported by every module with cached kernels
before it defines them (numba reads the setting when a cached kernel is defined)."""

import hashlib
import os
from pathlib import Path

from numba.core import config as numba_config

# the modules whose kernels are cached (each imports this first)
KERNEL_SOURCES = ("nmf/_kernels.py", "nmf/_sweeps.py", "docweights.py", "unique_ids.py",
                  "report/fastcsv.py", "report/divergence.py", "chunk_terms.py")


def sources_digest():
    """A digest of every cached kernel's source file. Numba checks a cached kernel against
    its own file's time stamp only, not against the kernels it inlines from other files
    (``_sweeps`` inlines ``_kernels``' products): a change there was served from the stale
    cache. One cache folder per digest makes any change to any of them a fresh compile."""
    root = Path(__file__).parent
    digest = hashlib.sha1()
    for name in KERNEL_SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_dir():
    """Numba's own setting (``NUMBA_CACHE_DIR``) when the user made one, else a per-user cache
    folder, one per version of the kernels' sources (see ``sources_digest``). Never beside
    the installed sources: numba's default there, ``site-packages/topicnmf/nmf/__pycache__``,
    outlives a ``pip uninstall`` and the empty ``topicnmf`` folder left then hides a later
    editable install (``cannot import name '__version__' from 'topicnmf' (unknown
    location)``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "topicnmf", "numba", sources_digest())


if not numba_config.CACHE_DIR:
    numba_config.CACHE_DIR = cache_dir()
