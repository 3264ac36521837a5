"""Lesson 06's module: group norms and their proximal step, the narrower model, counts, sizes and pruning.

The promises: a group-lasso step zeroes whole output units and never part of one; a
narrower model rebuilt from a network with zero units predicts exactly what that network
does (the removed units' biases folded into the next layer); the counted operations are
the hand formula; magnitude pruning removes exactly the asked share, the smallest weights.
"""

import numpy as np
import pytest

from helpers import lesson06_structured_sparsity as lesson06
from helpers.data import Dataset
from helpers.notebook import reseed

SEED_FLOPS = 2 * (26 * 26 * 9 * 32 + 11 * 11 * 288 * 64 + 3 * 3 * 576 * 64 + 576 * 64 + 64 * 10)


def random_seed_model(seed=0):
    model = lesson06.seed_model()
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


REMOVED = {"conv1": [0, 3, 7, 8, 30], "conv2": list(range(0, 64, 3)), "conv3": [1, 2, 5, 60], "dense1": [0, 10, 63]}


def test_group_norms_are_the_norms_of_each_output_unit():
    kernel = np.random.default_rng(1).normal(size=(3, 3, 4, 5))
    expected = [np.sqrt(np.sum(kernel[:, :, :, j] ** 2)) for j in range(5)]
    np.testing.assert_allclose(lesson06.group_norms(kernel), expected)
    dense = kernel.reshape(36, 5)
    np.testing.assert_allclose(lesson06.group_norms(dense), expected)


def test_group_shrink_zeroes_small_groups_and_shortens_the_others_without_turning_them():
    import tensorflow as tf

    kernel = np.array([[0.3, -0.06, 2.0], [0.4, 0.08, 0.0]], np.float32)  # norms 0.5, 0.1, 2.0
    shrunk = lesson06.group_shrink(tf.constant(kernel), 0.25).numpy()
    np.testing.assert_array_equal(shrunk[:, 1], 0.0)
    np.testing.assert_allclose(shrunk[:, 0], kernel[:, 0] * 0.5, rtol=1e-6)
    np.testing.assert_allclose(shrunk[:, 2], kernel[:, 2] * (1 - 0.25 / 2.0), rtol=1e-6)
    per_group = lesson06.group_shrink(tf.constant(kernel), tf.constant([0.6, 0.0, 0.0])).numpy()
    np.testing.assert_array_equal(per_group[:, 0], 0.0)
    np.testing.assert_allclose(per_group[:, 1:], kernel[:, 1:], rtol=1e-6)


def test_unit_costs_and_flops_are_the_hand_counts():
    model = lesson06.seed_model()
    assert lesson06.unit_costs(model) == {
        "conv1": 26 * 26 * 9 + 11 * 11 * 9 * 64,
        "conv2": 11 * 11 * 9 * 32 + 3 * 3 * 9 * 64,
        "conv3": 3 * 3 * 9 * 64 + 9 * 64,
        "dense1": 576 + 10,
    }
    assert lesson06.flops(model) == SEED_FLOPS
    assert lesson06.parameter_count(model) == 93_322


def test_group_weights_are_root_size_times_root_relative_cost():
    model = lesson06.seed_model()
    sizes = {"conv1": 9, "conv2": 288, "conv3": 576, "dense1": 576}
    costs = lesson06.unit_costs(model)
    assert lesson06.group_weights(model, "size") == pytest.approx({k: np.sqrt(v) for k, v in sizes.items()})
    expected = {k: np.sqrt(sizes[k] * costs[k] / max(costs.values())) for k in sizes}
    assert lesson06.group_weights(model, "cost") == pytest.approx(expected)


def train_briefly(model, callbacks, images=64):
    reseed(0)  # fit shuffles the images: a seed makes the order, and the test, the same every run
    rng = np.random.default_rng(0)
    x = rng.random((images, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, images)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=callbacks)
    return model


def test_group_proximal_zeroes_whole_units_and_leaves_the_output_layer_alone():
    model = train_briefly(random_seed_model(), [lesson06.GroupProximal(30.0)])
    removed = 0
    for name in lesson06.PRUNABLE:
        kernel = model.get_layer(name).kernel.numpy()
        zero_unit = lesson06.group_norms(kernel) == 0
        removed += zero_unit.sum()
        partly_zero = np.any(kernel == 0, axis=tuple(range(kernel.ndim - 1))) & ~zero_unit
        assert not partly_zero.any(), f"{name}: a unit is zero as a whole or not at all"
    assert removed > 0, "a strong group step removes units"
    assert np.all(lesson06.group_norms(model.get_layer("output").kernel.numpy()) > 0)


def test_a_weak_group_proximal_removes_nothing():
    model = train_briefly(random_seed_model(), [lesson06.GroupProximal(1e-6)])
    assert lesson06.dead_units(model) == dict.fromkeys(lesson06.PRUNABLE, 0)


def test_the_narrower_model_predicts_what_the_masked_one_does():
    masked = zero_units(random_seed_model(), REMOVED)
    assert lesson06.dead_units(masked) == {name: len(units) for name, units in REMOVED.items()}
    narrow = lesson06.narrow_model(masked)
    widths = [narrow.get_layer(name).kernel.shape[-1] for name in lesson06.PRUNABLE]
    assert widths == [32 - 5, 64 - 22, 64 - 4, 64 - 3]
    images = np.random.default_rng(2).random((50, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(narrow.predict(images, verbose=0), masked.predict(images, verbose=0), atol=1e-5)
    assert lesson06.flops(narrow) < lesson06.flops(masked)
    assert lesson06.parameter_count(narrow) < lesson06.parameter_count(masked)


def test_without_folding_the_removed_biases_the_predictions_change():
    masked = zero_units(random_seed_model(), REMOVED)
    images = np.random.default_rng(3).random((50, 28, 28, 1), dtype=np.float32)
    unfolded = lesson06.narrow_model(masked, fold_biases=False).predict(images, verbose=0)
    assert np.abs(unfolded - masked.predict(images, verbose=0)).max() > 1e-3


def test_narrow_model_refuses_other_architectures_and_a_layer_without_units():
    import keras

    other = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="model must have the seed CNN's layers"):
        lesson06.narrow_model(other)
    dead = zero_units(random_seed_model(), {"conv2": list(range(64))})
    with pytest.raises(ValueError, match=r"'conv2' has every unit removed.*can no longer predict"):
        lesson06.narrow_model(dead)


def test_magnitude_prune_removes_exactly_the_share_of_smallest_weights():
    rng = np.random.default_rng(4)
    weights = {"a": rng.normal(size=(3, 3, 2, 4)), "b": rng.normal(size=(10, 7))}
    before = {k: v.copy() for k, v in weights.items()}
    pruned = lesson06.magnitude_prune(weights, 0.7)
    for name, kernel in pruned.items():
        zero = kernel == 0
        assert zero.sum() == round(0.7 * kernel.size)
        assert np.abs(before[name][zero]).max() <= np.abs(before[name][~zero]).min()
        np.testing.assert_array_equal(kernel[~zero], before[name][~zero])
        np.testing.assert_array_equal(weights[name], before[name])  # the input is left as it was


def test_keep_pruned_holds_the_zeros_while_the_other_weights_move():
    model = random_seed_model()
    layer = model.get_layer("conv2")
    kernel, bias = layer.get_weights()
    kernel[..., :10] = 0
    layer.set_weights([kernel, bias])
    train_briefly(model, [lesson06.KeepPruned()])
    after = layer.kernel.numpy()
    np.testing.assert_array_equal(after[..., :10], 0)
    assert not np.allclose(after[..., 10:], kernel[..., 10:])


def test_zeros_shrink_the_gzipped_file_and_not_the_raw_one():
    dense = random_seed_model()
    sparse = random_seed_model()
    for layer in sparse.layers:
        if layer.weights:
            kernel, bias = layer.get_weights()
            kernel[np.abs(kernel) < np.median(np.abs(kernel))] = 0
            layer.set_weights([kernel, bias])
    dense_size, sparse_size = lesson06.file_sizes(dense), lesson06.file_sizes(sparse)
    assert abs(sparse_size["raw"] / dense_size["raw"] - 1) < 0.02
    assert sparse_size["gzipped"] < 0.8 * dense_size["gzipped"]


def test_forward_pass_ms_times_every_model_at_every_batch_size():
    models = {"wide": lesson06.seed_model(), "narrow": lesson06.seed_model({"conv1": 4, "conv2": 4})}
    times = lesson06.forward_pass_ms(models, batch_sizes=(1, 8), repeats=2)
    assert set(times) == {(name, size) for name in models for size in (1, 8)}
    assert all(value > 0 for value in times.values())


def test_paired_times_compare_models_round_by_round():
    # Two models of the same cost; "same" is slowed in every round but the reference's one lucky round, as when other
    # work starts and stops on the computer. Each model's fastest round alone would make "same" twice as slow.
    reference = [10.0] + [20.0] * 9
    rounds = {"reference": reference, "same": [20.0] * 10, "half": [ms / 2 for ms in reference]}
    times = lesson06.paired_times(rounds)
    assert times["reference"] == 10.0
    assert times["same"] == pytest.approx(10.0)
    assert times["half"] == pytest.approx(5.0)


def test_stored_model_rebuilds_the_stored_widths_and_weights():
    source = lesson06.narrow_model(zero_units(random_seed_model(), REMOVED))
    arrays = {}
    for name in (*lesson06.PRUNABLE, "output"):
        kernel, bias = source.get_layer(name).get_weights()
        arrays[f"s0__{name}__kernel"], arrays[f"s0__{name}__bias"] = kernel, bias
    rebuilt = lesson06.stored_model(arrays, "s0")
    for name in (*lesson06.PRUNABLE, "output"):
        for mine, theirs in zip(
            rebuilt.get_layer(name).get_weights(), source.get_layer(name).get_weights(), strict=True
        ):
            np.testing.assert_array_equal(mine, theirs)


def test_the_sweep_narrows_what_it_trained(monkeypatch):
    """A tiny sweep: kept counts are the trained model's, the narrower model predicts as it did."""
    from helpers.lesson02_cnn_penalties import make_config

    images = np.random.default_rng(5).random((40, 28, 28, 1), dtype=np.float32)
    labels = np.arange(40) % 10
    tiny = Dataset("tiny", "40 random images", images, labels, images[:0], labels[:0], images[:20], labels[:20])
    monkeypatch.setattr(lesson06, "experiment_data", lambda config: tiny)
    config = make_config(epochs=1, batch_size=8, seeds=[0, 1])
    arrays = lesson06.run_group_lasso_sweep(config, [10.0], fine_tune_epochs=1)
    assert arrays["kept"].shape == (1, 2, 4)
    assert np.all(arrays["kept"][0] <= [32, 64, 64, 64]) and np.all(arrays["kept"][0] > 0)
    assert np.any(arrays["kept"][0] < [32, 64, 64, 64]), "some units removed"
    assert np.all(arrays["largest_difference"] < 1e-5)
    masked = lesson06.stored_model(arrays, "m0")
    assert [len(units) for units in lesson06.kept_units(masked).values()] == arrays["kept"][0, 0].tolist()


def test_the_slider_figure_shows_one_lambda_s_units_point_and_ratio():
    import matplotlib

    matplotlib.use("Agg")
    points = {
        0.2: {"kept": [30, 42, 55, 64], "operations": 4e6, "accuracy": 0.96},
        0.6: {"kept": [16, 6, 12, 64], "operations": 0.5e6, "accuracy": 0.94},
    }
    dense = {"kept": [32, 64, 64, 64], "operations": 6e6, "accuracy": 0.97}
    _, artists = lesson06.trade_off_figure(points, dense)
    lesson06.draw_trade_off(artists, 0.6, points[0.6], dense)
    assert [bar.get_height() for bar in artists["bars"]] == [16, 6, 12, 64]
    assert np.allclose(artists["marker"].get_data(), [[0.5], [0.94]])
    assert artists["text"].get_text().startswith("λ = 0.6: 12.0× fewer operations, test accuracy 0.940")
    lesson06.draw_trade_off(artists, 0.2, points[0.2], dense)
    assert [bar.get_height() for bar in artists["bars"]] == [30, 42, 55, 64]
