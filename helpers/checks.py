"""The check-cell pattern of every lesson: assert on a computed value within a stated tolerance, then print
it rounded, so strict nbval compares it too and the stored output survives other machines' last digits.
A guard (:func:`guard`) keeps a sentence of the prose true and prints nothing when it holds.
"""

import numpy as np

from helpers._text import _

__all__ = ["check_close", "check_true", "guard"]


class CheckFailed(AssertionError):
    """A lesson's claim did not hold. Raised, never ``assert``ed: ``python -O`` cannot switch a check off."""


def check_close(label, actual, expected, *, rtol=1e-6, atol=0.0, digits=4):
    """Assert ``actual`` ~ ``expected`` (NumPy's allclose rule) and print one rounded line; return nothing (no echo)."""
    actual_array, expected_array = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    try:
        np.testing.assert_allclose(actual_array, expected_array, rtol=rtol, atol=atol, err_msg=label)
    except AssertionError as failure:
        raise CheckFailed(str(failure)) from None
    if actual_array.size == 1:
        shown = f"{float(actual_array):.{digits}g} vs {float(expected_array):.{digits}g}"
    else:
        shown = _("{n} values, max |diff| within tolerance").format(n=actual_array.size)
    print(_("✓ {label}: {shown} (rtol={rtol:g}, atol={atol:g})").format(label=label, shown=shown, rtol=rtol, atol=atol))


def check_true(label, condition, detail=""):
    """Assert a computed condition and print it; ``detail`` shows the rounded numbers behind it."""
    if not bool(condition):
        raise CheckFailed(f"{label} failed: {detail}")
    print(f"✓ {label}" + (_(": {detail}").format(detail=detail) if detail else ""))


def guard(label, condition, detail=""):
    """Like :func:`check_true`, silent on success: a folded cell that keeps a sentence of the prose true."""
    if not bool(condition):
        raise CheckFailed(f"{label} failed: {detail}")
