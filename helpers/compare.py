"""One rule for "a real difference" between two training recipes, used by every lesson.

The course trains each recipe on the same seeds, and a seed fixes the initial weights and the order of the
batches for every recipe alike. So the runs come in pairs, and the question is about the per-seed differences:
is their mean clearly away from zero? The rule is the paired t-interval: the mean difference ± t(0.975, n-1) ·
its standard error. When the 95 % interval excludes zero, the difference is real at these seeds; otherwise it
is within seed noise. Pairing matters: two recipes can each vary by a point from seed to seed while their
difference hardly varies at all.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from helpers._text import _

__all__ = ["paired_difference"]


@dataclass(frozen=True)
class PairedDifference:
    """Mean of ``b - a`` over paired seeds, its standard error, its 95 % interval and the verdict."""

    mean: float
    standard_error: float
    low: float
    high: float
    seeds: int

    @property
    def verdict(self):
        """'higher', 'lower' or 'no clear difference' (the 95 % interval excludes zero, or not)."""
        if self.low > 0:
            return "higher"
        if self.high < 0:
            return "lower"
        return "no clear difference"

    def describe(self, scale=100, unit=" pt", brief=False):
        """E.g. '+2.1 pt ± 0.4 (SE), 95 % interval [+1.0, +3.2]: higher' (``brief``: no SE), in the lesson's words."""
        numbers = {key: scale * getattr(self, key) for key in ("mean", "standard_error", "low", "high")}
        text = _("{mean:+.1f}{unit} ± {standard_error:.1f} (SE), 95 % interval [{low:+.1f}, {high:+.1f}]: {verdict}")
        text = _("{mean:+.1f}{unit} [{low:+.1f}, {high:+.1f}]: {verdict}") if brief else text
        return text.format(unit=_(unit), verdict=_(self.verdict), **numbers)


def paired_difference(baseline, other):
    """Compare per-seed results ``other`` against ``baseline`` (same seeds, same order) -> PairedDifference."""
    baseline, other = np.asarray(baseline, dtype=float), np.asarray(other, dtype=float)
    if baseline.ndim != 1 or baseline.shape != other.shape:
        raise ValueError(
            f"baseline and other must be 1-D with one value per seed, in the same order; "
            f"got shapes {baseline.shape} and {other.shape}"
        )
    if len(baseline) < 2:
        raise ValueError(f"need at least 2 seeds to estimate the seed noise, got {len(baseline)}")
    if not (np.isfinite(baseline).all() and np.isfinite(other).all()):
        raise ValueError("baseline and other must be finite numbers")
    differences = other - baseline
    n = len(differences)
    standard_error = float(differences.std(ddof=1) / math.sqrt(n))
    half_width = float(stats.t.ppf(0.975, n - 1)) * standard_error
    mean = float(differences.mean())
    return PairedDifference(mean, standard_error, low=mean - half_width, high=mean + half_width, seeds=n)
