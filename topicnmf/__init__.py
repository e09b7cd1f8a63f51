"""topicnmf: the topics of a text collection, by sparse nonnegative matrix factorization."""

from .nmf import NMF, NMFResult, factorize

__version__ = "0.1.0"
__all__ = ["NMF", "NMFResult", "factorize", "__version__"]
