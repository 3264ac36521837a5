"""Convert a penalty strength between the conventions of Keras, the seed text, PyTorch and scikit-learn.

The reference is Keras' convention: the mean data loss plus ``f * sum(w**2)`` (L2)
or ``f * sum(|w|)`` (L1), no 1/2, no 1/n. Two objectives that differ only by a
positive overall factor have the same minimizer, so each framework's strength maps
to one Keras strength ``f``, sometimes through the number of training samples ``n``.
Each framework keeps its own data loss: squared error for the seed text, Ridge and
Lasso (Keras: ``loss="mse"``), log-loss for LogisticRegression (Keras:
``binary_crossentropy``) and for ``seed_text_crossentropy`` (the seed's penalties on a
mean cross-entropy, as its CNN trains), the same mean loss in PyTorch as in Keras.
"""

from collections.abc import Callable
from dataclasses import dataclass

from helpers.validation import check_choice, check_positive_int, check_strength

__all__ = ["CONVENTIONS", "FRAMEWORKS", "Convention", "convention_rows", "from_keras", "to_keras"]


@dataclass(frozen=True)
class Convention:
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


_CONVENTION_LIST = [
    Convention("keras", "l2", "L2(f)", "mean loss + f·Σw²", "f", lambda v, n: v, lambda f, n: f),
    Convention("keras", "l1", "L1(f)", "mean loss + f·Σ|w|", "f", lambda v, n: v, lambda f, n: f),
    # The seed text divides its L2 term by 2m but not its L1 term: the two λ are on different scales.
    # Its formulas carry ½ on the squared error (Keras' "mse" has none): that is where f = λ/m comes from.
    Convention("seed_text", "l2", "λ", "1/(2m)·Σ(h−y)² + λ/(2m)·Σθ²", "λ/m",
               lambda v, n: v / n, lambda f, n: f * n, needs_n=True),
    Convention("seed_text", "l1", "λ", "1/(2m)·Σ(h−y)² + λ·Σ|θ|", "2λ", lambda v, n: 2 * v, lambda f, n: f / 2),
    # The same penalties on a mean cross-entropy (no ½), as in Ng's logistic regression and the seed's CNN.
    Convention("seed_text_crossentropy", "l2", "λ", "1/m·Σ CE + λ/(2m)·Σθ²", "λ/(2m)",
               lambda v, n: v / (2 * n), lambda f, n: 2 * f * n, needs_n=True),
    Convention("seed_text_crossentropy", "l1", "λ", "1/m·Σ CE + λ·Σ|θ|", "λ", lambda v, n: v, lambda f, n: f),
    # weight_decay adds wd·w to the gradient; f·Σw² adds 2f·w.
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
]
CONVENTIONS = {(convention.framework, convention.kind): convention for convention in _CONVENTION_LIST}

FRAMEWORKS = tuple(dict.fromkeys(framework for framework, _ in CONVENTIONS))


def _convention(framework, kind):
    """The Convention for (framework, kind), or an error that lists what exists."""
    check_choice("framework", framework, FRAMEWORKS)
    check_choice("kind", kind, ("l1", "l2"))
    if (framework, kind) not in CONVENTIONS:
        kinds = [k for f, k in CONVENTIONS if f == framework]
        raise ValueError(f"framework {framework!r} has no {kind!r} penalty; it has: {', '.join(kinds)}")
    return CONVENTIONS[(framework, kind)]


def _checked(name, value, n, convention):
    """Validate a strength and ``n`` (required only where the conversion uses it)."""
    value = check_strength(name, value)
    if convention.needs_n:
        if n is None:
            raise ValueError(
                f"n (the number of training samples) is required for {convention.framework} {convention.kind}"
            )
        n = check_positive_int("n", n)
    elif n is not None:
        n = check_positive_int("n", n)  # not used, but a wrong value is still a mistake worth reporting
    return value, n


def to_keras(value, framework, kind, n=None):
    """Framework strength ``value`` -> Keras strength ``f`` (float); ``n`` = training samples, where it matters."""
    convention = _convention(framework, kind)
    value, n = _checked("value", value, n, convention)
    if convention.inverse and value == 0:
        raise ValueError(f"value must be > 0 for {framework}: C = 0 would be an infinitely strong penalty")
    return float(convention.to_keras(value, n))


def from_keras(keras_strength, framework, kind, n=None):
    """Keras strength ``f`` -> the framework's parameter value (float); C = inf for f = 0 (no penalty)."""
    convention = _convention(framework, kind)
    keras_strength, n = _checked("keras_strength", keras_strength, n, convention)
    if convention.inverse and keras_strength == 0:
        return float("inf")
    return float(convention.from_keras(keras_strength, n))


def convention_rows(keras_strength, n):
    """One dict per convention: framework, kind, parameter, objective, rule (to Keras' f), and the value matching ``f``."""
    rows = []
    for (framework, kind), convention in CONVENTIONS.items():
        value = from_keras(keras_strength, framework, kind, n)
        rows.append(
            {"framework": framework, "kind": kind, "parameter": convention.parameter,
             "objective": convention.objective, "rule": convention.rule, "value": value}
        )
    return rows
