"""Parameter checks for the solver, with one message shape.

"The 'tol' parameter of NMF must be a float in the range [0, inf). Got -1 instead."
"""

from numbers import Integral, Real

import numpy as np

from ..errors import ParameterError

SOLVERS = ("cd", "mu", "als")
INITS = ("nndsvd", "nndsvda", "nndsvdar", "random")
BETA_LOSSES = ("frobenius", "kullback-leibler")


def _fail(owner, name, expected, value):
    raise ParameterError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
    )


def check_int(value, name, *, low, owner="NMF", allow=()):
    if value in allow and not isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < low:
        extra = "".join(f" or {a!r}" for a in allow)
        _fail(owner, name, f"an int in the range [{low}, inf){extra}", value)
    return int(value)


def check_real(value, name, *, low=0.0, high=None, owner="NMF", allow=()):
    if isinstance(value, str) and value in allow:
        return value
    ok = isinstance(value, Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value)
    if ok:
        ok = value >= low and (high is None or value <= high)
    if not ok:
        upper = "inf)" if high is None else f"{high}]"
        extra = "".join(f" or {a!r}" for a in allow)
        _fail(owner, name, f"a float in the range [{low}, {upper}{extra}", value)
    return float(value)


def check_option(value, name, options, *, owner="NMF"):
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        _fail(owner, name, f"one of {listed}", value)
    return value


def check_random_state(random_state):
    """Turn ``random_state`` (None, int, Generator or RandomState) into a Generator."""
    if random_state is None or isinstance(random_state, (Integral, np.random.Generator)):
        if isinstance(random_state, (bool, np.bool_)):
            _fail("NMF", "random_state", "an int, a numpy Generator or None", random_state)
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    _fail("NMF", "random_state", "an int, a numpy Generator or None", random_state)


def sketch_state(random_state):
    """The RandomState that draws the randomized SVD's sketch: scikit-learn's for an int
    seed (so that NNDSVD starts as scikit-learn's NMF does with the same random_state),
    fresh for None, a seed drawn from a Generator, a RandomState as given."""
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(2**32)))
    check_random_state(random_state)  # (the same checks and message)
    return np.random.RandomState(random_state)
