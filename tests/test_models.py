"""The seed's CNN: architecture, where the penalty attaches, and that Keras adds exactly our penalty."""

import numpy as np
import pytest

from helpers.models import SEED_CNN_LAYERS, build_cnn
from helpers.penalties import Penalty
from helpers.weights import format_sparsity_table, kernels, sparsity


def test_architecture_is_the_seed_texts():
    model = build_cnn()
    assert model.count_params() == 93_322  # Conv 32-64-64 (3x3), Dense 64, Dense 10
    assert [layer.name for layer in model.layers if hasattr(layer, "kernel")] == list(SEED_CNN_LAYERS)
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("penalty", [Penalty.of("l1", 1e-4), Penalty.of("l2", 1e-3), Penalty(1e-4, 1e-3)])
def test_model_losses_equal_hand_written_penalty_on_kernels_only(penalty):
    model = build_cnn(penalty)
    keras_total = float(sum(model.losses))
    ours = penalty.value(list(kernels(model).values()))
    assert keras_total == pytest.approx(ours, rel=1e-5)
    assert all(layer.bias_regularizer is None for layer in model.layers if hasattr(layer, "kernel"))


def test_no_penalty_adds_no_losses():
    assert build_cnn(Penalty()).losses == []


def test_sparsity_fractions_by_hand():
    weights = {"a": np.array([0.0, 1e-7, 5e-4, 0.5]), "b": np.array([2e-2, 0.0])}
    table = sparsity(weights, thresholds=(1e-3, 1e-6))
    assert table["a"] == {"n": 4, 1e-3: 0.75, 1e-6: 0.5, "zero": 0.25}
    assert table["all"]["zero"] == pytest.approx(2 / 6)
    assert "layer" in format_sparsity_table(table).splitlines()[0]

