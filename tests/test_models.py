"""helpers.models: the seed's CNN, a penalty on every kernel and none on biases, and data_loss without the penalty."""

import keras
import numpy as np
import pytest

from helpers.models import build_cnn
from helpers.penalties import Penalty
from helpers.weights import kernels

KERNEL_LAYERS = ["conv1", "conv2", "conv3", "dense1", "output"]


def test_architecture_is_the_seed_texts():
    model = build_cnn()
    # Conv 32-64-64 (3x3) with 2x2 pooling, Dense 64, Dense 10: (9·1+1)·32 + (9·32+1)·64 + (9·64+1)·64
    # + (3·3·64+1)·64 + (64+1)·10 parameters.
    assert model.count_params() == 93_322 == 320 + 18_496 + 36_928 + 36_928 + 650
    names = ["conv1", "pool1", "conv2", "pool2", "conv3", "flatten", "dense1", "output"]
    assert [layer.name for layer in model.layers] == names
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("penalty", [Penalty.of("l1", 1e-4), Penalty.of("l2", 1e-3), Penalty(1e-4, 1e-3)])
def test_every_kernel_carries_the_penalty_and_no_bias_does(penalty):
    model = build_cnn(penalty)
    weighted = [layer for layer in model.layers if hasattr(layer, "kernel")]
    assert [layer.name for layer in weighted] == KERNEL_LAYERS
    expected = penalty.keras_regularizer()
    for layer in weighted:
        assert type(layer.kernel_regularizer) is type(expected)
        assert layer.kernel_regularizer.get_config() == pytest.approx(expected.get_config())
        assert layer.bias_regularizer is None
    # What Keras adds to the loss is our penalty of the kernels, and nothing of the biases.
    assert float(sum(model.losses)) == pytest.approx(penalty.value(list(kernels(model).values())), rel=1e-5)


def test_no_penalty_adds_nothing_to_the_loss():
    model = build_cnn(Penalty())
    assert model.losses == []
    assert all(layer.kernel_regularizer is None for layer in model.layers if hasattr(layer, "kernel"))


def test_widths_change_the_units():
    model = build_cnn(widths={"conv2": 16, "dense1": 8})
    units = {layer.name: layer.kernel.shape[-1] for layer in model.layers if hasattr(layer, "kernel")}
    assert units == {"conv1": 32, "conv2": 16, "conv3": 64, "dense1": 8, "output": 10}


def test_the_output_stays_float32_under_bfloat16_arithmetic():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_cnn(Penalty.of("l2", 1e-3))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.get_layer("conv1").compute_dtype == "bfloat16"  # the policy did apply to the hidden layers
    assert model(np.zeros((1, 28, 28, 1), np.float32)).dtype == "float32"


def test_the_data_loss_metric_leaves_the_penalty_out(tiny):
    penalty = Penalty.of("l2", 1e-2)
    keras.utils.set_random_seed(0)
    model = build_cnn(penalty)
    scores = model.evaluate(tiny.x_val, tiny.y_val, batch_size=len(tiny.y_val), verbose=0, return_dict=True)
    cross_entropy = keras.losses.SparseCategoricalCrossentropy()(tiny.y_val, model.predict(tiny.x_val, verbose=0))
    assert scores["data_loss"] == pytest.approx(float(cross_entropy), rel=1e-5)
    assert scores["loss"] - scores["data_loss"] == pytest.approx(penalty.value(list(kernels(model).values())), rel=1e-4)
