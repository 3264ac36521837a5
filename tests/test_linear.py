"""Linear solvers against scikit-learn, the polynomial slider function, the 2-D geometry, and bad inputs."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from helpers.linear import (
    ball_boundary,
    fit_polynomial,
    lasso_ista,
    level_curve,
    make_poly_data,
    penalized_optimum_2d,
    polynomial_features,
    quadratic_from_data,
    ridge_closed_form,
)

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



