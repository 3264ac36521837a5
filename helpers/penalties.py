"""L1, L2 and elastic-net penalties in Keras' convention, and the proximal L1 step that makes exact zeros.

Keras' convention, which :class:`Penalty` follows exactly: ``L2(f)`` adds ``f * sum(w**2)`` and ``L1(f)`` adds
``f * sum(|w|)`` to the mean data loss of every batch: no 1/2, no 1/m.

Keras' ``L1`` adds the subgradient ``λ·sign(w)`` to every step, so a weight jumps across zero and almost never
lands on it. :class:`ProximalL1` instead applies the soft threshold ``w ← sign(w)·max(|w| − t, 0)`` after each
optimizer step, which sets every ``|w| <= t`` to exactly 0.
"""

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from helpers._validation import check_choice, check_nonnegative, check_positive

__all__ = ["Penalty", "ProximalL1", "soft_threshold"]

PENALTY_KINDS = ("none", "l1", "l2", "l1_l2")


def soft_threshold(weight, threshold):
    """``sign(w)·max(|w| − threshold, 0)``, the proximal operator of ``threshold·|w|`` (NumPy or TensorFlow)."""
    if tf.is_tensor(weight):  # also a Keras variable
        return tf.sign(weight) * tf.maximum(tf.abs(weight) - threshold, 0.0)
    weight = np.asarray(weight)
    return np.sign(weight) * np.maximum(np.abs(weight) - check_nonnegative("threshold", threshold), 0.0)


@dataclass(frozen=True)
class Penalty:
    """A penalty on a model's kernels: an L1 and an L2 strength, either may be 0.

    >>> Penalty.of("l2", 1e-3)
    Penalty(l1_strength=0.0, l2_strength=0.001)
    """

    l1_strength: float = 0.0
    l2_strength: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "l1_strength", check_nonnegative("l1_strength", self.l1_strength))
        object.__setattr__(self, "l2_strength", check_nonnegative("l2_strength", self.l2_strength))

    @classmethod
    def of(cls, kind, strength=None, *, l1_strength=None, l2_strength=None):
        """The penalty of a kind ('none', 'l1', 'l2', 'l1_l2'); each of its terms takes ``strength`` or its own."""
        check_choice("penalty kind", kind, PENALTY_KINDS)
        strengths = {}
        for term, given in (("l1", l1_strength), ("l2", l2_strength)):
            given = strength if given is None else given
            value = check_nonnegative(f"{term}_strength" if strength is None else "strength", given or 0.0)
            if term in kind and value == 0:
                raise ValueError(f"penalty kind {kind!r} needs an {term.upper()} strength > 0 (kind 'none' is none)")
            strengths[f"{term}_strength"] = value if term in kind else 0.0
        return cls(**strengths)

    @property
    def kind(self):
        """'none', 'l1', 'l2' or 'l1_l2', from which strengths are not zero."""
        return ("none", "l2", "l1", "l1_l2")[2 * (self.l1_strength > 0) + (self.l2_strength > 0)]

    @property
    def label(self):
        """A short label, e.g. 'L2(0.001)', 'L1(0.001)+L2(0.01)' or 'none'."""
        terms = [f"L{n}({s:g})" for n, s in ((1, self.l1_strength), (2, self.l2_strength)) if s]
        return "+".join(terms) or "none"

    def value(self, weights):
        """``l1_strength·Σ|w| + l2_strength·Σw²`` over one array or a list of them -> float."""
        weights = [weights] if isinstance(weights, np.ndarray) or np.isscalar(weights) else weights
        weights = [np.asarray(w, dtype=np.float64) for w in weights]
        l1 = sum(float(np.abs(w).sum()) for w in weights)
        return self.l1_strength * l1 + self.l2_strength * sum(float(np.square(w).sum()) for w in weights)

    def gradient(self, weight):
        """(Sub)gradient ``l1_strength·sign(w) + 2·l2_strength·w`` of one array; L1's is 0 at w = 0, as TensorFlow's."""
        weight = np.asarray(weight, dtype=np.float64)
        return self.l1_strength * np.sign(weight) + 2.0 * self.l2_strength * weight

    def keras_regularizer(self):
        """The matching ``keras.regularizers`` object (a new one per call, one per layer), or None for no penalty."""
        if self.kind == "none":
            return None
        if self.kind == "l1":
            return keras.regularizers.L1(self.l1_strength)
        if self.kind == "l2":
            return keras.regularizers.L2(self.l2_strength)
        return keras.regularizers.L1L2(l1=self.l1_strength, l2=self.l2_strength)


class ProximalL1(keras.callbacks.Callback):
    """After every optimizer step, soft-threshold each kernel by (its step size × λ): exact zeros.

    Use it *instead of* an L1 regularizer; biases are left alone, as ``kernel_regularizer`` does.
    ``rule="learning_rate"``: ``t = learning_rate·λ``, the proximal step of plain SGD (ISTA); with Adam
    it is far too small. ``rule="adam"``: ``t_i = α_t·λ/(sqrt(v_i) + ε)`` per weight, Adam's own step size
    for that weight (its bias-corrected rate ``α_t`` and second moment ``v_i``). Both rules stop where
    0 ∈ ∇data_loss + λ·∂|w|, as scikit-learn's ``Lasso`` does (tests/test_penalties.py).
    """

    def __init__(self, l1_strength, rule="adam"):
        super().__init__()
        self.l1_strength = check_positive("l1_strength", l1_strength)
        self.rule = check_choice("rule", rule, ("learning_rate", "adam"))

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        if self.rule == "adam" and not isinstance(optimizer, keras.optimizers.Adam):
            raise ValueError(f"rule='adam' needs a keras.optimizers.Adam optimizer, got {type(optimizer).__name__}")
        self._apply = tf.function(self._apply_all, autograph=False)  # one graph for all kernels, per batch

    def _apply_all(self):
        optimizer = self.model.optimizer
        # Adam keeps each weight's v in a variable named after the weight's path (the pattern Keras documents
        # for add_optimizer_variables), made by the time the first step has run.
        velocities = {variable.name: variable for variable in optimizer.variables}
        learning_rate = tf.cast(optimizer.learning_rate, "float32")
        if self.rule == "adam":
            step = tf.cast(optimizer.iterations, "float32")  # already counts the step just taken
            alpha = learning_rate * tf.sqrt(1.0 - optimizer.beta_2**step) / (1.0 - optimizer.beta_1**step)
        for kernel in [layer.kernel for layer in self.model.layers if hasattr(layer, "kernel")]:
            if self.rule == "learning_rate":
                threshold = learning_rate * self.l1_strength
            else:  # Adam's step for weight i is α_t·m_i/(sqrt(v_i) + ε): the same scale goes into t_i
                velocity = velocities[kernel.path.replace("/", "_") + "_velocity"]
                threshold = alpha * self.l1_strength / (tf.sqrt(velocity) + optimizer.epsilon)
            kernel.assign(soft_threshold(kernel, threshold))

    def on_train_batch_end(self, batch, logs=None):
        self._apply()
