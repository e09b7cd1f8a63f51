"""The exceptions topicnmf raises for problems a user can fix.

Every error a user can act on derives from :class:`TopicNMFError`; the CLI catches
exactly this family at one boundary and prints its message on one line (exit status 1).
Anything else is a bug and keeps its traceback.
"""


class TopicNMFError(Exception):
    """Base class: a problem with the input or the settings, not a bug."""


class ParameterError(TopicNMFError, ValueError):
    """A parameter has a value outside what it accepts."""


class CorpusError(TopicNMFError):
    """The input documents cannot be read, or nothing usable is left in them."""


class VocabularyError(TopicNMFError):
    """Preprocessing or vectorizing left no terms to model."""


class ModelFileError(TopicNMFError):
    """A saved model is missing, corrupt or does not match what is asked of it."""


class ConvergenceError(TopicNMFError, ArithmeticError):
    """The factorization produced non-finite values."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, ``signum``), held until the reports were switched into place
    (``written``) or not."""

    def __init__(self, written=False, signum=2):
        super().__init__()
        self.written = written
        self.signum = signum


_RECEIVED = []  # the signals interrupt() was called for, while the command line runs


def interrupt(signum, frame):
    """The command line's SIGINT and SIGTERM handler: stop as Ctrl-C does (cleanup runs, one
    line). The signal is also kept: raised while Python runs a ``__del__`` (a regex pattern
    freed while the language is detected), the exception is printed and dropped, and the
    run would go on to write its reports; :func:`check_interrupted`, called between stages
    and before any file is written, raises it again."""
    _RECEIVED.append(signum)
    raise Interrupted(signum=signum)


def check_interrupted():
    """Raise :class:`Interrupted` for a signal :func:`interrupt` received and Python dropped."""
    if _RECEIVED:
        raise Interrupted(signum=_RECEIVED[-1])


def quiet_interrupts(hook):
    """sys.unraisablehook while the command runs: a Ctrl-C raised inside a ``__del__`` is
    kept by :func:`interrupt` and stops the run at its next check, so Python's
    "Exception ignored" traceback for it is not printed; anything else goes to ``hook``."""
    def quiet(unraisable):
        if unraisable.exc_type is None or not issubclass(unraisable.exc_type, KeyboardInterrupt):
            hook(unraisable)
    return quiet


def forget_interrupts():
    """The command line's run is over (or starts): no signal received is pending."""
    _RECEIVED.clear()


class ClusterError(TopicNMFError):
    """The Dask cluster cannot be reached, or lost the workers a fit ran on."""
