"""helpers.lesson01_loss_formulas: penalized linear fits against scikit-learn and SciPy, the polynomial
slider, and the λ converter (a converted strength gives scikit-learn the Keras objective's minimizer)."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from helpers.lesson01_loss_formulas import (
    CONVENTIONS,
    convention_rows,
    fit_polynomial,
    from_keras,
    make_poly_data,
    polynomial_features,
    ridge_closed_form,
    to_keras,
)

RNG = np.random.default_rng(1)
N, D = 120, 5
X = RNG.normal(size=(N, D)) + 0.5
Y = X @ np.array([2.0, -1.0, 0.0, 0.0, 0.7]) + 1.0 + 0.3 * RNG.normal(size=N)
LABELS = (Y + 0.5 * RNG.normal(size=N) > np.median(Y)).astype(int)


def soft(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


def ista(gradient, num_features, step, l1_strength, intercept=True):
    """Proximal gradient descent on data loss + l1_strength·Σ|coef| (the intercept, last, unpenalized)."""
    w = np.zeros(num_features + intercept)
    for _ in range(200_000):
        new = w - step * gradient(w)
        new[:num_features] = soft(new[:num_features], step * l1_strength)
        if np.abs(new - w).max() < 1e-14:
            return new
        w = new
    raise AssertionError("ISTA did not converge")


def mse_gradient(w):
    return 2 / N * np.c_[X, np.ones(N)].T @ (np.c_[X, np.ones(N)] @ w - Y)


def log_loss_gradient(w):
    design = np.c_[X, np.ones(N)]
    return design.T @ (1 / (1 + np.exp(-design @ w)) - LABELS) / N


# --- linear fits and the 2-D picture ------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_closed_form_equals_sklearn_ridge(fit_intercept):
    coef, intercept = ridge_closed_form(X, Y, 0.1, fit_intercept=fit_intercept)
    ridge = Ridge(alpha=0.1 * N, fit_intercept=fit_intercept).fit(X, Y)  # Ridge's α = n·f
    np.testing.assert_allclose(coef, ridge.coef_, rtol=1e-8)
    assert intercept == pytest.approx(ridge.intercept_, abs=1e-10)


# --- the polynomial slider ------------------------------------------------------------------------


def test_make_poly_data_is_seeded_samples_of_sin_pi_x():
    first, again = make_poly_data(n_train=15, n_val=40, seed=3), make_poly_data(n_train=15, n_val=40, seed=3)
    assert all(np.array_equal(first[key], again[key]) for key in first)
    assert first["x_train"].shape == (15,) and first["y_val"].shape == (40,) and np.abs(first["x_val"]).max() <= 1
    clean = make_poly_data(noise=0.0)
    np.testing.assert_allclose(clean["y_train"], np.sin(np.pi * clean["x_train"]))


def test_polynomial_features_are_legendre_polynomials():
    x = np.array([-0.5, 0.0, 0.3])
    np.testing.assert_allclose(polynomial_features(x, 3), np.c_[x, (3 * x**2 - 1) / 2, (5 * x**3 - 3 * x) / 2])


def test_fit_polynomial_without_penalty_is_the_least_squares_polynomial():
    data = make_poly_data(n_train=20, seed=0)
    predict = fit_polynomial(data["x_train"], data["y_train"], 5, "none", 0.0)
    reference = np.polynomial.Polynomial.fit(data["x_train"], data["y_train"], 5)
    np.testing.assert_allclose(predict(data["x_val"]), reference(data["x_val"]), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_fit_polynomial_minimizes_the_keras_objective_on_standardized_features(kind):
    data, strength = make_poly_data(n_train=20, seed=0), 0.05
    coef = fit_polynomial(data["x_train"], data["y_train"], 8, kind, strength).coef
    Z = StandardScaler().fit_transform(polynomial_features(data["x_train"], 8))
    residual = Z @ coef + data["y_train"].mean() - data["y_train"]  # standardized features: intercept = mean(y)
    data_gradient = 2 / len(residual) * Z.T @ residual
    if kind == "l2":
        np.testing.assert_allclose(data_gradient + 2 * strength * coef, 0, atol=1e-10)
    else:  # 0 ∈ gradient + λ·∂|w|: −λ·sign(w) where w ≠ 0, within [−λ, λ] where w = 0
        active = coef != 0
        assert 0 < active.sum() < len(coef)
        np.testing.assert_allclose(data_gradient[active], -strength * np.sign(coef[active]), atol=1e-6)
        assert np.all(np.abs(data_gradient[~active]) <= strength + 1e-6)


def test_fit_polynomial_l1_makes_exact_zeros_and_l2_does_not():
    data = make_poly_data(n_train=20, seed=0)
    l1 = fit_polynomial(data["x_train"], data["y_train"], 12, "l1", 0.1)
    l2 = fit_polynomial(data["x_train"], data["y_train"], 12, "l2", 0.1)
    assert (l1.coef == 0).sum() >= 3 and (l2.coef != 0).all()
    flat = fit_polynomial(data["x_train"], data["y_train"], 12, "l1", 100.0)
    np.testing.assert_allclose(flat(data["x_val"]), data["y_train"].mean())


def test_fit_polynomial_training_error_grows_and_validation_error_dips():
    data = make_poly_data(n_train=20, seed=0)
    errors = []
    for strength in 10.0 ** np.arange(-6, 1.5, 0.5):
        predict = fit_polynomial(data["x_train"], data["y_train"], 12, "l2", strength)
        errors.append([np.mean((predict(data[f"x_{s}"]) - data[f"y_{s}"]) ** 2) for s in ("train", "val")])
    train, val = np.array(errors).T
    assert np.all(np.diff(train) >= -1e-12)
    assert val.min() < val[0] / 10 and val.min() < val[-1]


# --- λ across frameworks ----------------------------------------------------------------------------


@pytest.mark.parametrize("framework, kind", list(CONVENTIONS), ids=str)
def test_round_trip_for_every_convention(framework, kind):
    for keras_strength in (1e-5, 3e-3, 0.7):
        value = from_keras(keras_strength, framework, kind, n=N)
        assert to_keras(value, framework, kind, n=N) == pytest.approx(keras_strength, rel=1e-12)


def test_convention_rows_values_give_sklearn_the_keras_ridge_and_lasso_minimizers():
    rows = {(row["framework"], row["kind"]): row for row in convention_rows(0.05, N)}
    assert set(rows) == set(CONVENTIONS)
    ridge = Ridge(alpha=rows["sklearn_ridge", "l2"]["value"]).fit(X, Y)
    design = np.c_[X, np.ones(N)]
    keras_l2 = np.linalg.solve(design.T @ design / N + 0.05 * np.diag([1.0] * D + [0.0]), design.T @ Y / N)
    np.testing.assert_allclose(np.r_[ridge.coef_, ridge.intercept_], keras_l2, rtol=1e-8)
    lasso = Lasso(alpha=rows["sklearn_lasso", "l1"]["value"], tol=1e-14, max_iter=1_000_000).fit(X, Y)
    step = N / (2 * np.linalg.eigvalsh(design.T @ design).max())
    np.testing.assert_allclose(np.r_[lasso.coef_, lasso.intercept_], ista(mse_gradient, D, step, 0.05), atol=1e-7)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_sklearn_logistic_with_converted_c_gives_the_keras_minimizer(kind):
    strength = 0.01
    model = LogisticRegression(
        C=from_keras(strength, "sklearn_logistic", kind, n=N),
        l1_ratio=0.0 if kind == "l2" else 1.0,
        solver="lbfgs" if kind == "l2" else "saga",
        tol=1e-12,
        max_iter=100_000,
    ).fit(X, LABELS)
    if kind == "l2":  # mean binary cross-entropy + f·Σw², smooth: SciPy minimizes it

        def objective(w):
            logits = np.c_[X, np.ones(N)] @ w
            return np.mean(np.logaddexp(0, logits) - LABELS * logits) + strength * w[:D] @ w[:D]

        keras_minimizer = minimize(objective, np.zeros(D + 1), method="BFGS", options={"gtol": 1e-10}).x
    else:
        keras_minimizer = ista(log_loss_gradient, D, 1.0, strength)
    np.testing.assert_allclose(np.r_[model.coef_[0], model.intercept_], keras_minimizer, atol=1e-5)


def test_seed_text_objectives_are_keras_objectives_up_to_a_factor():
    lam, theta = 0.4, RNG.normal(size=D)
    squared = np.sum((X @ theta - Y) ** 2)
    logits = X @ theta
    cross_entropy = np.mean(np.logaddexp(0, logits) - LABELS * logits)
    l2, l1 = np.sum(theta**2), np.sum(np.abs(theta))
    # ½-MSE form: exactly half the Keras objective (same minimizer)
    assert squared / (2 * N) + lam / (2 * N) * l2 == pytest.approx(
        (squared / N + to_keras(lam, "seed_text", "l2", n=N) * l2) / 2, rel=1e-12
    )
    assert squared / (2 * N) + lam * l1 == pytest.approx((squared / N + to_keras(lam, "seed_text", "l1") * l1) / 2)
    # on a mean cross-entropy (no ½): the Keras objective itself
    assert cross_entropy + lam / (2 * N) * l2 == pytest.approx(
        cross_entropy + to_keras(lam, "seed_text_crossentropy", "l2", n=N) * l2, rel=1e-12
    )
    assert cross_entropy + lam * l1 == pytest.approx(
        cross_entropy + to_keras(lam, "seed_text_crossentropy", "l1") * l1, rel=1e-12
    )


def test_pytorch_weight_decay_gradient_equals_keras_l2_gradient():
    weight_decay, coef = 0.02, RNG.normal(size=D)
    keras_penalty_gradient = 2 * to_keras(weight_decay, "pytorch_sgd", "l2") * coef  # d/dw f·Σw²
    np.testing.assert_allclose(keras_penalty_gradient, weight_decay * coef, rtol=1e-12)


def test_zero_keras_strength_is_an_infinite_c_and_c_zero_is_refused():
    assert from_keras(0.0, "sklearn_logistic", "l2", n=10) == math.inf
    with pytest.raises(ValueError, match="value must be > 0"):
        to_keras(0.0, "sklearn_logistic", "l2", n=10)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: to_keras(1.0, "sklearn_ridge", "l2"), "n"),
        (lambda: to_keras(1.0, "tensorflow", "l2"), "framework"),
        (lambda: to_keras(1.0, "pytorch_sgd", "l1"), "framework 'pytorch_sgd' has no 'l1'"),
        (lambda: from_keras(-1.0, "keras", "l2"), "keras_strength"),
    ],
)
def test_converter_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
