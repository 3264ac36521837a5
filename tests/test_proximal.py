"""Proximal L1: the soft threshold against its definition, ISTA and the Keras callback against scikit-learn's Lasso."""

import numpy as np
import pytest

from helpers.conventions import from_keras
from helpers.linear import lasso_ista
from helpers.penalties import soft_threshold
from helpers.proximal import ProximalL1, soft_threshold_tensor


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
    reference = Lasso(alpha=from_keras(l1_strength, "sklearn_lasso", "l1"), fit_intercept=False, tol=1e-12, max_iter=100_000)
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
        [keras.Input((num_features,)),
         # float32 arithmetic: compared with an exact solver (as every lesson computes).
         keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", dtype="float32")]
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
