"""helpers.models: the seed's CNN, where the penalty attaches, and that Keras adds exactly our penalty."""

import pytest

from helpers.models import build_cnn
from helpers.penalties import Penalty
from helpers.weights import kernels


def test_architecture_is_the_seed_texts():
    model = build_cnn()
    assert model.count_params() == 93_322  # Conv 32-64-64 (3x3), Dense 64, Dense 10
    assert [layer.name for layer in model.layers if hasattr(layer, "kernel")] == [
        "conv1",
        "conv2",
        "conv3",
        "dense1",
        "output",
    ]
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
