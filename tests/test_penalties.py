"""helpers.penalties: Penalty against Keras' regularizers and autodiff, the soft threshold, and ProximalL1 against
scikit-learn's Lasso and Adam's own step sizes."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.linear_model import Lasso

from helpers.penalties import Penalty, ProximalL1, soft_threshold

RNG = np.random.default_rng(0)
WEIGHTS = [RNG.normal(size=(3, 3, 1, 4)).astype(np.float32), RNG.normal(size=(16, 10)).astype(np.float32)]
PENALTIES = [Penalty(l1_strength=1e-3), Penalty(l2_strength=2e-3), Penalty(l1_strength=3e-4, l2_strength=7e-4)]


@pytest.mark.parametrize("penalty", PENALTIES, ids=lambda p: p.label)
def test_value_equals_keras_regularizer(penalty):
    regularizer = penalty.keras_regularizer()
    assert penalty.value(WEIGHTS) == pytest.approx(sum(float(regularizer(w)) for w in WEIGHTS), rel=1e-6)
    assert penalty.value(WEIGHTS[1]) == pytest.approx(float(regularizer(WEIGHTS[1])), rel=1e-6)  # one array


@pytest.mark.parametrize("penalty", PENALTIES, ids=lambda p: p.label)
def test_gradient_equals_gradient_tape(penalty):
    weight = tf.Variable(WEIGHTS[1])
    with tf.GradientTape() as tape:
        value = penalty.keras_regularizer()(weight)
    np.testing.assert_allclose(penalty.gradient(WEIGHTS[1]), tape.gradient(value, weight).numpy(), rtol=1e-5, atol=1e-9)


def test_l1_subgradient_is_zero_at_zero_as_tensorflows():
    weight = tf.Variable(np.zeros(3, np.float32))
    with tf.GradientTape() as tape:
        value = keras.regularizers.L1(0.5)(weight)
    assert Penalty(l1_strength=0.5).gradient(np.zeros(3)).tolist() == tape.gradient(value, weight).numpy().tolist()


def test_of_each_kind_and_its_kind_label_and_regularizer():
    l1, l2 = 1e-3, 1e-2
    expected = {
        "none": (Penalty(), "none", type(None)),
        "l1": (Penalty(l1, 0.0), "L1(0.001)", keras.regularizers.L1),
        "l2": (Penalty(0.0, l2), "L2(0.01)", keras.regularizers.L2),
        "l1_l2": (Penalty(l1, l2), "L1(0.001)+L2(0.01)", keras.regularizers.L1L2),
    }
    for kind, (penalty, label, regularizer_type) in expected.items():
        made = Penalty.of(kind, l1_strength=l1, l2_strength=l2)
        assert (made, made.kind, made.label) == (penalty, kind, label)
        assert type(made.keras_regularizer()) is regularizer_type
        if kind != "none":
            config = made.keras_regularizer().get_config()
            assert (config.get("l1", 0.0), config.get("l2", 0.0)) == pytest.approx((made.l1_strength, made.l2_strength))
    assert Penalty.of("l1_l2", 1e-3) == Penalty(1e-3, 1e-3)  # one strength for both terms


def test_each_layer_gets_its_own_regularizer_object():
    penalty = Penalty.of("l2", 1e-3)
    assert penalty.keras_regularizer() is not penalty.keras_regularizer()


@pytest.mark.parametrize(
    "arguments, error, name",
    [
        (("l3", 1e-3), ValueError, "penalty kind"),
        (("l1", 0.0), ValueError, "L1 strength"),
        (("l2",), ValueError, "L2 strength"),
        (("l2", -1e-3), ValueError, "strength"),
        (("l2", float("nan")), ValueError, "strength"),
        (("l2", True), TypeError, "strength"),
    ],
)
def test_of_refuses_unknown_kinds_and_missing_strengths(arguments, error, name):
    with pytest.raises(error, match=name):
        Penalty.of(*arguments)


def test_of_refuses_a_zero_strength_given_by_name():
    with pytest.raises(ValueError, match="L2 strength"):
        Penalty.of("l1_l2", l1_strength=1e-3, l2_strength=0.0)


@pytest.mark.parametrize("value, error", [(-1.0, ValueError), (float("inf"), ValueError), ("1e-3", TypeError)])
def test_strengths_are_checked_naming_the_field(value, error):
    with pytest.raises(error, match="l1_strength"):
        Penalty(l1_strength=value)
    with pytest.raises(error, match="l2_strength"):
        Penalty(l2_strength=value)


# --- the soft threshold ---------------------------------------------------------------------------

# Values exact in binary, so "|w| <= t gives exactly 0" is checked exactly.
W = np.array([-2.0, -0.5, -0.25, 0.0, 0.125, 0.25, 0.375, 4.0], dtype=np.float32)
BY_DEFINITION = np.array([-1.75, -0.25, 0.0, 0.0, 0.0, 0.0, 0.125, 3.75], dtype=np.float32)  # shrink by 0.25 or 0


def test_soft_threshold_on_numpy_zeroes_small_weights_and_shrinks_the_others():
    np.testing.assert_array_equal(soft_threshold(W, 0.25), BY_DEFINITION)
    with pytest.raises(ValueError, match="threshold"):
        soft_threshold(W, -0.1)


def test_soft_threshold_on_tensorflow_tensors_and_variables_with_per_weight_thresholds():
    np.testing.assert_array_equal(soft_threshold(tf.constant(W), 0.25).numpy(), BY_DEFINITION)
    np.testing.assert_array_equal(soft_threshold(tf.Variable(W), tf.constant(0.25)).numpy(), BY_DEFINITION)
    per_weight = soft_threshold(tf.constant([1.0, 1.0, -1.0]), tf.constant([0.5, 2.0, 0.25]))
    np.testing.assert_array_equal(per_weight.numpy(), [0.5, 0.0, -0.75])


@pytest.fixture(scope="module")
def lasso_problem():
    """200 noisy samples, 20 features of which 5 matter; Keras' objective mean((Xw − y)²) + l1·Σ|w| and its solution
    by scikit-learn, whose objective (1/2n)·‖y − Xw‖² + α·Σ|w| is half of Keras': α = l1 / 2."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 20))
    y = x[:, :5] @ np.array([2.0, -1.5, 1.0, 0.5, -0.3]) + 0.5 * rng.standard_normal(200)
    l1_strength = 0.2
    reference = Lasso(alpha=l1_strength / 2, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(x, y).coef_
    assert 0 < (reference == 0).sum() < 20  # the solution has exact zeros and non-zeros: both get tested
    return x, y, l1_strength, reference


def test_ista_with_the_soft_threshold_reaches_sklearn_lasso(lasso_problem):
    x, y, l1_strength, reference = lasso_problem
    step = 1 / (2 / len(y) * np.linalg.norm(x, 2) ** 2)  # 1 / Lipschitz constant of the data loss' gradient
    w = np.zeros(x.shape[1])
    for _ in range(2000):
        gradient = 2 / len(y) * x.T @ (x @ w - y)
        w = soft_threshold(w - step * gradient, step * l1_strength)
    np.testing.assert_allclose(w, reference, atol=1e-8)
    np.testing.assert_array_equal(w == 0, reference == 0)


def _linear_model(optimizer, num_features, kernel=None):
    """Keras' linear regression without bias, in float32, its loss the mean squared error (our data term)."""
    model = keras.Sequential(
        [keras.Input((num_features,)), keras.layers.Dense(1, use_bias=False, name="linear", dtype="float32")],
        name="regression",
    )
    model.layers[0].kernel.assign(np.zeros((num_features, 1)) if kernel is None else kernel.reshape(-1, 1))
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _fit_full_batch(model, x, y, num_steps, callbacks):
    """``num_steps`` steps on the whole data set as one batch: deterministic (proximal) gradient descent."""
    batches = tf.data.Dataset.from_tensors((x.astype("float32"), y.astype("float32"))).repeat(num_steps)
    model.fit(batches, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
    return model.layers[0].kernel.numpy().ravel()


def test_proximal_l1_with_sgd_and_the_learning_rate_rule_reaches_sklearn_lasso(lasso_problem):
    x, y, l1_strength, reference = lasso_problem
    model = _linear_model(keras.optimizers.SGD(0.2), x.shape[1])
    w = _fit_full_batch(model, x, y, 300, [ProximalL1(l1_strength, rule="learning_rate")])
    np.testing.assert_allclose(w, reference, atol=1e-5)
    np.testing.assert_array_equal(w == 0, reference == 0)  # exact zeros, where Lasso has them


def test_proximal_l1_with_adam_and_the_adam_rule_reaches_sklearn_lasso(lasso_problem):
    x, y, l1_strength, reference = lasso_problem
    w = _fit_full_batch(_linear_model(keras.optimizers.Adam(0.03), x.shape[1]), x, y, 500, [ProximalL1(l1_strength)])
    np.testing.assert_allclose(w, reference, atol=1e-5)
    np.testing.assert_array_equal(w == 0, reference == 0)


def test_the_adam_rules_threshold_is_adams_own_step_size_per_weight():
    """After one Adam step from w₀, the threshold of weight i is α₁·λ/(sqrt(v_i) + ε): v_i = (1 − β₂)·g_i² (Adam's
    second moment after one step), α₁ = lr·sqrt(1 − β₂)/(1 − β₁) (its bias-corrected rate)."""
    x, y = np.eye(4), np.array([0.0, 3.0, -3.0, -7.0])  # gradients 0.5, −1, 2, 4 at w₀ = 1: thresholds ≈ λ/|g|
    start, l1_strength, learning_rate = np.ones(4, np.float32), 0.5, 0.1
    model = _linear_model(keras.optimizers.Adam(learning_rate), 4, start)
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(y.reshape(-1, 1), model(x.astype("float32")))
    g = tape.gradient(loss, model.layers[0].kernel).numpy().ravel().astype(float)
    optimizer = model.optimizer
    alpha = learning_rate * np.sqrt(1 - optimizer.beta_2) / (1 - optimizer.beta_1)
    expected = alpha * l1_strength / (np.sqrt((1 - optimizer.beta_2) * g**2) + optimizer.epsilon)

    after_adam = _fit_full_batch(_linear_model(keras.optimizers.Adam(learning_rate), 4, start), x, y, 1, None)
    after_both = _fit_full_batch(model, x, y, 1, [ProximalL1(l1_strength, rule="adam")])
    kept = after_both != 0
    assert kept.sum() == 3 and not kept[0]  # the weight with the smallest gradient has the largest threshold
    np.testing.assert_allclose(np.abs(after_adam[kept]) - np.abs(after_both[kept]), expected[kept], rtol=1e-4)
    assert np.all(np.sign(after_both[kept]) == np.sign(after_adam[kept]))
    assert np.abs(after_adam[0]) <= expected[0]


def test_the_adam_rule_refuses_another_optimizer():
    model = _linear_model(keras.optimizers.SGD(0.1), 2)
    with pytest.raises(ValueError, match=r"rule='adam'.*SGD"):
        _fit_full_batch(model, np.eye(2), np.ones(2), 1, [ProximalL1(0.1, rule="adam")])


@pytest.mark.parametrize(
    "arguments, error, name",
    [((0.0,), ValueError, "l1_strength"), (("big",), TypeError, "l1_strength"), ((0.1, "sgd"), ValueError, "rule")],
)
def test_proximal_l1_refuses_bad_arguments_naming_them(arguments, error, name):
    with pytest.raises(error, match=name):
        ProximalL1(*arguments)
