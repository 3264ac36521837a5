"""helpers.lesson03_weights_and_sparsity: kernel summaries against NumPy, the slider's pure functions and figure, the
weight sweep (its runs are train_cnn's runs), proximal-L1 models, and the published sweep."""

import dataclasses

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from helpers.experiment import LAMBDA_GRID, experiment_data, make_config
from helpers.lesson03_weights_and_sparsity import (
    HISTOGRAM_EDGES,
    draw_sweep_view,
    kept_kernels,
    kernel_summary,
    published_weight_sweep,
    run_weight_sweep,
    sweep_view,
    train_models,
    weight_sweep_figure,
)
from helpers.penalties import Penalty
from helpers.plotting import penalty_style
from helpers.training import train_cnn
from helpers.weights import DEFAULT_THRESHOLDS, kernels

matplotlib.use("Agg")
TINY_REGIME = make_config(n_train=128, n_val=128, n_test=128, epochs=1, seeds=[0])  # lesson 02's, 40 % wrong labels


def test_kernel_summary_by_hand():
    weights = {"a": np.array([[0.0, 5e-4], [-0.2, 0.9]]), "b": np.array([-3e-6, 0.05])}
    summary = kernel_summary(weights)
    assert summary["histograms"].sum(axis=1).tolist() == [4, 2, 6]
    assert summary["histograms"][0, -1] == 1  # 0.9 is beyond 0.5: counted in the last bin
    # rows a, b, all; columns |w| < 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, then = 0
    np.testing.assert_allclose(summary["sparsity"][0], [0.5, 0.5, 0.25, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(summary["sparsity"][1], [0.5, 0.5, 0.5, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(summary["norms"][:2], [np.sqrt(5e-4**2 + 0.04 + 0.81), np.hypot(3e-6, 0.05)])


def test_kernel_summary_agrees_with_numpy_on_random_kernels():
    rng = np.random.default_rng(0)
    weights = {"conv": rng.normal(0, 0.3, (3, 3, 1, 8)), "dense": rng.laplace(0, 1e-3, (20, 4))}
    weights["dense"][:5] = 0.0
    summary = kernel_summary(weights)
    for row, values in enumerate(
        [*(w.ravel() for w in weights.values()), np.concatenate([w.ravel() for w in weights.values()])]
    ):
        np.testing.assert_array_equal(
            summary["histograms"][row], np.histogram(np.clip(values, -0.5, 0.4999), bins=HISTOGRAM_EDGES)[0]
        )
        fractions = [np.mean(np.abs(values) < t) for t in DEFAULT_THRESHOLDS] + [np.mean(values == 0)]
        np.testing.assert_allclose(summary["sparsity"][row], fractions)
        assert summary["norms"][row] == pytest.approx(np.sqrt(np.sum(values**2)))


@pytest.fixture
def hand_sweep():
    """A sweep laid out as run_weight_sweep's: none, then 3 L1 and 3 L2 runs; two summary rows (conv1, all)."""
    runs = 7
    return {
        "kind": np.array(["none"] + ["l1"] * 3 + ["l2"] * 3),
        "strength": np.array([0.0] + [1e-4, 1e-3, 1e-2] * 2),
        "test_accuracy": np.linspace(0.9, 0.8, runs),
        "histograms": np.arange(runs * 2 * 4).reshape(runs, 2, 4),
        "sparsity": np.arange(runs * 2 * 6, dtype=float).reshape(runs, 2, 6),
        "norms": np.arange(runs * 2, dtype=float).reshape(runs, 2),
        "layers": np.array(["conv1", "all"]),
        "edges": np.linspace(-0.5, 0.5, 5),
        "thresholds": np.array(DEFAULT_THRESHOLDS),
    }


def test_sweep_view_snaps_to_the_nearest_run_on_a_log_scale(hand_sweep):
    def nearest_run(kind, strength):
        return sweep_view(hand_sweep, kind, strength)["index"]

    assert nearest_run("l1", 1e-3) == 2
    assert nearest_run("l1", 2.9e-4) == 1  # log-nearer to 1e-4 than to 1e-3
    assert nearest_run("l2", 4e-3) == 6  # log10 4e-3 = -2.4: nearer -2 than -3
    assert nearest_run("l2", 1.0) == 6 and nearest_run("l2", 1e-9) == 4
    with pytest.raises(ValueError, match="kind"):
        nearest_run("none", 1e-3)  # the run without a penalty has no strength to snap to


def test_sweep_view_returns_that_runs_numbers(hand_sweep):
    view = sweep_view(hand_sweep, "l2", 1e-2)
    assert (view["index"], view["strength"], view["kind"]) == (6, 1e-2, "l2")
    assert view["test_accuracy"] == pytest.approx(0.8)
    np.testing.assert_array_equal(view["histogram"], hand_sweep["histograms"][6, 1])
    np.testing.assert_array_equal(view["sparsity"], hand_sweep["sparsity"][6, 1])
    assert sweep_view(hand_sweep, "l1", 1e-4, layer="conv1")["norm"] == hand_sweep["norms"][1, 0]


def test_the_slider_figure_draws_each_penalty_in_its_own_colour(hand_sweep):
    _fig, artists = weight_sweep_figure(hand_sweep)
    for kind, strength in (("l2", 1e-3), ("l1", 1e-2)):
        view = sweep_view(hand_sweep, kind, strength)
        draw_sweep_view(artists, view)
        colour = penalty_style(kind)["color"]
        assert to_hex(artists["histogram"].get_edgecolor()) == to_hex(artists["sparsity"].get_color()) == colour
        np.testing.assert_array_equal(artists["sparsity"].get_ydata(), view["sparsity"])
        assert artists["marker"].get_xydata().tolist() == [[strength, view["test_accuracy"]]]
        assert artists["text"].get_text().startswith(f"{kind.upper()}({strength:g})")


def test_kept_kernels_groups_a_sweeps_arrays_by_run_and_layer():
    arrays = {"kept": np.array(["a", "a_b"]), "a__conv1": np.ones(2), "a_b__conv1": np.zeros(3), "a_b__out": 1}
    kept = kept_kernels(arrays)
    assert list(kept) == ["a", "a_b"] and list(kept["a"]) == ["conv1"] and list(kept["a_b"]) == ["conv1", "out"]
    assert kept["a_b"]["conv1"].shape == (3,)
    assert list(kept_kernels({"names": np.array(["m"]), "m__x": 0})) == ["m"]  # train_models' layout


@pytest.fixture(scope="module")
def tiny_sweep():
    keep = {"l2": ("l2", 0.01), "none": ("none", 0.0)}
    return run_weight_sweep(TINY_REGIME, {"l2": [0.01]}, keep=keep)


def test_run_weight_sweep_returns_the_documented_arrays(tiny_sweep):
    layers = ["conv1", "conv2", "conv3", "dense1", "output", "all"]
    assert tiny_sweep["kind"].tolist() == ["none", "l2"] and tiny_sweep["strength"].tolist() == [0, 0.01]
    assert tiny_sweep["layers"].tolist() == layers and tiny_sweep["kept"].tolist() == ["l2", "none"]
    assert tiny_sweep["histograms"].shape == (2, 6, len(HISTOGRAM_EDGES) - 1)
    assert tiny_sweep["sparsity"].shape == (2, 6, len(DEFAULT_THRESHOLDS) + 1) and tiny_sweep["norms"].shape == (2, 6)
    assert (tiny_sweep["histograms"][:, -1].sum(axis=1) == 93_322 - 234).all()  # every kernel weight, no bias
    for name in ("test_accuracy", "val_accuracy", "train_true_accuracy"):
        assert tiny_sweep[name].shape == (2,) and np.all((tiny_sweep[name] >= 0) & (tiny_sweep[name] <= 1))


def test_a_sweeps_run_is_train_cnns_run_with_the_same_seed(tiny_sweep):
    data = experiment_data(TINY_REGIME)  # the regime's wrong labels: the sweep trains on them too
    data = dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])
    alone = kernels(train_cnn(data, Penalty(l2_strength=0.01), num_epochs=1, seed=0).model)
    kept = kept_kernels(tiny_sweep)["l2"]
    assert list(kept) == list(alone)
    for layer in alone:
        np.testing.assert_allclose(kept[layer], alone[layer], atol=1e-6, err_msg=layer)
    np.testing.assert_allclose(kernel_summary(kept)["norms"], tiny_sweep["norms"][1])


def test_train_models_with_a_proximal_spec_makes_exact_zeros(tiny_sweep):
    arrays = train_models(TINY_REGIME, {"prox": {"proximal": {"l1_strength": 1e-3, "rule": "adam"}}})
    prox = kept_kernels(arrays)["prox"]
    assert arrays["names"].tolist() == ["prox"] and arrays["test_accuracy"].shape == (1,)
    assert list(prox) == ["conv1", "conv2", "conv3", "dense1", "output"]
    assert np.mean(prox["dense1"] == 0) > 0.1
    # the same seed and batches without the proximal step: not one exact zero
    assert not any((kernel == 0).any() for kernel in kept_kernels(tiny_sweep)["none"].values())


def test_the_published_sweep_is_read_without_training_and_is_consistent():
    def no_training(message):
        assert not message.startswith("Training"), message  # fail at once instead of training for minutes

    keep = {"none": ("none", 0.0), "l2": ("l2", 0.01), "l1": ("l1", 0.001)}  # as lesson 03 asks for it
    sweep = published_weight_sweep(make_config(seeds=[0]), LAMBDA_GRID, keep=keep, log=no_training)
    assert sweep["strength"][sweep["kind"] == "l2"].tolist() == list(LAMBDA_GRID["l2"])
    for name, (kind, strength) in keep.items():
        row = int(np.flatnonzero((sweep["kind"] == kind) & np.isclose(sweep["strength"], strength))[0])
        summary = kernel_summary(kept_kernels(sweep)[name])
        np.testing.assert_allclose(summary["norms"], sweep["norms"][row], rtol=1e-6)
        np.testing.assert_array_equal(summary["histograms"], sweep["histograms"][row])
