"""The check-cell pattern: assert within a tolerance, print rounded."""

import subprocess
import sys

import pytest

from helpers.checks import CheckFailed, check_close, check_true, guard


def test_check_close_passes_and_prints_rounded(capsys):
    check_close("sum", 0.30000000000000004, 0.3, rtol=1e-12)
    assert capsys.readouterr().out == "✓ sum: 0.3 vs 0.3 (rtol=1e-12, atol=0)\n"


def test_check_close_fails_outside_tolerance():
    with pytest.raises(CheckFailed, match="penalty"):
        check_close("penalty", 1.0, 1.1, rtol=1e-3)


def test_check_true_fails_with_detail():
    with pytest.raises(CheckFailed, match=r"gap smaller failed: 0\.2 vs 0\.1"):
        check_true("gap smaller", 0.2 < 0.1, "0.2 vs 0.1")


def test_a_guard_is_silent_when_it_holds_and_fails_like_a_check(capsys):
    guard("the prose: ten points", 0.15 > 0.10)
    assert capsys.readouterr().out == ""
    with pytest.raises(CheckFailed, match="the prose: ten points failed"):
        guard("the prose: ten points", 0.05 > 0.10)


def test_a_check_cannot_be_switched_off_by_python_optimize():
    """Under ``python -O`` every ``assert`` is removed: a check built on it would print ✓ and never fail."""
    failing = "from helpers.checks import check_true, check_close, guard\n"
    for call in ('check_true("false claim", False)', 'check_close("far apart", 1.0, 2.0)', 'guard("claim", False)'):
        run = subprocess.run([sys.executable, "-O", "-c", failing + call], capture_output=True, text=True, check=False)
        assert run.returncode != 0 and "CheckFailed" in run.stderr, (call, run.stdout, run.stderr)
