"""``topicnmf`` and ``python -m topicnmf``: the command line, with Ctrl-C during start-up
(the numerical libraries take a moment to import) answered in one line, not a traceback."""

import sys


def main(argv=None):
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        print("topicnmf: interrupted while starting; nothing was written.", file=sys.stderr)
        return 130
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
