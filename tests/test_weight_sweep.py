"""Lesson 03's weight sweep: kernel summaries, the slider's pure function and figure, the models' round trip."""

import dataclasses

import numpy as np
import pytest

from helpers.weight_sweep import (
    SWEEP_STRENGTHS,
    cached_runs,
    draw_sweep_view,
    kept_kernels,
    kernel_summary,
    nearest_run,
    run_weight_sweep,
    sweep_view,
    weight_sweep_figure,
)


def test_grid_is_lesson_02s():
    # Lesson 02's sweep: five strengths per penalty, about half a decade apart (1, 3, 10, ...);
    # L2 from the seed's 0.001 up, L1 ten times weaker.
    np.testing.assert_allclose(np.log10(SWEEP_STRENGTHS["l2"]), [-3, -2.5, -2, -1.5, -1], atol=0.03)
    np.testing.assert_allclose(np.log10(SWEEP_STRENGTHS["l1"]), [-4, -3.5, -3, -2.5, -2], atol=0.03)


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
        "edges": np.linspace(-0.5, 0.5, 5),
        "thresholds": np.array([1e-2, 1e-3, 1e-4, 1e-5, 1e-6]),
    }


def test_nearest_run_snaps_on_a_log_scale(tiny_sweep):
    assert nearest_run(tiny_sweep, "l1", 1e-3) == 2
    assert nearest_run(tiny_sweep, "l1", 2.9e-4) == 1  # log-nearer to 1e-4 than to 1e-3
    assert nearest_run(tiny_sweep, "l2", 2e-3) == 5  # log10 2e-3 = -2.7: nearer -3 than -2
    assert nearest_run(tiny_sweep, "l2", 1.0) == 6 and nearest_run(tiny_sweep, "l2", 1e-9) == 4


def test_sweep_view_returns_that_runs_numbers(tiny_sweep):
    view = sweep_view(tiny_sweep, "l2", 1e-2)
    assert view["index"] == 6 and view["strength"] == 1e-2 and view["kind"] == "l2"
    assert view["test_accuracy"] == pytest.approx(0.8)
    np.testing.assert_array_equal(view["histogram"], tiny_sweep["histograms"][6, 1])
    np.testing.assert_array_equal(view["sparsity"], tiny_sweep["sparsity"][6, 1])
    assert sweep_view(tiny_sweep, "l1", 1e-4, layer="conv1")["norm"] == tiny_sweep["norms"][1, 0]


def test_the_slider_figure_draws_each_penalty_in_its_own_colour(tiny_sweep):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_hex

    from helpers.plotting import penalty_style

    _fig, artists = weight_sweep_figure(tiny_sweep)
    for kind, strength in (("l2", 1e-3), ("l1", 1e-2)):
        view = sweep_view(tiny_sweep, kind, strength)
        draw_sweep_view(artists, view)
        colour = penalty_style(kind)["color"]
        assert to_hex(artists["histogram"].get_edgecolor()) == to_hex(artists["sparsity"].get_color()) == colour
        assert to_hex(artists["marker"].get_color()) == colour
        np.testing.assert_array_equal(artists["sparsity"].get_ydata(), view["sparsity"])
        assert artists["marker"].get_xydata().tolist() == [[strength, view["test_accuracy"]]]
        assert artists["text"].get_text().startswith(f"{kind.upper()}({strength:g})")


def test_cached_runs_round_trip_with_a_proximal_run(tmp_path):
    from helpers.experiment import make_config
    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)
    # Lesson 02's regime (wrong labels included), shortened to one epoch on 200 images.
    regime = make_config(n_train=200, epochs=1, seeds=[0])
    specs = {"none": {}, "prox": {"proximal": {"l1_strength": 1e-3, "rule": "adam"}}}
    messages = []
    weights, scores = cached_runs(regime, specs, directory=tmp_path, log=messages.append)
    again, scores_again = cached_runs(regime, specs, directory=tmp_path, log=messages.append)
    # Not the lesson's configuration: trained once into the user's cache, then read back.
    assert messages[0].startswith("Training lesson03_models here") and messages[2].startswith("Your result")
    assert list(weights) == ["none", "prox"]
    assert list(weights["none"]) == ["conv1", "conv2", "conv3", "dense1", "output"]
    assert scores == scores_again and set(scores["none"]) == {"test_accuracy", "val_accuracy", "train_true_accuracy"}
    assert all(np.array_equal(weights["prox"][k], again["prox"][k]) for k in weights["prox"])
    assert np.mean(weights["prox"]["dense1"] == 0) > 0.1 and np.mean(weights["none"]["dense1"] == 0) == 0


def test_the_sweeps_runs_are_the_separate_trainings_and_its_kept_kernels_are_theirs():
    from helpers.experiment import experiment_data, make_config
    from helpers.notebook import setup_notebook
    from helpers.penalties import Penalty
    from helpers.training import train_cnn
    from helpers.weights import kernels

    setup_notebook(seed=0)
    regime = make_config(n_train=200, epochs=1, seeds=[3])
    sweep = run_weight_sweep(regime, {"l2": [0.01]}, ("l2",), keep={"l2": ("l2", 0.01)})
    assert sweep["kind"].tolist() == ["none", "l2"] and sweep["kept"].tolist() == ["l2"]
    data = experiment_data(regime)  # the regime's wrong labels: the sweep must train on them, seed 3
    assert data.split["label_noise"] == 0.4
    data = dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])
    run = train_cnn(data, Penalty(l2_strength=0.01), num_epochs=1, seed=3)
    alone = kernels(run.model)
    kept = kept_kernels(sweep)["l2"]
    assert list(kept) == list(alone)
    assert all(np.allclose(kept[layer], alone[layer], atol=1e-6) for layer in alone)
    assert kernel_summary(kept)["norms"] == pytest.approx(sweep["norms"][1])
