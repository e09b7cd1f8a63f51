"""``topicnmf`` and ``python -m topicnmf``: the command line, with Ctrl-C during start-up
(the numerical libraries take a moment to import) answered in one line, not a traceback."""

import os
import signal
import sys

from .errors import forget_interrupts, interrupt, quiet_interrupts


def _out_of_memory():
    from . import cli

    return cli.RAN_OUT_OF_MEMORY


def main(argv=None):
    # The command line's handler from the first moment: Python's own, met inside a __del__
    # while the libraries import, is printed and dropped, and the run went on; this one
    # keeps the signal for cli.main's first check.
    handlers = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    hook, sys.unraisablehook = sys.unraisablehook, quiet_interrupts(sys.unraisablehook)
    try:
        try:
            from .cli import main as cli_main
        except KeyboardInterrupt as exc:
            forget_interrupts()
            print("topicnmf: interrupted while starting; nothing was written.", file=sys.stderr)
            return 143 if getattr(exc, "signum", signal.SIGINT) == signal.SIGTERM else 130
        except (MemoryError, OSError) as exc:  # the libraries could not be mapped: ulimit -v
            if not isinstance(exc, MemoryError) and "shared object" not in str(exc):
                raise
            print("topicnmf: error: out of memory while starting: the numerical libraries "
                  "could not be loaded (they take about 800 MB of address space); raise the "
                  "limit (ulimit -v).", file=sys.stderr)
            return 1
        status = cli_main(argv, keep_interrupts=True)
        if status == 1 and sys.exc_info()[0] is None and _out_of_memory():
            sys.stderr.flush()  # the clean-up at exit would fail on every object, in a stream
            os._exit(1)  # of "Exception ignored" lines; the folder and lock were handled
        return status
    finally:
        sys.unraisablehook = hook
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
