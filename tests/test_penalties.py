"""Hand-written penalties and gradients against Keras' regularizers and TensorFlow's autodiff."""

import numpy as np
import pytest

from helpers.penalties import PENALTY_KINDS, Penalty, soft_threshold

RNG = np.random.default_rng(0)
WEIGHTS = [RNG.normal(size=(3, 3, 1, 4)).astype(np.float32), RNG.normal(size=(16, 10)).astype(np.float32)]


@pytest.mark.parametrize(
    "penalty",
    [Penalty(l1_strength=1e-3), Penalty(l2_strength=2e-3), Penalty(l1_strength=1e-4, l2_strength=5e-3)],
    ids=lambda p: p.label,
)
def test_penalty_value_equals_keras_regularizer(penalty):
    regularizer = penalty.keras_regularizer()
    keras_total = sum(float(regularizer(w)) for w in WEIGHTS)
    assert penalty.value(WEIGHTS) == pytest.approx(keras_total, rel=1e-6)


@pytest.mark.parametrize("penalty", [Penalty(l1_strength=1e-3), Penalty(l2_strength=2e-3), Penalty(3e-4, 7e-4)])
def test_penalty_gradient_equals_gradient_tape(penalty):
    import tensorflow as tf

    weight = tf.Variable(WEIGHTS[1])
    with tf.GradientTape() as tape:
        value = penalty.keras_regularizer()(weight)
    np.testing.assert_allclose(penalty.gradient(WEIGHTS[1]), tape.gradient(value, weight).numpy(), rtol=1e-5, atol=1e-9)


def test_l1_subgradient_is_zero_at_zero_like_tensorflow():
    assert Penalty(l1_strength=0.5).gradient(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_penalty_formulas_by_hand():
    w = np.array([3.0, -4.0])
    assert Penalty(l1_strength=0.1).value(w) == pytest.approx(0.7)
    assert Penalty(l2_strength=0.1).value(w) == pytest.approx(2.5)
    np.testing.assert_allclose(Penalty(l1_strength=0.1).gradient(w), [0.1, -0.1])
    np.testing.assert_allclose(Penalty(l2_strength=0.1).gradient(w), [0.6, -0.8])


def test_soft_threshold_matches_definition_and_makes_exact_zeros():
    w = np.array([-2.0, -0.5, 0.0, 0.3, 1.5])
    expected = np.array([np.sign(x) * max(abs(x) - 0.5, 0.0) for x in w])
    np.testing.assert_array_equal(soft_threshold(w, 0.5), expected)
    assert (soft_threshold(w, 0.5) == 0).sum() == 3


def test_penalty_kind_and_of():
    assert Penalty().kind == "none" and Penalty().keras_regularizer() is None
    assert Penalty.of("l1_l2", 1e-3) == Penalty(1e-3, 1e-3)
    assert [Penalty.of(k, 1e-3).kind for k in PENALTY_KINDS] == list(PENALTY_KINDS)
    assert Penalty(l2_strength=1e-3).label == "L2(0.001)"
