"""helpers.internal.validation: each number check names the argument and refuses bool, NaN, inf and the wrong sign."""

import math

import numpy as np
import pytest

from helpers.internal.validation import check_nonnegative, check_positive, check_probability


def test_check_nonnegative_accepts_zero_and_positive_numbers_as_floats():
    assert check_nonnegative("l1_strength", 0) == 0.0 and isinstance(check_nonnegative("l1_strength", 0), float)
    assert check_nonnegative("l1_strength", np.float32(0.5)) == 0.5


def test_check_positive_accepts_positive_numbers_as_floats():
    assert check_positive("learning_rate", 1e-3) == 1e-3
    assert check_positive("learning_rate", np.int64(2)) == 2.0 and isinstance(check_positive("learning_rate", 2), float)


def test_check_probability_accepts_zero_up_to_one_excluded():
    assert check_probability("label_noise", 0) == 0.0
    assert check_probability("label_noise", 0.999) == 0.999


@pytest.mark.parametrize(
    "check, value, error, message",
    [
        (check_nonnegative, -1, ValueError, r"^my_arg must be >= 0, got -1\.0$"),
        (check_nonnegative, math.nan, ValueError, r"^my_arg must be a finite number >= 0, got nan$"),
        (check_nonnegative, math.inf, ValueError, r"^my_arg must be a finite number >= 0, got inf$"),
        (check_nonnegative, True, TypeError, r"^my_arg must be a finite number >= 0, got True \(bool\)$"),
        (check_nonnegative, "1", TypeError, r"^my_arg must be a finite number >= 0, got '1' \(str\)$"),
        (check_positive, 0, ValueError, r"^my_arg must be > 0, got 0\.0$"),
        (check_positive, -2.5, ValueError, r"^my_arg must be > 0, got -2\.5$"),
        (check_positive, -math.inf, ValueError, r"^my_arg must be a finite number > 0, got -inf$"),
        (check_positive, math.nan, ValueError, r"^my_arg must be a finite number > 0, got nan$"),
        (check_positive, False, TypeError, r"^my_arg must be a finite number > 0, got False \(bool\)$"),
        (check_probability, 1.0, ValueError, r"^my_arg must be a number in \[0, 1\) \(a share\), got 1\.0$"),
        (check_probability, -0.1, ValueError, r"^my_arg must be a number in \[0, 1\) \(a share\), got -0\.1$"),
        (check_probability, math.nan, ValueError, r"^my_arg must be a number in \[0, 1\) \(a share\), got nan$"),
        (check_probability, math.inf, ValueError, r"^my_arg must be a number in \[0, 1\) \(a share\), got inf$"),
        (check_probability, True, TypeError, r"^my_arg must be a number in \[0, 1\) \(a share\), got True \(bool\)$"),
    ],
)
def test_a_bad_number_is_refused_naming_the_argument(check, value, error, message):
    with pytest.raises(error, match=message):
        check("my_arg", value)


def test_check_probability_says_what_the_share_is():
    with pytest.raises(
        ValueError,
        match=r"label_noise must be a number in \[0, 1\) \(the share of wrong training "
        r"labels\), got 1\.0",
    ):
        check_probability("label_noise", 1.0, "the share of wrong training labels")
