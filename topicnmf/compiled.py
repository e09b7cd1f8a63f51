"""Where numba keeps the compiled kernels: imported by every module with cached kernels
before it defines them (numba reads the setting when a cached kernel is defined)."""

import os

from numba.core import config as numba_config


def cache_dir():
    """Numba's own setting (``NUMBA_CACHE_DIR``) when the user made one, else a per-user cache
    folder. Never beside the installed sources: numba's default there,
    ``site-packages/topicnmf/nmf/__pycache__``, outlives a ``pip uninstall`` and the empty
    ``topicnmf`` folder left then hides a later editable install (``cannot import name
    '__version__' from 'topicnmf' (unknown location)``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "topicnmf", "numba")


if not numba_config.CACHE_DIR:
    numba_config.CACHE_DIR = cache_dir()
