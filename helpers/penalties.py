"""L1, L2 and elastic-net penalties in NumPy, in Keras' convention, and their Keras regularizers.

Keras' convention (the one the CNN lessons use): ``L2(f)`` adds ``f * sum(w**2)``
and ``L1(f)`` adds ``f * sum(|w|)`` to the mean data loss of every batch: no 1/2,
no 1/m. :class:`Penalty` follows it exactly, so tests can compare it with
``keras.regularizers`` and ``tf.GradientTape``.
"""

from dataclasses import dataclass

import numpy as np

from helpers.internal.validation import check_choice, check_nonnegative

__all__ = ["PENALTY_KINDS", "Penalty", "as_penalty", "soft_threshold"]

PENALTY_KINDS = ("none", "l1", "l2", "l1_l2")


def _as_list(weights):
    """Accept one array or a list of arrays; return a list of float64 arrays."""
    if isinstance(weights, np.ndarray) or np.isscalar(weights):
        weights = [weights]
    return [np.asarray(w, dtype=np.float64) for w in weights]


def soft_threshold(weight, threshold):
    """Proximal operator of ``threshold * |w|``: ``sign(w) * max(|w| - threshold, 0)``.

    It sets every weight with ``|w| <= threshold`` to exactly 0, which a plain
    (sub)gradient step almost never does.
    """
    threshold = check_nonnegative("threshold", threshold)
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
        object.__setattr__(self, "l1_strength", check_nonnegative("l1_strength", self.l1_strength))
        object.__setattr__(self, "l2_strength", check_nonnegative("l2_strength", self.l2_strength))

    @classmethod
    def of(cls, kind, strength=None, *, l1_strength=None, l2_strength=None):
        """The penalty of a kind ('none', 'l1', 'l2', 'l1_l2'): the one way a kind becomes a penalty.

        Each term the kind has takes ``strength``, or its own ``l1_strength`` / ``l2_strength``;
        a term the kind has needs a strength > 0 (kind 'none' is no penalty).
        """
        check_choice("penalty kind", kind, PENALTY_KINDS)
        terms = {"l1": kind in ("l1", "l1_l2"), "l2": kind in ("l2", "l1_l2")}
        given = {
            "l1": strength if l1_strength is None else l1_strength,
            "l2": strength if l2_strength is None else l2_strength,
        }
        strengths = {}
        for term, active in terms.items():
            value = check_nonnegative(f"{term}_strength" if strength is None else "strength", given[term] or 0.0)
            if active and value == 0:
                raise ValueError(
                    f"penalty kind {kind!r} needs an {term.upper()} strength > 0 (use kind 'none' for no penalty)"
                )
            strengths[f"{term}_strength"] = value if active else 0.0
        return cls(**strengths)

    @property
    def kind(self):
        """'none', 'l1', 'l2' or 'l1_l2', from which strengths are non-zero."""
        return {(False, False): "none", (True, False): "l1", (False, True): "l2", (True, True): "l1_l2"}[
            (self.l1_strength > 0, self.l2_strength > 0)
        ]

    @property
    def label(self):
        """Short human label, e.g. 'L2(0.001)' or 'none'."""
        parts = [f"L1({self.l1_strength:g})"] * bool(self.l1_strength) + [f"L2({self.l2_strength:g})"] * bool(
            self.l2_strength
        )
        return "+".join(parts) or "none"

    def value(self, weights):
        """``l1_strength·Σ|w| + l2_strength·Σw²`` over one array or a list of them -> float."""
        weights = _as_list(weights)
        return self.l1_strength * sum(float(np.abs(w).sum()) for w in weights) + self.l2_strength * sum(
            float(np.square(w).sum()) for w in weights
        )

    def gradient(self, weight):
        """(Sub)gradient ``l1_strength·sign(w) + 2·l2_strength·w`` of one array (L1 gives 0 at w = 0, as TensorFlow)."""
        weight = np.asarray(weight, dtype=np.float64)
        return self.l1_strength * np.sign(weight) + 2.0 * self.l2_strength * weight

    def keras_regularizer(self):
        """The matching ``keras.regularizers`` object, or None for no penalty."""
        import keras  # inside, like every Keras import of the core: see helpers/__init__.py

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
