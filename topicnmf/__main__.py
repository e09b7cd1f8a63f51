"""``topicnmf`` and ``python -m topicnmf``: the command line, with Ctrl-C during start-up
(the numerical libraries take a moment to import) answered in one line, not a traceback."""

import signal
import sys

from .errors import forget_interrupts, interrupt, quiet_interrupts


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
        return cli_main(argv, keep_interrupts=True)
    finally:
        sys.unraisablehook = hook
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
