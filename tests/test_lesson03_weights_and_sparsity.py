"""helpers.lesson03_weights_and_sparsity: the weight sweep (kernel summaries, the slider's pure function and figure,
the models' round trip) and proximal L1 (the soft threshold against its definition, ISTA and the Keras callback
against scikit-learn's Lasso)."""

import dataclasses

import numpy as np
import pytest

from helpers.lesson01_loss_formulas import from_keras, lasso_ista
from helpers.lesson03_weights_and_sparsity import (
    SWEEP_STRENGTHS,
    ProximalL1,
    cached_runs,
    draw_sweep_view,
    kept_kernels,
    kernel_summary,
    nearest_run,
    run_weight_sweep,
    soft_threshold_tensor,
    sweep_view,
    weight_sweep_figure,
)
from helpers.penalties import soft_threshold

# --- the weight sweep ---------------------------------------------------------------------------


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
    np.testing.assert_allclose(
        summary["norms"],
        [np.sqrt(5e-4**2 + 0.04 + 0.81), np.hypot(3e-6, 0.05), np.sqrt(5e-4**2 + 0.04 + 0.81 + 9e-12 + 0.0025)],
    )


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
    from helpers.lesson02_cnn_penalties import make_config
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
    from helpers.lesson02_cnn_penalties import experiment_data, make_config
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


# --- proximal L1 --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lasso_problem():
    """A small convex problem: 200 noisy samples, 20 features, 5 of them used; and sklearn's solution."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 20))
    w_true = np.zeros(20)
    w_true[:5] = [2.0, -1.5, 1.0, 0.5, -0.3]
    y = x @ w_true + 0.5 * rng.standard_normal(200)
    l1_strength = 0.2
    reference = Lasso(
        alpha=from_keras(l1_strength, "sklearn_lasso", "l1"), fit_intercept=False, tol=1e-12, max_iter=100_000
    )
    return x, y, l1_strength, reference.fit(x, y).coef_


def test_soft_threshold_tensor_matches_the_definition_and_numpy():
    # Values and threshold exact in binary, so "|w| <= t gives exactly 0" is tested exactly.
    w = np.array([-2.0, -0.5, -0.25, 0.0, 0.125, 0.25, 0.375, 4.0], dtype=np.float32)
    by_definition = np.where(w > 0.25, w - 0.25, np.where(w < -0.25, w + 0.25, 0.0))
    np.testing.assert_array_equal(soft_threshold_tensor(w, 0.25).numpy(), by_definition)
    np.testing.assert_array_equal(soft_threshold(w, 0.25), by_definition)
    assert (by_definition[2:6] == 0).all() and by_definition[1] == -0.25


def test_soft_threshold_is_the_minimizer_of_its_proximal_problem():
    # prox_t(w) = argmin_z ½(z − w)² + t|z|, checked by brute force on a fine grid.
    grid = np.linspace(-3, 3, 600_001)
    for w in (-2.0, -0.2, 0.0, 0.4, 1.7):
        objective = 0.5 * (grid - w) ** 2 + 0.5 * np.abs(grid)
        assert soft_threshold(np.array(w), 0.5) == pytest.approx(grid[np.argmin(objective)], abs=1e-5)


def test_per_weight_thresholds_broadcast():
    w = np.array([1.0, 1.0, -1.0], dtype=np.float32)
    t = np.array([0.5, 2.0, 0.25], dtype=np.float32)
    np.testing.assert_allclose(soft_threshold_tensor(w, t).numpy(), [0.5, 0.0, -0.75])


def test_ista_reaches_sklearn_lasso(lasso_problem):
    x, y, l1_strength, reference = lasso_problem
    w = lasso_ista(x, y, l1_strength, fit_intercept=False)[0]
    np.testing.assert_allclose(w, reference, atol=1e-8)
    assert ((w == 0) == (reference == 0)).all() and (reference == 0).sum() == 15


def _linear_model(optimizer, num_features):
    import keras

    from helpers.notebook import reseed

    reseed(0)
    model = keras.Sequential(
        [
            keras.Input((num_features,)),
            # float32 arithmetic: compared with an exact solver (as every lesson computes).
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", dtype="float32"),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse")  # mse = mean((Xw − y)²): our objective's data term
    return model


def _fit_full_batch(model, x, y, num_steps, l1_strength, rule):
    import tensorflow as tf

    # The same full batch num_steps times: deterministic proximal gradient descent.
    batches = tf.data.Dataset.from_tensors((x.astype("float32"), y.astype("float32"))).repeat(num_steps)
    model.fit(batches, epochs=1, verbose=0, shuffle=False, callbacks=[ProximalL1(l1_strength, rule=rule)])
    return model.layers[0].kernel.numpy().ravel()


def test_callback_with_sgd_reaches_sklearn_lasso(lasso_problem):
    import keras

    x, y, l1_strength, reference = lasso_problem
    w = _fit_full_batch(_linear_model(keras.optimizers.SGD(0.2), 20), x, y, 300, l1_strength, "learning_rate")
    np.testing.assert_allclose(w, reference, atol=1e-5)
    assert ((w == 0) == (reference == 0)).all()


def test_callback_with_adam_reaches_sklearn_lasso(lasso_problem):
    import keras

    x, y, l1_strength, reference = lasso_problem
    w = _fit_full_batch(_linear_model(keras.optimizers.Adam(0.01), 20), x, y, 1500, l1_strength, "adam")
    np.testing.assert_allclose(w, reference, atol=1e-5)
    assert ((w == 0) == (reference == 0)).all()


def test_one_adam_step_then_the_per_weight_threshold_by_hand():
    import keras

    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, 0.001])
    l1_strength, lr = 0.01, 0.1
    w = _fit_full_batch(_linear_model(keras.optimizers.Adam(lr), 2), x, y, 1, l1_strength, "adam")
    g = 2.0 / 2 * x.T @ (x @ np.zeros(2) - y)  # gradient of mean((Xw − y)²) at w = 0
    m, v = 0.1 * g, 0.001 * g**2
    alpha = lr * np.sqrt(1 - 0.999) / (1 - 0.9)
    after_adam = -alpha * m / (np.sqrt(v) + 1e-7)
    threshold = alpha * l1_strength / (np.sqrt(v) + 1e-7)
    expected = np.sign(after_adam) * np.maximum(np.abs(after_adam) - threshold, 0)
    np.testing.assert_allclose(w, expected, rtol=1e-5)
    assert w[0] > 0 and w[1] == 0  # same Adam step size for both; only the tiny-gradient weight's threshold wins


def test_learning_rate_rule_with_sgd_one_step_by_hand():
    import keras

    x, y = np.eye(2), np.array([1.0, 0.05])
    w = _fit_full_batch(_linear_model(keras.optimizers.SGD(0.5), 2), x, y, 1, 0.2, "learning_rate")
    after_sgd = 0.5 * (2.0 / 2 * y)  # w = 0 − lr·gradient, gradient = −(2/n)·Xᵀy
    np.testing.assert_allclose(w, soft_threshold(after_sgd, 0.5 * 0.2), rtol=1e-6)
    assert w[1] == 0
