"""The check-cell pattern: assert within a tolerance, print rounded."""

import pytest

from helpers.checks import check_close, check_true


def test_check_close_passes_and_prints_rounded(capsys):
    check_close("sum", 0.30000000000000004, 0.3, rtol=1e-12)
    assert capsys.readouterr().out == "✓ sum: 0.3 vs 0.3 (rtol=1e-12, atol=0)\n"


def test_check_close_fails_outside_tolerance():
    with pytest.raises(AssertionError, match="penalty"):
        check_close("penalty", 1.0, 1.1, rtol=1e-3)


def test_check_true_fails_with_detail():
    with pytest.raises(AssertionError, match="gap smaller failed: 0.2 vs 0.1"):
        check_true("gap smaller", 0.2 < 0.1, "0.2 vs 0.1")
