"""helpers.lesson01_loss_formulas: the linear solvers against scikit-learn, the polynomial slider function, the 2-D
geometry; and the strength converter (round trips, objective identities, agreement with scikit-learn's solvers)."""

import math

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from helpers.lesson01_loss_formulas import (
    CONVENTIONS,
    FRAMEWORKS,
    ball_boundary,
    convention_rows,
    fit_polynomial,
    from_keras,
    lasso_ista,
    level_curve,
    make_poly_data,
    penalized_optimum_2d,
    polynomial_features,
    quadratic_from_data,
    ridge_closed_form,
    to_keras,
)

# --- penalized linear fits, the polynomial slider, the 2-D picture ------------------------------

RNG = np.random.default_rng(1)
N, D = 150, 6
X = RNG.normal(size=(N, D)) + 1.0
W_TRUE = np.array([1.5, 0.0, -2.0, 0.0, 0.0, 0.8])
Y = X @ W_TRUE - 3.0 + 0.5 * RNG.normal(size=N)
X2 = RNG.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=80)
Y2 = X2 @ np.array([1.0, 0.25]) + 0.5 * RNG.normal(size=80)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_closed_form_equals_sklearn_ridge(fit_intercept):
    coef, intercept = ridge_closed_form(X, Y, 0.1, fit_intercept=fit_intercept)
    ridge = Ridge(alpha=0.1 * N, fit_intercept=fit_intercept).fit(X, Y)  # alpha = n·f
    np.testing.assert_allclose(coef, ridge.coef_, rtol=1e-6)
    assert intercept == pytest.approx(ridge.intercept_, rel=1e-6, abs=1e-12)


def test_ista_equals_sklearn_lasso_including_exact_zeros():
    coef, intercept, steps = lasso_ista(X, Y, 0.2)
    lasso = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, Y)  # alpha = f/2
    np.testing.assert_allclose(coef, lasso.coef_, atol=1e-4)
    assert intercept == pytest.approx(lasso.intercept_, abs=1e-4)
    assert np.array_equal(coef == 0, lasso.coef_ == 0) and (coef == 0).sum() >= 2
    assert steps < 100_000  # stopped on its tolerance, not on the step limit


def test_ista_with_a_huge_strength_zeroes_everything_and_keeps_the_mean():
    coef, intercept, _ = lasso_ista(X, Y, 1e3)
    assert (coef == 0).all() and intercept == pytest.approx(Y.mean())


def test_make_poly_data_is_seeded_and_shaped():
    first, second = make_poly_data(n_train=15, n_val=40, seed=3), make_poly_data(n_train=15, n_val=40, seed=3)
    assert first["x_train"].shape == (15,) and first["y_val"].shape == (40,)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    assert np.abs(first["x_train"]).max() <= 1


def test_polynomial_features_are_legendre_polynomials():
    x = np.array([-0.5, 0.0, 0.3])
    features = polynomial_features(x, 3)
    np.testing.assert_allclose(features[:, 0], x)
    np.testing.assert_allclose(features[:, 1], (3 * x**2 - 1) / 2)
    np.testing.assert_allclose(features[:, 2], (5 * x**3 - 3 * x) / 2)


def test_fit_polynomial_without_penalty_equals_least_squares_polynomial():
    data = make_poly_data(n_train=20, seed=0)
    predict = fit_polynomial(data["x_train"], data["y_train"], 5, "none", 0.0)
    reference = np.polynomial.Polynomial.fit(data["x_train"], data["y_train"], 5)
    np.testing.assert_allclose(predict(data["x_val"]), reference(data["x_val"]), rtol=1e-7, atol=1e-9)


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


def test_quadratic_from_data_reproduces_the_mean_squared_error():
    A, w_ls, loss_min = quadratic_from_data(X2, Y2)
    for _ in range(3):
        w = RNG.normal(size=2)
        assert np.mean((Y2 - X2 @ w) ** 2) == pytest.approx((w - w_ls) @ A @ (w - w_ls) + loss_min, rel=1e-10)


@pytest.mark.parametrize("strength", [0.05, 0.5, 1.5, 5.0])
def test_penalized_optimum_2d_matches_the_solvers(strength):
    A, w_ls, _ = quadratic_from_data(X2, Y2)
    l1 = penalized_optimum_2d(A, w_ls, "l1", strength)
    np.testing.assert_allclose(l1, lasso_ista(X2, Y2, strength, fit_intercept=False)[0], atol=1e-8)
    lasso = Lasso(alpha=strength / 2, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X2, Y2)
    assert np.array_equal(l1 == 0, lasso.coef_ == 0)
    l2 = penalized_optimum_2d(A, w_ls, "l2", strength)
    np.testing.assert_allclose(l2, ridge_closed_form(X2, Y2, strength, fit_intercept=False)[0], rtol=1e-10)


def test_l1_optimum_reaches_an_axis_while_l2_does_not():
    A, w_ls, _ = quadratic_from_data(X2, Y2)
    strengths = 10.0 ** np.arange(-2, 1.01, 0.125)
    l1_zeros = [(penalized_optimum_2d(A, w_ls, "l1", s) == 0).sum() for s in strengths]
    l2_zeros = [(penalized_optimum_2d(A, w_ls, "l2", s) == 0).sum() for s in strengths]
    assert 1 in l1_zeros and max(l2_zeros) == 0


def test_level_curve_points_lie_on_the_level():
    A, w_ls, _ = quadratic_from_data(X2, Y2)
    points = level_curve(A, w_ls, 0.3, num_points=50)
    offsets = points - w_ls[:, None]
    np.testing.assert_allclose(np.einsum("in,ij,jn->n", offsets, A, offsets), 0.3, rtol=1e-10)


def test_ball_boundaries_have_the_right_norm_and_corners():
    diamond, circle = ball_boundary("l1", 2.0), ball_boundary("l2", 2.0)
    np.testing.assert_allclose(np.abs(diamond).sum(axis=0), 2.0)
    np.testing.assert_allclose(np.hypot(*circle), 2.0)
    assert any(np.allclose(point, [0.0, 2.0]) for point in diamond.T)  # a corner on the w2 axis


# --- λ across frameworks: one regression problem in Keras' convention (mean squared error + penalty) ---

RNG_C = np.random.default_rng(0)
N_C, D_C = 120, 5
X_C = RNG_C.normal(size=(N_C, D_C)) + 0.5
W_TRUE_C = np.array([2.0, -1.0, 0.0, 0.0, 0.7])
Y_C = X_C @ W_TRUE_C + 1.0 + 0.3 * RNG_C.normal(size=N_C)


def keras_objective_gradient(coef, intercept, l1_strength=0.0, l2_strength=0.0):
    """(Sub)gradient of mean squared error + l1·Σ|w| + l2·Σw² with respect to coef (Keras' convention)."""
    residual = X_C @ coef + intercept - Y_C
    return 2 / N_C * X_C.T @ residual + l1_strength * np.sign(coef) + 2 * l2_strength * coef


@pytest.mark.parametrize("framework, kind", list(CONVENTIONS), ids=lambda value: str(value))
def test_round_trip_for_every_convention(framework, kind):
    for keras_strength in (1e-5, 3e-3, 0.7):
        value = from_keras(keras_strength, framework, kind, n=N_C)
        assert to_keras(value, framework, kind, n=N_C) == pytest.approx(keras_strength, rel=1e-12)


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
        theta = RNG_C.normal(size=D_C)
        squared = np.sum((X_C @ theta - Y_C) ** 2)
        seed_l2 = squared / (2 * N_C) + lam / (2 * N_C) * np.sum(theta**2)
        seed_l1 = squared / (2 * N_C) + lam * np.sum(np.abs(theta))
        keras_l2 = squared / N_C + to_keras(lam, "seed_text", "l2", n=N_C) * np.sum(theta**2)
        keras_l1 = squared / N_C + to_keras(lam, "seed_text", "l1") * np.sum(np.abs(theta))
        assert seed_l2 == pytest.approx(keras_l2 / 2, rel=1e-12)
        assert seed_l1 == pytest.approx(keras_l1 / 2, rel=1e-12)


def test_seed_penalties_on_a_cross_entropy_are_keras_objectives_exactly():
    lam = 0.4
    labels = np.greater(Y_C, np.median(Y_C)).astype(float)
    for _ in range(3):
        theta = RNG_C.normal(size=D_C)
        probability = 1 / (1 + np.exp(-(X_C @ theta)))
        cross_entropy = -np.mean(labels * np.log(probability) + (1 - labels) * np.log(1 - probability))
        seed_l2 = cross_entropy + lam / (2 * N_C) * np.sum(theta**2)  # Ng's form: no ½ on the data loss
        seed_l1 = cross_entropy + lam * np.sum(np.abs(theta))
        assert seed_l2 == pytest.approx(
            cross_entropy + to_keras(lam, "seed_text_crossentropy", "l2", n=N_C) * np.sum(theta**2), rel=1e-12
        )
        assert seed_l1 == pytest.approx(
            cross_entropy + to_keras(lam, "seed_text_crossentropy", "l1") * np.sum(np.abs(theta)), rel=1e-12
        )
    # the ½-MSE rule f = λ/m is twice too strong on a cross-entropy
    assert to_keras(lam, "seed_text", "l2", n=N_C) == pytest.approx(
        2 * to_keras(lam, "seed_text_crossentropy", "l2", n=N_C)
    )


def test_pytorch_weight_decay_gradient_equals_keras_l2_gradient():
    weight_decay, coef = 0.02, RNG_C.normal(size=D_C)
    data_gradient = keras_objective_gradient(coef, 0.0)
    keras_gradient = keras_objective_gradient(coef, 0.0, l2_strength=to_keras(weight_decay, "pytorch_sgd", "l2"))
    np.testing.assert_allclose(data_gradient + weight_decay * coef, keras_gradient, rtol=1e-12)


def test_sklearn_ridge_with_converted_alpha_minimizes_the_keras_objective():

    l2_strength = 0.05
    ridge = Ridge(alpha=from_keras(l2_strength, "sklearn_ridge", "l2", n=N_C)).fit(X_C, Y_C)
    gradient = keras_objective_gradient(ridge.coef_, ridge.intercept_, l2_strength=l2_strength)
    np.testing.assert_allclose(gradient, 0, atol=1e-10)


def test_sklearn_lasso_with_converted_alpha_satisfies_the_keras_optimality_conditions():

    l1_strength = 0.2
    lasso = Lasso(alpha=from_keras(l1_strength, "sklearn_lasso", "l1"), tol=1e-12, max_iter=100_000).fit(X_C, Y_C)
    data_gradient = keras_objective_gradient(lasso.coef_, lasso.intercept_)
    active = lasso.coef_ != 0
    assert 0 < active.sum() < D_C  # some zeros, some not: both conditions are exercised
    np.testing.assert_allclose(data_gradient[active], -l1_strength * np.sign(lasso.coef_[active]), atol=1e-8)
    assert np.all(np.abs(data_gradient[~active]) <= l1_strength + 1e-8)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_sklearn_logistic_with_converted_c_minimizes_the_keras_objective(kind):
    from sklearn.linear_model import LogisticRegression

    labels = (X_C @ W_TRUE_C + 0.5 * RNG_C.normal(size=N_C) > 1.0).astype(int)
    strength = 0.01
    C = from_keras(strength, "sklearn_logistic", kind, n=N_C)
    solver = "lbfgs" if kind == "l2" else "saga"
    model = LogisticRegression(C=C, l1_ratio=0.0 if kind == "l2" else 1.0, solver=solver, tol=1e-12, max_iter=100_000)
    model.fit(X_C, labels)
    coef, intercept = model.coef_[0], model.intercept_[0]
    probability = 1 / (1 + np.exp(-(X_C @ coef + intercept)))
    data_gradient = X_C.T @ (probability - labels) / N_C  # gradient of the mean binary cross-entropy
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
