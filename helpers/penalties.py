"""L1, L2 and elastic-net penalties written by hand in NumPy, in Keras' convention.

Keras' convention (the one the CNN lessons use): ``L2(f)`` adds ``f * sum(w**2)``
and ``L1(f)`` adds ``f * sum(|w|)`` to the mean data loss of every batch: no 1/2,
no 1/m. The functions below take a list of weight arrays (one per layer) and
follow that convention exactly, so tests can compare them with
``keras.regularizers`` and ``tf.GradientTape``.
"""

from dataclasses import dataclass

import numpy as np

from helpers.validation import check_choice, check_strength

__all__ = [
    "PENALTY_KINDS",
    "Penalty",
    "l1_penalty",
    "l2_penalty",
    "l1_gradient",
    "l2_gradient",
    "soft_threshold",
    "as_penalty",
]

PENALTY_KINDS = ("none", "l1", "l2", "l1_l2")


def _as_list(weights):
    """Accept one array or a list of arrays; return a list of float64 arrays."""
    if isinstance(weights, np.ndarray) or np.isscalar(weights):
        weights = [weights]
    return [np.asarray(w, dtype=np.float64) for w in weights]


def l1_penalty(weights, l1_strength):
    """``l1_strength * sum(|w|)`` over all arrays in ``weights`` -> float."""
    l1_strength = check_strength("l1_strength", l1_strength)
    return l1_strength * sum(float(np.abs(w).sum()) for w in _as_list(weights))


def l2_penalty(weights, l2_strength):
    """``l2_strength * sum(w**2)`` over all arrays in ``weights`` -> float."""
    l2_strength = check_strength("l2_strength", l2_strength)
    return l2_strength * sum(float(np.square(w).sum()) for w in _as_list(weights))


def l1_gradient(weight, l1_strength):
    """Subgradient ``l1_strength * sign(w)``, same shape as ``weight``; 0 at w = 0 (as TensorFlow does)."""
    return check_strength("l1_strength", l1_strength) * np.sign(np.asarray(weight, dtype=np.float64))


def l2_gradient(weight, l2_strength):
    """Gradient ``2 * l2_strength * w``, same shape as ``weight``."""
    return 2.0 * check_strength("l2_strength", l2_strength) * np.asarray(weight, dtype=np.float64)


def soft_threshold(weight, threshold):
    """Proximal operator of ``threshold * |w|``: ``sign(w) * max(|w| - threshold, 0)``.

    It sets every weight with ``|w| <= threshold`` to exactly 0, which a plain
    (sub)gradient step almost never does.
    """
    threshold = check_strength("threshold", threshold)
    weight = np.asarray(weight)
    return np.sign(weight) * np.maximum(np.abs(weight) - threshold, 0.0)


@dataclass(frozen=True)
class Penalty:
    """A penalty on a model's kernels: L1 strength and L2 strength (either may be 0).

    >>> Penalty.of("l2", 1e-3)
    Penalty(l1_strength=0.0, l2_strength=0.001)
    """

    l1_strength: float = 0.0
    l2_strength: float = 0.0

    def __post_init__(self):
        # frozen dataclass: validated values are written back through object.__setattr__
        object.__setattr__(self, "l1_strength", check_strength("l1_strength", self.l1_strength))
        object.__setattr__(self, "l2_strength", check_strength("l2_strength", self.l2_strength))

    @classmethod
    def of(cls, kind, strength=0.0):
        """Build from a kind ('none', 'l1', 'l2', 'l1_l2') and one strength (used for each active term)."""
        check_choice("penalty kind", kind, PENALTY_KINDS)
        strength = check_strength("strength", strength)
        if kind == "none":
            return cls()
        if strength == 0:
            raise ValueError(f"strength must be > 0 for penalty kind {kind!r} (use kind 'none' for no penalty)")
        return cls(
            l1_strength=strength if kind in ("l1", "l1_l2") else 0.0,
            l2_strength=strength if kind in ("l2", "l1_l2") else 0.0,
        )

    @property
    def kind(self):
        """'none', 'l1', 'l2' or 'l1_l2', from which strengths are non-zero."""
        has_l1, has_l2 = self.l1_strength > 0, self.l2_strength > 0
        return {(False, False): "none", (True, False): "l1", (False, True): "l2", (True, True): "l1_l2"}[
            (has_l1, has_l2)
        ]

    @property
    def label(self):
        """Short human label, e.g. 'L2(0.001)' or 'none'."""
        parts = []
        if self.l1_strength:
            parts.append(f"L1({self.l1_strength:g})")
        if self.l2_strength:
            parts.append(f"L2({self.l2_strength:g})")
        return "+".join(parts) or "none"

    def value(self, weights):
        """Penalty value (float) on a list of weight arrays, in Keras' convention."""
        return l1_penalty(weights, self.l1_strength) + l2_penalty(weights, self.l2_strength)

    def gradient(self, weight):
        """(Sub)gradient of the penalty with respect to one weight array."""
        return l1_gradient(weight, self.l1_strength) + l2_gradient(weight, self.l2_strength)

    def keras_regularizer(self):
        """The matching ``keras.regularizers`` object, or None for no penalty."""
        import keras

        if self.kind == "none":
            return None
        if self.kind == "l1":
            return keras.regularizers.L1(self.l1_strength)
        if self.kind == "l2":
            return keras.regularizers.L2(self.l2_strength)
        return keras.regularizers.L1L2(l1=self.l1_strength, l2=self.l2_strength)


def as_penalty(penalty):
    """``penalty`` checked to be a :class:`Penalty` (None means no penalty) -> Penalty."""
    penalty = Penalty() if penalty is None else penalty
    if not isinstance(penalty, Penalty):
        raise TypeError(f"penalty must be a helpers.penalties.Penalty, got {type(penalty).__name__}")
    return penalty
