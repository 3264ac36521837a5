"""The λ sweep of lesson 02: kernel summaries, the slider's pure function, and the committed cache."""

import numpy as np
import pytest

from helpers.cache import cache_dir, load_arrays, made_on, same_arithmetic
from helpers.weight_sweep import (
    SWEEP_STRENGTHS,
    cached_runs,
    kernel_summary,
    nearest_run,
    run_weight_sweep,
    sweep_view,
    train_runs,
)

COMMITTED_SWEEP = cache_dir() / "lesson02_weight_sweep.npz"
COMMITTED_MODELS = cache_dir() / "lesson02_models.npz"


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


def _where(path):
    """Which tolerance applies to a retrained point, and why (for the failure message)."""
    same = same_arithmetic(path)
    return same, f"{path.name} made on {made_on(path)}; this CPU computes {'the same way' if same else 'otherwise'}"


@pytest.mark.skipif(not COMMITTED_SWEEP.is_file(), reason="no committed sweep cache in cache/")
def test_committed_sweep_cache_matches_a_recomputed_point(data_1000):
    """Retrain one point of the committed sweep (L1 at 1e-4) and compare it with the stored summaries.

    On the kind of CPU that made the cache the point comes back bit for bit (the tolerances allow
    for float rounding). Elsewhere it lands about where another seed would: the tolerances are
    1.5x the largest difference between 4 seeds, measured by tests/seed_spread.py (0.016 test and
    0.014 validation accuracy, 0.061 sparsity, 7.0 % norms, 0.006 without a penalty).
    """
    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)  # the notebook's determinism settings
    stored, record = load_arrays(COMMITTED_SWEEP)
    assert record["config"]["data"] == data_1000.summary() and record["config"]["num_epochs"] == 12
    index = nearest_run(stored, "l1", 1e-4)
    assert stored["strength"][index] == pytest.approx(1e-4)
    fresh = run_weight_sweep(data_1000, [1e-4], ("l1",), num_epochs=12, seed=0)
    same, where = _where(COMMITTED_SWEEP)
    accuracy, sparsity, norms, baseline = (0.005, 0.01, 0.01, 0.005) if same else (0.025, 0.1, 0.11, 0.01)
    assert fresh["test_accuracy"][1] == pytest.approx(stored["test_accuracy"][index], abs=accuracy), where
    assert fresh["val_accuracy"][1] == pytest.approx(stored["val_accuracy"][index], abs=accuracy), where
    np.testing.assert_allclose(fresh["sparsity"][1], stored["sparsity"][index], atol=sparsity, err_msg=where)
    np.testing.assert_allclose(fresh["norms"][1], stored["norms"][index], rtol=norms, err_msg=where)
    # The run without a penalty is recomputed too (run_weight_sweep always starts with it).
    assert fresh["test_accuracy"][0] == pytest.approx(stored["test_accuracy"][0], abs=baseline), where


def test_cached_runs_round_trip_with_a_proximal_run(data_1000, tmp_path):
    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)
    specs = {"none": {}, "prox": {"proximal": {"l1_strength": 1e-3, "rule": "adam"}}}
    messages = []
    weights, accuracy = cached_runs(data_1000, specs, num_epochs=1, directory=tmp_path, log=messages.append)
    again, accuracy_again = cached_runs(data_1000, specs, num_epochs=1, directory=tmp_path, log=messages.append)
    assert "No cache" in messages[0] and "Loaded" in messages[1]
    assert list(weights) == ["none", "prox"]
    assert list(weights["none"]) == ["conv1", "conv2", "conv3", "dense1", "output"]
    assert accuracy == accuracy_again
    assert all(np.array_equal(weights["prox"][k], again["prox"][k]) for k in weights["prox"])
    assert np.mean(weights["prox"]["dense1"] == 0) > 0.1 and np.mean(weights["none"]["dense1"] == 0) == 0


@pytest.mark.skipif(not COMMITTED_MODELS.is_file(), reason="no committed models cache in cache/")
def test_committed_models_cache_matches_a_retrained_proximal_model(data_1000):
    """Retrain the proximal (Adam rule) model of the committed cache: the notebook cross-checks the
    others against the sweep, so this is the one only this test verifies.

    Tolerances as in the sweep test: rounding on the CPU kind that made the cache, else 1.5x the
    largest gap between 4 seeds (tests/seed_spread.py: 0.037 accuracy, 0.145 zero fraction, 11 % norm).
    """
    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)
    stored, record = load_arrays(COMMITTED_MODELS)
    config = record["config"]
    assert config["data"] == data_1000.summary()
    spec = {"prox_adam": config["specs"]["prox_adam"]}
    fresh = train_runs(data_1000, spec, num_epochs=config["num_epochs"], seed=config["seed"])
    index = stored["names"].tolist().index("prox_adam")
    same, where = _where(COMMITTED_MODELS)
    accuracy, zeros, norm = (0.005, 0.01, 0.01) if same else (0.06, 0.22, 0.17)
    assert fresh["test_accuracy"][0] == pytest.approx(stored["test_accuracy"][index], abs=accuracy), where
    layers = [key.split("__", 1)[1] for key in fresh if key.startswith("prox_adam__")]
    assert layers == ["conv1", "conv2", "conv3", "dense1", "output"]
    for layer in layers:
        kernel, stored_kernel = fresh[f"prox_adam__{layer}"], stored[f"prox_adam__{layer}"]
        assert np.mean(kernel == 0) == pytest.approx(np.mean(stored_kernel == 0), abs=zeros), f"{layer}: {where}"
        assert np.linalg.norm(kernel) == pytest.approx(np.linalg.norm(stored_kernel), rel=norm), f"{layer}: {where}"
