"""Argument checks for the places where a learner passes a value: each error names the argument and what is allowed.

Private: a learner never needs to read this. Checks happen once, where a value comes in
(``make_config``, ``load_dataset``, ``Penalty``, the command line ...), not again in every function below.
"""

import math
import numbers


def _finite_real(name, value, allowed):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_nonnegative(name, value):
    """``value`` as a float if it is a finite number >= 0 (a penalty strength, a threshold); else raise."""
    value = _finite_real(name, value, "a finite number >= 0")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def check_positive(name, value):
    """``value`` as a float if it is a finite number > 0 (a learning rate, a radius); else raise."""
    value = _finite_real(name, value, "a finite number > 0")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def check_share(name, value, what="a share"):
    """``value`` as a float if it is in [0, 1) (a dropout rate, a share of wrong labels); ``what`` says what it is."""
    value = _finite_real(name, value, f"a number in [0, 1) ({what})")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1) ({what}), got {value!r}")
    return value


def check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(repr(a) for a in allowed)}")
    return value
