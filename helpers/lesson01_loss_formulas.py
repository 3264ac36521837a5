"""Lesson 01's helpers: penalized linear fits, the polynomial slider's data, and λ across frameworks.

Linear fits in Keras' convention, the intercept never penalized:
``J = (1/n)·‖y − X·coef − intercept‖² + l2_strength·‖coef‖² + l1_strength·‖coef‖₁``: Keras adds ``f·Σw²`` or
``f·Σ|w|`` to the mean data loss, no 1/2, no 1/n. Objectives that differ by a positive factor have the same
minimizer, so each framework's strength maps to one Keras ``f``, sometimes through the number of samples ``n``.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.polynomial import legendre
from sklearn.linear_model import Lasso
from sklearn.preprocessing import StandardScaler

from helpers._text import _
from helpers._validation import check_choice, check_int, check_nonnegative

__all__ = [
    "convention_rows",
    "fit_polynomial",
    "from_keras",
    "make_poly_data",
    "to_keras",
]


def _check_xy(X, y):
    """Return float64 X (n, d) and y (n,), or raise naming the bad argument."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a 2-D array of shape (n, d) with n, d >= 1, got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must hold finite numbers (no NaN or inf)")
    return X, y


def ridge_closed_form(X, y, l2_strength, fit_intercept=True):
    """Solve (XᵀX/n + l2_strength·I)·coef = Xᵀy/n on centred data -> (coef (d,), intercept)."""
    # The unpenalized intercept's optimum is mean(y) − mean(X)·coef, so centring removes it exactly.
    x_mean, y_mean = (X.mean(axis=0), y.mean()) if fit_intercept else (np.zeros(X.shape[1]), 0.0)
    Xc, yc = X - x_mean, y - y_mean
    n, d = Xc.shape
    coef = np.linalg.solve(Xc.T @ Xc / n + l2_strength * np.eye(d), Xc.T @ yc / n)
    return coef, float(y_mean - x_mean @ coef)


def make_poly_data(n_train=20, n_val=200, noise=0.25, seed=0):
    """Noisy samples of sin(πx) on [-1, 1] -> dict of x_train, y_train, x_val, y_val (1-D arrays)."""
    n_train, n_val = check_int("n_train", n_train, 2), check_int("n_val", n_val, 1)
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    x_train, x_val = rng.uniform(-1, 1, n_train), rng.uniform(-1, 1, n_val)
    y_train = np.sin(np.pi * x_train) + noise * rng.normal(size=n_train)
    y_val = np.sin(np.pi * x_val) + noise * rng.normal(size=n_val)
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val}


def polynomial_features(x, degree):
    """Legendre polynomials P₁(x) … P_degree(x) at points x (m,) -> (m, degree).

    The same functions as x, x², …, x^degree, but far less correlated on [-1, 1]: the Lasso converges quickly.
    """
    return legendre.legvander(np.asarray(x, dtype=np.float64).ravel(), degree)[:, 1:]


def fit_polynomial(x_train, y_train, degree, kind, strength):
    """Fit y ~ polynomial of ``degree`` in x with a penalty in Keras' convention -> predict(x), with ``predict.coef``.

    Features are standardized, so one λ weighs every basis function alike; 'l1': Lasso(alpha=strength/2).
    """
    check_choice("kind", kind, ("none", "l1", "l2"))
    strength, degree = check_nonnegative("strength", strength), check_int("degree", degree, 1)
    x_train, y_train = _check_xy(np.asarray(x_train, dtype=np.float64).reshape(-1, 1), y_train)
    scaler = StandardScaler()
    Z = scaler.fit_transform(polynomial_features(x_train, degree))
    if kind == "l1" and strength > 0:
        lasso = Lasso(alpha=strength / 2, tol=1e-8, max_iter=100_000).fit(Z, y_train)
        coef, intercept = lasso.coef_, float(lasso.intercept_)
    else:
        coef, intercept = ridge_closed_form(Z, y_train, strength if kind == "l2" else 0.0)

    def predict(x):
        """Predictions (m,) of the fitted polynomial at points x (m,)."""
        return scaler.transform(polynomial_features(x, degree)) @ coef + intercept

    predict.coef = coef
    return predict


# ---------------------------------------------------------------- λ across frameworks


class Convention(NamedTuple):
    """One framework's way of writing one penalty: its parameter, its objective, the maps to Keras' ``f``."""

    framework: str
    kind: str  # "l1" or "l2"
    parameter: str  # the name the reader types, e.g. "alpha"
    objective: str  # the objective as that framework's documentation writes it
    rule: str  # the conversion to Keras' f, as a formula the reader can check by hand
    to_keras: Callable  # (value, n) -> f
    from_keras: Callable  # (f, n) -> value
    needs_n: bool = False  # True when the conversion depends on the number of training samples
    inverse: bool = False  # True for C: a smaller value means a stronger penalty


# The seed text divides its L2 term by 2m but not its L1 term: the two λ are on different scales. Its formulas
# carry ½ on the squared error (Keras' "mse" has none): that is where f = λ/m comes from. "seed_text_crossentropy":
# the same penalties on a mean cross-entropy (no ½), as in Ng's logistic regression and the seed's CNN.
# PyTorch's weight_decay adds wd·w to the gradient; f·Σw² adds 2f·w.
CONVENTIONS = {(convention.framework, convention.kind): convention for convention in [
    Convention("keras", "l2", "L2(f)", "mean loss + f·Σw²", "f", lambda v, n: v, lambda f, n: f),
    Convention("keras", "l1", "L1(f)", "mean loss + f·Σ|w|", "f", lambda v, n: v, lambda f, n: f),
    Convention("seed_text", "l2", "λ", "1/(2m)·Σ(h−y)² + λ/(2m)·Σθ²", "λ/m",
               lambda v, n: v / n, lambda f, n: f * n, needs_n=True),
    Convention("seed_text", "l1", "λ", "1/(2m)·Σ(h−y)² + λ·Σ|θ|", "2λ", lambda v, n: 2 * v, lambda f, n: f / 2),
    Convention("seed_text_crossentropy", "l2", "λ", "1/m·Σ CE + λ/(2m)·Σθ²", "λ/(2m)",
               lambda v, n: v / (2 * n), lambda f, n: 2 * f * n, needs_n=True),
    Convention("seed_text_crossentropy", "l1", "λ", "1/m·Σ CE + λ·Σ|θ|", "λ", lambda v, n: v, lambda f, n: f),
    Convention("pytorch_sgd", "l2", "weight_decay", "gradient of mean loss + wd·w", "wd/2",
               lambda v, n: v / 2, lambda f, n: 2 * f),
    Convention("sklearn_ridge", "l2", "alpha", "‖y − Xw‖² + α·‖w‖²", "α/n",
               lambda v, n: v / n, lambda f, n: f * n, needs_n=True),
    Convention("sklearn_lasso", "l1", "alpha", "1/(2n)·‖y − Xw‖² + α·‖w‖₁", "2α",
               lambda v, n: 2 * v, lambda f, n: f / 2),
    Convention("sklearn_logistic", "l2", "C", "C·Σ log-loss + ½‖w‖²", "1/(2nC)",
               lambda v, n: 1 / (2 * v * n), lambda f, n: 1 / (2 * f * n), needs_n=True, inverse=True),
    Convention("sklearn_logistic", "l1", "C", "C·Σ log-loss + ‖w‖₁", "1/(nC)",
               lambda v, n: 1 / (v * n), lambda f, n: 1 / (f * n), needs_n=True, inverse=True),
]}  # fmt: skip
FRAMEWORKS = tuple(dict.fromkeys(framework for framework, _ in CONVENTIONS))


def _convention(framework, kind, name, value, n):
    """``(Convention, value, n)`` checked; ``n`` is required only where the conversion uses it."""
    check_choice("framework", framework, FRAMEWORKS)
    check_choice("kind", kind, ("l1", "l2"))
    if (framework, kind) not in CONVENTIONS:
        kinds = [k for f, k in CONVENTIONS if f == framework]
        raise ValueError(f"framework {framework!r} has no {kind!r} penalty; it has: {', '.join(kinds)}")
    if CONVENTIONS[(framework, kind)].needs_n and n is None:
        raise ValueError(f"n (the number of training samples) is required for {framework} {kind}")
    return CONVENTIONS[(framework, kind)], check_nonnegative(name, value), None if n is None else check_int("n", n, 1)


def to_keras(value, framework, kind, n=None):
    """Framework strength ``value`` -> Keras strength ``f`` (float); ``n`` = training samples, where it matters."""
    convention, value, n = _convention(framework, kind, "value", value, n)
    if convention.inverse and value == 0:
        raise ValueError(f"value must be > 0 for {framework}: C = 0 would be an infinitely strong penalty")
    return float(convention.to_keras(value, n))


def from_keras(keras_strength, framework, kind, n=None):
    """Keras strength ``f`` -> the framework's parameter value (float); C = inf for f = 0 (no penalty)."""
    convention, keras_strength, n = _convention(framework, kind, "keras_strength", keras_strength, n)
    if convention.inverse and keras_strength == 0:
        return float("inf")
    return float(convention.from_keras(keras_strength, n))


def convention_rows(keras_strength, n):
    """One dict per convention: framework, kind, parameter, objective, rule (to Keras' f), value matching ``f``."""
    fields = ("framework", "kind", "parameter", "objective", "rule")
    return [
        {**{field: getattr(convention, field) for field in fields}, "value": from_keras(keras_strength, *key, n)}
        | {"objective": _(convention.objective)}  # the words in it, in the lesson's language
        for key, convention in CONVENTIONS.items()
    ]
