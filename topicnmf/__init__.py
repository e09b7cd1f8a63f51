"""topicnmf: the topics of a text collection, by sparse nonnegative matrix factorization."""

__version__ = "0.1.0"
__all__ = ["NMF", "NMFResult", "SolverOptions", "factorize", "__version__"]


def __getattr__(name):
    """The solver's names, imported when first used (so the command line starts quickly and
    a Ctrl-C while it starts is answered in one line)."""
    if name in ("NMF", "NMFResult", "SolverOptions", "factorize"):
        from . import nmf

        return getattr(nmf, name)
    raise AttributeError(f"module 'topicnmf' has no attribute {name!r}")
