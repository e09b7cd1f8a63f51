"""Progress of a run's long stages: the protocol the pipeline reports to, a silent default,
and the command line's bars.

The pipeline calls ``start(stage, total)``, ``advance(n, **info)`` and ``finish()`` for
'read', 'tokenize', 'sweep' and 'fit' (the CLI adds 'write'). :class:`Bars` draws one tqdm
bar per stage on stderr when it is a terminal, finished when the stage is (a fit that
converges early included), and nothing when it is not: the log lines say what happened,
without bar fragments in a file.
"""

import os
import sys
from contextlib import contextmanager
from typing import Protocol

from tqdm import tqdm

from .errors import check_interrupted

DEFAULT_SIZE = (80, 24)  # columns and rows of a terminal that reports no size
UNITS = {"read": "doc", "tokenize": "doc", "sweep": "k", "fit": "it", "write": "file"}


class Progress(Protocol):
    """Where a run reports its long stages; a library caller may pass its own."""

    def start(self, stage, total=None):
        """A stage begins; ``total`` steps when known (documents, iterations, counts)."""

    def advance(self, n=1, **info):
        """``n`` more steps done; ``info`` to show beside the bar (``loss=...``)."""

    def finish(self):
        """The stage is over."""


class Silent:
    """The :class:`Progress` that shows nothing (the default)."""

    def start(self, stage, total=None):
        pass

    def advance(self, n=1, **info):
        pass

    def finish(self):
        pass


@contextmanager
def stage(progress, name, total=None):
    """``progress`` told that stage ``name`` runs for the duration of the block; a Ctrl-C
    that Python dropped (see :func:`~.errors.interrupt`) stops the run at either end."""
    check_interrupted()
    progress.start(name, total)
    try:
        yield progress
    finally:
        progress.finish()
    check_interrupted()


def _columns(stream):
    """The width of the terminal ``stream`` is, 0 when it says none."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


class Bars:
    """One tqdm bar per stage on ``stream`` (stderr), only when it is a terminal."""

    def __init__(self, stream=None, enabled=True):
        self.stream = stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None

    def start(self, stage, total=None):
        self.finish()
        if self.enabled:
            # a terminal that reports no size (0 x 0: script(1), a serial console, some CI ptys)
            # showed no bar at all (tqdm fits it in 0 columns, -1 rows): it gets DEFAULT_SIZE
            sized = _columns(self.stream) > 0
            columns, rows = (None, None) if sized else DEFAULT_SIZE
            self.bar = tqdm(total=total, desc=stage, unit=UNITS.get(stage, "it"), file=self.stream,
                            leave=False, dynamic_ncols=sized, ncols=columns, nrows=rows)

    def advance(self, n=1, **info):
        if self.bar is not None:
            self.bar.update(n)
            if info:
                self.bar.set_postfix({k: f"{v:.5g}" if isinstance(v, float) else v
                                      for k, v in info.items()}, refresh=False)

    def finish(self):
        if self.bar is not None:
            if self.bar.total is not None and self.bar.n < self.bar.total:
                self.bar.total = self.bar.n  # done: a fit that converged early is complete
            self.bar.refresh()
            self.bar.close()
            self.bar = None
