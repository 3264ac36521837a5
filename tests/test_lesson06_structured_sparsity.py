"""helpers.lesson06_structured_sparsity: the group soft threshold, hand counts of cost, the proximal callback, the
narrower model (same predictions), magnitude pruning, paired timing, file sizes and the published sweep's models."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import lesson06_structured_sparsity as lesson06
from helpers.experiment import experiment_data, make_config
from helpers.models import build_cnn
from helpers.training import evaluate

# conv1: 26x26 outputs of 3x3x1; conv2: 11x11 of 3x3x32; conv3: 3x3 of 3x3x64; dense1: 576 -> 64; output: 64 -> 10
MULTIPLY_ADDS = {"conv1": 26 * 26 * 9 * 32, "conv2": 11 * 11 * 288 * 64, "conv3": 3 * 3 * 576 * 64}
MULTIPLY_ADDS.update(dense1=576 * 64, output=64 * 10)
REMOVED = {"conv1": [0, 3, 7, 8, 30], "conv2": list(range(0, 64, 3)), "conv3": [1, 2, 5, 60], "dense1": [0, 10, 63]}


def seed_cnn_with_biases(seed=0):
    """The seed's CNN with random biases (built ones are 0, which would hide a wrong bias fold)."""
    keras.utils.set_random_seed(seed)
    model = build_cnn()
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weights:
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel, rng.normal(0, 0.1, bias.shape).astype(np.float32)])
    return model


def zero_units(model, removed):
    """Zero the kernels of ``removed = {layer: [unit, ...]}``; give those units biases of both signs."""
    for name, units in removed.items():
        kernel, bias = model.get_layer(name).get_weights()
        kernel[..., units] = 0
        bias[units] = np.linspace(-0.5, 0.8, len(units))
        model.get_layer(name).set_weights([kernel, bias])
    return model


def test_group_norms_are_the_norms_of_each_output_unit():
    kernel = np.random.default_rng(1).normal(size=(3, 3, 4, 5))
    expected = [np.linalg.norm(kernel[..., j]) for j in range(5)]
    np.testing.assert_allclose(lesson06.group_norms(kernel), expected)
    np.testing.assert_allclose(lesson06.group_norms(kernel.reshape(36, 5)), expected)  # a Dense kernel


@pytest.mark.parametrize("threshold", [0.25, np.array([0.6, 0.1, 0.0, 0.625, 3.0], np.float32)])
def test_group_shrink_is_the_group_soft_threshold(threshold):
    rng = np.random.default_rng(2)
    kernel = rng.normal(size=(2, 2, 3, 5)).astype(np.float32) * np.array([0.05, 0.1, 1.0, 0.3, 2.0], np.float32)
    kernel[..., 3] = 0.0
    kernel[0, 0, 0, 3], kernel[0, 0, 1, 3] = 0.375, 0.5  # norm 0.625 exactly (binary): equal to a threshold below
    shrunk = lesson06.group_shrink(tf.constant(kernel), threshold).numpy()
    for j, t in enumerate(np.broadcast_to(threshold, (5,))):
        norm = np.linalg.norm(kernel[..., j].astype(np.float64))
        if norm <= t:
            np.testing.assert_array_equal(shrunk[..., j], 0.0)
        else:  # the same direction, the norm reduced by t
            np.testing.assert_allclose(shrunk[..., j], kernel[..., j] * (1 - t / norm), rtol=1e-5)
    assert 0 < (lesson06.group_norms(shrunk) == 0).sum() < 5  # both branches are exercised


def test_unit_costs_flops_and_parameters_are_the_hand_counts():
    model = build_cnn()
    assert lesson06.unit_costs(model) == {
        "conv1": 26 * 26 * 9 + 11 * 11 * 9 * 64,  # its own outputs + what conv2 spends on its channel
        "conv2": 11 * 11 * 288 + 3 * 3 * 9 * 64,
        "conv3": 3 * 3 * 576 + 9 * 64,  # its 3x3 outputs are 9 inputs of dense1
        "dense1": 576 + 10,
    }
    assert lesson06.flops(model) == 2 * sum(MULTIPLY_ADDS.values())
    assert lesson06.parameter_count(model) == model.count_params() == 93_322


def test_group_weights_are_root_size_times_root_relative_cost():
    model = build_cnn()
    sizes, costs = {"conv1": 9, "conv2": 288, "conv3": 576, "dense1": 576}, lesson06.unit_costs(model)
    assert lesson06.group_weights(model, "size") == pytest.approx({k: np.sqrt(v) for k, v in sizes.items()})
    most = max(costs.values())
    assert lesson06.group_weights(model, "cost") == pytest.approx(
        {k: np.sqrt(v * costs[k] / most) for k, v in sizes.items()}
    )


def test_group_proximal_zeroes_the_weakest_whole_units_and_never_the_output_layer(tiny):
    keras.utils.set_random_seed(0)
    model = build_cnn()
    for name in lesson06.PRUNABLE:  # unit j scaled up with j: the first units are the weakest
        kernel, bias = model.get_layer(name).get_weights()
        model.get_layer(name).set_weights([kernel * np.linspace(0.05, 1.5, kernel.shape[-1], dtype=np.float32), bias])
    model.fit(tiny.x_train, tiny.y_train, batch_size=64, epochs=1, verbose=0, callbacks=[lesson06.GroupProximal(10.0)])
    for name in lesson06.PRUNABLE:
        kernel = model.get_layer(name).kernel.numpy()
        dead = lesson06.group_norms(kernel) == 0
        partly_zero = np.any(kernel == 0, axis=tuple(range(kernel.ndim - 1))) & ~dead
        assert not partly_zero.any(), f"{name}: a unit is zero as a whole or not at all"
        assert np.array_equal(np.flatnonzero(dead), np.arange(dead.sum())), f"{name}: the weakest units go first"
    assert sum(lesson06.dead_units(model).values()) > 0
    assert (lesson06.group_norms(model.get_layer("output").kernel.numpy()) > 0).all()


def test_a_weak_group_proximal_removes_nothing_and_says_so(tiny):
    model = build_cnn()
    with pytest.warns(UserWarning, match="removed no unit"):
        model.fit(tiny.x_train, tiny.y_train, epochs=1, verbose=0, callbacks=[lesson06.GroupProximal(1e-6)])
    assert lesson06.dead_units(model) == dict.fromkeys(lesson06.PRUNABLE, 0)


def test_the_narrower_model_predicts_what_the_masked_one_does_only_with_biases_folded():
    masked = zero_units(seed_cnn_with_biases(), REMOVED)
    narrow = lesson06.narrow_model(masked)
    assert [narrow.get_layer(name).kernel.shape[-1] for name in lesson06.PRUNABLE] == [32 - 5, 64 - 22, 64 - 4, 64 - 3]
    images = np.random.default_rng(2).random((50, 28, 28, 1), dtype=np.float32)
    expected = masked.predict(images, verbose=0)
    np.testing.assert_allclose(narrow.predict(images, verbose=0), expected, atol=1e-5)
    unfolded = lesson06.narrow_model(masked, fold_biases=False).predict(images, verbose=0)
    assert np.abs(unfolded - expected).max() > 1e-3  # the removed units' relu(bias) matters
    assert lesson06.flops(narrow) < lesson06.flops(masked)


def test_narrow_model_refuses_a_layer_without_units():
    with pytest.raises(ValueError, match="model's layer 'conv2' has every unit removed"):
        lesson06.narrow_model(zero_units(seed_cnn_with_biases(), {"conv2": list(range(64))}))


def test_magnitude_prune_removes_exactly_the_share_of_smallest_weights():
    rng = np.random.default_rng(4)
    weights = {"a": rng.normal(size=(3, 3, 2, 4)), "b": rng.normal(size=(10, 7))}
    before = {k: v.copy() for k, v in weights.items()}
    for name, kernel in lesson06.magnitude_prune(weights, 0.7).items():
        zero = kernel == 0
        assert zero.sum() == round(0.7 * kernel.size)
        assert np.abs(before[name][zero]).max() <= np.abs(before[name][~zero]).min()
        np.testing.assert_array_equal(kernel[~zero], before[name][~zero])
        np.testing.assert_array_equal(weights[name], before[name])  # the input is left as it was


def test_keep_pruned_holds_the_zeros_while_the_other_weights_move(tiny):
    model = seed_cnn_with_biases()
    layer = model.get_layer("conv2")
    kernel, bias = layer.get_weights()
    kernel[..., :10] = 0
    layer.set_weights([kernel, bias])
    model.fit(tiny.x_train, tiny.y_train, epochs=1, verbose=0, callbacks=[lesson06.KeepPruned()])
    np.testing.assert_array_equal(layer.kernel.numpy()[..., :10], 0)
    assert not np.allclose(layer.kernel.numpy()[..., 10:], kernel[..., 10:])


def test_paired_times_compare_models_round_by_round():
    # Two models of the same cost; "same" is slowed in every round but the reference's one lucky round, as when other
    # work starts and stops. Each model's own fastest round would make "same" twice as slow as the reference.
    reference = [10.0] + [20.0] * 9
    times = lesson06.paired_times({"reference": reference, "same": [20.0] * 10, "half": [ms / 2 for ms in reference]})
    assert times == pytest.approx({"reference": 10.0, "same": 10.0, "half": 5.0})


def test_zeros_shrink_the_gzipped_file_and_not_the_raw_one():
    dense, sparse = seed_cnn_with_biases(), seed_cnn_with_biases()
    for layer in sparse.layers:
        if layer.weights:
            kernel, bias = layer.get_weights()
            layer.set_weights([np.where(np.abs(kernel) < np.median(np.abs(kernel)), 0, kernel), bias])
    dense_size, sparse_size = lesson06.file_sizes(dense), lesson06.file_sizes(sparse)
    assert abs(sparse_size["raw"] / dense_size["raw"] - 1) < 0.02
    assert sparse_size["gzipped"] < 0.8 * dense_size["gzipped"]


def test_the_published_sweeps_stored_models_are_what_it_reports():
    def no_training(message):
        assert not message.startswith("Training"), message  # fail at once instead of training for an hour

    regime = make_config(**lesson06.REGIME_CHANGES)
    sweep = lesson06.published_group_lasso_sweep(regime, lesson06.SWEEP_STRENGTHS["cost"], log=no_training)
    for i in range(len(sweep["strength"])):
        masked, tuned = lesson06.stored_model(sweep, f"m{i}"), lesson06.stored_model(sweep, f"s{i}")
        kept = [len(units) for units in lesson06.kept_units(masked).values()]
        assert kept == sweep["kept"][i, 0].tolist() == [tuned.get_layer(n).kernel.shape[-1] for n in lesson06.PRUNABLE]
    data = experiment_data(regime)
    dense = lesson06.stored_model(sweep, "dense")
    assert evaluate(dense, data.x_test, data.y_test)["accuracy"] == pytest.approx(
        sweep["dense_test_accuracy"][0], abs=2e-3
    )
    masked = lesson06.stored_model(sweep, "m2")
    difference = masked.predict(data.x_test, verbose=0) - lesson06.narrow_model(masked).predict(data.x_test, verbose=0)
    assert np.abs(difference).max() < 1e-5
