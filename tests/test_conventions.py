"""The strength converter: round trips, objective identities, and agreement with scikit-learn's solvers."""

import math

import numpy as np
import pytest

from helpers.conventions import (
    CONVENTIONS,
    FRAMEWORKS,
    convention_rows,
    from_keras,
    to_keras,
)

RNG = np.random.default_rng(0)
N, D = 120, 5
X = RNG.normal(size=(N, D)) + 0.5
W_TRUE = np.array([2.0, -1.0, 0.0, 0.0, 0.7])
Y = X @ W_TRUE + 1.0 + 0.3 * RNG.normal(size=N)


def keras_objective_gradient(coef, intercept, l1_strength=0.0, l2_strength=0.0):
    """(Sub)gradient of mean squared error + l1·Σ|w| + l2·Σw² with respect to coef (Keras' convention)."""
    residual = X @ coef + intercept - Y
    return 2 / N * X.T @ residual + l1_strength * np.sign(coef) + 2 * l2_strength * coef


@pytest.mark.parametrize("framework, kind", list(CONVENTIONS), ids=lambda value: str(value))
def test_round_trip_for_every_convention(framework, kind):
    for keras_strength in (1e-5, 3e-3, 0.7):
        value = from_keras(keras_strength, framework, kind, n=N)
        assert to_keras(value, framework, kind, n=N) == pytest.approx(keras_strength, rel=1e-12)


def test_known_values():
    assert from_keras(1e-3, "sklearn_ridge", "l2", n=3000) == pytest.approx(3.0)
    assert from_keras(1e-3, "sklearn_lasso", "l1") == pytest.approx(5e-4)
    assert from_keras(1e-3, "pytorch_sgd", "l2") == pytest.approx(2e-3)
    assert from_keras(1e-3, "sklearn_logistic", "l2", n=3000) == pytest.approx(1 / 6)
    assert from_keras(1e-3, "sklearn_logistic", "l1", n=3000) == pytest.approx(1 / 3)
    assert to_keras(1.0, "seed_text", "l2", n=3000) == pytest.approx(1 / 3000)
    assert to_keras(1.0, "seed_text", "l1") == pytest.approx(2.0)
    assert to_keras(1.0, "seed_text_crossentropy", "l2", n=3000) == pytest.approx(1 / 6000)
    assert to_keras(1.0, "seed_text_crossentropy", "l1") == pytest.approx(1.0)


def test_seed_text_objectives_are_keras_objectives_times_one_half():
    lam = 0.4
    for _ in range(3):
        theta = RNG.normal(size=D)
        squared = np.sum((X @ theta - Y) ** 2)
        seed_l2 = squared / (2 * N) + lam / (2 * N) * np.sum(theta**2)
        seed_l1 = squared / (2 * N) + lam * np.sum(np.abs(theta))
        keras_l2 = squared / N + to_keras(lam, "seed_text", "l2", n=N) * np.sum(theta**2)
        keras_l1 = squared / N + to_keras(lam, "seed_text", "l1") * np.sum(np.abs(theta))
        assert seed_l2 == pytest.approx(keras_l2 / 2, rel=1e-12)
        assert seed_l1 == pytest.approx(keras_l1 / 2, rel=1e-12)


def test_seed_penalties_on_a_cross_entropy_are_keras_objectives_exactly():
    lam = 0.4
    labels = (Y > np.median(Y)).astype(float)
    for _ in range(3):
        theta = RNG.normal(size=D)
        probability = 1 / (1 + np.exp(-(X @ theta)))
        cross_entropy = -np.mean(labels * np.log(probability) + (1 - labels) * np.log(1 - probability))
        seed_l2 = cross_entropy + lam / (2 * N) * np.sum(theta**2)  # Ng's form: no ½ on the data loss
        seed_l1 = cross_entropy + lam * np.sum(np.abs(theta))
        assert seed_l2 == pytest.approx(
            cross_entropy + to_keras(lam, "seed_text_crossentropy", "l2", n=N) * np.sum(theta**2), rel=1e-12)
        assert seed_l1 == pytest.approx(
            cross_entropy + to_keras(lam, "seed_text_crossentropy", "l1") * np.sum(np.abs(theta)), rel=1e-12)
    # the ½-MSE rule f = λ/m is twice too strong on a cross-entropy
    assert to_keras(lam, "seed_text", "l2", n=N) == pytest.approx(2 * to_keras(lam, "seed_text_crossentropy", "l2", n=N))


def test_pytorch_weight_decay_gradient_equals_keras_l2_gradient():
    weight_decay, coef = 0.02, RNG.normal(size=D)
    data_gradient = keras_objective_gradient(coef, 0.0)
    keras_gradient = keras_objective_gradient(coef, 0.0, l2_strength=to_keras(weight_decay, "pytorch_sgd", "l2"))
    np.testing.assert_allclose(data_gradient + weight_decay * coef, keras_gradient, rtol=1e-12)


def test_sklearn_ridge_with_converted_alpha_minimizes_the_keras_objective():
    from sklearn.linear_model import Ridge

    l2_strength = 0.05
    ridge = Ridge(alpha=from_keras(l2_strength, "sklearn_ridge", "l2", n=N)).fit(X, Y)
    gradient = keras_objective_gradient(ridge.coef_, ridge.intercept_, l2_strength=l2_strength)
    np.testing.assert_allclose(gradient, 0, atol=1e-10)


def test_sklearn_lasso_with_converted_alpha_satisfies_the_keras_optimality_conditions():
    from sklearn.linear_model import Lasso

    l1_strength = 0.2
    lasso = Lasso(alpha=from_keras(l1_strength, "sklearn_lasso", "l1"), tol=1e-12, max_iter=100_000).fit(X, Y)
    data_gradient = keras_objective_gradient(lasso.coef_, lasso.intercept_)
    active = lasso.coef_ != 0
    assert 0 < active.sum() < D  # some zeros, some not: both conditions are exercised
    np.testing.assert_allclose(data_gradient[active], -l1_strength * np.sign(lasso.coef_[active]), atol=1e-8)
    assert np.all(np.abs(data_gradient[~active]) <= l1_strength + 1e-8)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_sklearn_logistic_with_converted_c_minimizes_the_keras_objective(kind):
    from sklearn.linear_model import LogisticRegression

    labels = (X @ W_TRUE + 0.5 * RNG.normal(size=N) > 1.0).astype(int)
    strength = 0.01
    C = from_keras(strength, "sklearn_logistic", kind, n=N)
    solver = "lbfgs" if kind == "l2" else "saga"
    model = LogisticRegression(C=C, l1_ratio=0.0 if kind == "l2" else 1.0, solver=solver, tol=1e-12, max_iter=100_000)
    model.fit(X, labels)
    coef, intercept = model.coef_[0], model.intercept_[0]
    probability = 1 / (1 + np.exp(-(X @ coef + intercept)))
    data_gradient = X.T @ (probability - labels) / N  # gradient of the mean binary cross-entropy
    if kind == "l2":
        np.testing.assert_allclose(data_gradient + 2 * strength * coef, 0, atol=1e-6)
    else:
        active = coef != 0
        np.testing.assert_allclose(data_gradient[active], -strength * np.sign(coef[active]), atol=1e-5)
        assert np.all(np.abs(data_gradient[~active]) <= strength + 1e-5)


def test_convention_rows_cover_every_convention_with_the_converter_values():
    rows = convention_rows(1e-3, n=3000)
    assert len(rows) == len(CONVENTIONS)
    for row in rows:
        assert row["value"] == from_keras(1e-3, row["framework"], row["kind"], n=3000)
        assert row["parameter"] and row["objective"] and row["rule"]
    assert set(FRAMEWORKS) == {row["framework"] for row in rows}


def test_zero_keras_strength_is_an_infinite_c():
    assert from_keras(0.0, "sklearn_logistic", "l2", n=10) == math.inf

