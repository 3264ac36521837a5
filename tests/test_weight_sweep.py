"""The λ sweep of lesson 02: kernel summaries, the slider's pure function, the models' round trip."""

import numpy as np
import pytest

from helpers.weight_sweep import (
    SWEEP_STRENGTHS,
    cached_runs,
    kernel_summary,
    nearest_run,
    sweep_view,
)

def test_grid_is_six_half_decades():
    np.testing.assert_allclose(np.log10(SWEEP_STRENGTHS), [-5, -4.5, -4, -3.5, -3, -2.5])


def test_kernel_summary_by_hand():
    weights = {"a": np.array([[0.0, 5e-4], [-0.2, 0.9]]), "b": np.array([-3e-6, 0.05])}
    summary = kernel_summary(weights)
    assert summary["histograms"].shape == (3, 100) and summary["histograms"].sum(axis=1).tolist() == [4, 2, 6]
    assert summary["histograms"][0, -1] == 1  # 0.9 is beyond 0.5: counted in the last bin
    # rows a, b, all; columns |w| < 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, then = 0
    np.testing.assert_allclose(summary["sparsity"][0], [0.5, 0.5, 0.25, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(summary["sparsity"][1], [0.5, 0.5, 0.5, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(summary["norms"], [np.sqrt(5e-4**2 + 0.04 + 0.81), np.hypot(3e-6, 0.05),
                                                  np.sqrt(5e-4**2 + 0.04 + 0.81 + 9e-12 + 0.0025)])


@pytest.fixture
def tiny_sweep():
    """A hand-made sweep with the layout run_weight_sweep returns: none, then 3 L1 and 3 L2 runs."""
    strengths = [1e-4, 1e-3, 1e-2]
    runs = 7
    return {
        "kind": np.array(["none"] + ["l1"] * 3 + ["l2"] * 3),
        "strength": np.array([0.0] + strengths * 2),
        "test_accuracy": np.linspace(0.9, 0.8, runs),
        "histograms": np.arange(runs * 2 * 4).reshape(runs, 2, 4),
        "sparsity": np.arange(runs * 2 * 6, dtype=float).reshape(runs, 2, 6),
        "norms": np.arange(runs * 2, dtype=float).reshape(runs, 2),
        "layers": np.array(["conv1", "all"]),
    }


def test_nearest_run_snaps_on_a_log_scale(tiny_sweep):
    assert nearest_run(tiny_sweep, "l1", 1e-3) == 2
    assert nearest_run(tiny_sweep, "l1", 2.9e-4) == 1  # log-nearer to 1e-4 than to 1e-3
    assert nearest_run(tiny_sweep, "l2", 2e-3) == 5  # log10 2e-3 = -2.7: nearer -3 than -2
    assert nearest_run(tiny_sweep, "l2", 1.0) == 6 and nearest_run(tiny_sweep, "l2", 1e-9) == 4


def test_sweep_view_returns_that_runs_numbers(tiny_sweep):
    view = sweep_view(tiny_sweep, "l2", 1e-2)
    assert view["index"] == 6 and view["strength"] == 1e-2
    assert view["test_accuracy"] == pytest.approx(0.8)
    np.testing.assert_array_equal(view["histogram"], tiny_sweep["histograms"][6, 1])
    np.testing.assert_array_equal(view["sparsity"], tiny_sweep["sparsity"][6, 1])
    assert sweep_view(tiny_sweep, "l1", 1e-4, layer="conv1")["norm"] == tiny_sweep["norms"][1, 0]


@pytest.fixture(scope="module")
def data_1000():
    from helpers.data import load_dataset

    return load_dataset("mnist-5k", n_train=1000)


def test_cached_runs_round_trip_with_a_proximal_run(data_1000, tmp_path):
    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)
    specs = {"none": {}, "prox": {"proximal": {"l1_strength": 1e-3, "rule": "adam"}}}
    messages = []
    weights, accuracy = cached_runs(data_1000, specs, num_epochs=1, directory=tmp_path, log=messages.append)
    again, accuracy_again = cached_runs(data_1000, specs, num_epochs=1, directory=tmp_path, log=messages.append)
    # One epoch is not the lesson's configuration: trained once into the user's cache, then read back.
    assert messages[0].startswith("Training lesson03_models here") and messages[2].startswith("Your result")
    assert list(weights) == ["none", "prox"]
    assert list(weights["none"]) == ["conv1", "conv2", "conv3", "dense1", "output"]
    assert accuracy == accuracy_again
    assert all(np.array_equal(weights["prox"][k], again["prox"][k]) for k in weights["prox"])
    assert np.mean(weights["prox"]["dense1"] == 0) > 0.1 and np.mean(weights["none"]["dense1"] == 0) == 0
