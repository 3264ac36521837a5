"""The paired rule for "a real difference", against scipy's paired t-test and by hand."""

import numpy as np
import pytest
from scipy import stats

from helpers.compare import paired_difference


def test_interval_agrees_with_scipys_paired_t_test():
    baseline = np.array([0.90, 0.87, 0.91, 0.89, 0.88])
    other = baseline + np.array([0.012, 0.020, 0.008, 0.015, 0.011])
    result = paired_difference(baseline, other)
    assert result.mean == pytest.approx(0.0132) and result.seeds == 5
    assert result.standard_error == pytest.approx(np.std(other - baseline, ddof=1) / np.sqrt(5))
    # The interval excludes 0 exactly when scipy's two-sided paired test gives p < 0.05.
    assert stats.ttest_rel(other, baseline).pvalue < 0.05 and result.low > 0 and result.verdict == "higher"
    interval = stats.ttest_rel(other, baseline).confidence_interval(0.95)
    assert (result.low, result.high) == pytest.approx((interval.low, interval.high))


def test_pairing_sees_a_small_steady_gain_that_unpaired_spreads_hide():
    seeds = np.array([0.80, 0.90, 0.85, 0.95, 0.88])  # a seed-to-seed spread of several points
    result = paired_difference(seeds, seeds + 0.005 + np.array([0.001, -0.001, 0.0, 0.001, -0.001]))
    assert result.verdict == "higher"  # 0.5 points, every seed, while each recipe varies by 15 points
    assert abs(result.mean) < np.std(seeds, ddof=1)  # an unpaired "2 x std" rule would call it noise


def test_noise_is_no_clear_difference_whatever_the_sign_of_its_mean_and_the_text_says_so():
    result = paired_difference([0.9, 0.8, 0.85], [0.93, 0.78, 0.88])  # differences +3, −2, +3 points
    assert result.mean > 0 and result.low < 0 < result.high and result.verdict == "no clear difference"
    assert paired_difference([0.93, 0.78, 0.88], [0.9, 0.8, 0.85]).verdict == "no clear difference"  # mean < 0
    assert result.describe().endswith(": no clear difference") and result.describe().startswith("+1.3 pt ± ")
    assert paired_difference([0.9, 0.8], [0.7, 0.6]).verdict == "lower"
