"""helpers.weights: a model's kernels and their sparsity."""

import numpy as np
import pytest

from helpers.models import build_cnn
from helpers.weights import DEFAULT_THRESHOLDS, kernels, sparsity


def test_kernels_are_the_five_kernel_matrices_without_biases():
    model = build_cnn()
    found = kernels(model)
    assert list(found) == ["conv1", "conv2", "conv3", "dense1", "output"]
    assert sum(int(np.prod(w.shape)) for w in found.values()) == 93_322 - (32 + 64 + 64 + 64 + 10)


def test_sparsity_fractions_by_hand():
    # |w| < t, strictly: a weight equal to a threshold is not below it; negative weights count by their size.
    weights = {"a": np.array([0.0, -1e-7, 5e-4, 1e-3, -0.5]), "b": np.array([2e-2, 0.0])}
    table = sparsity(weights, thresholds=(1e-3, 1e-6))
    assert table["a"] == {"n": 5, 1e-3: 3 / 5, 1e-6: 2 / 5, "zero": 1 / 5}
    assert table["all"]["zero"] == pytest.approx(2 / 7)


def test_sparsity_uses_the_default_thresholds():
    table = sparsity({"a": np.array([0.0, 0.5])})
    assert set(table["a"]) == {"n", "zero", *DEFAULT_THRESHOLDS}
    assert table["all"] == table["a"] == pytest.approx({"n": 2, "zero": 0.5, **dict.fromkeys(DEFAULT_THRESHOLDS, 0.5)})
