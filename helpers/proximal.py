"""Proximal L1: the soft-threshold step that makes exact zeros, for Keras models and in NumPy.

Keras' ``L1`` regularizer adds the subgradient ``λ·sign(w)`` to every step, so a
weight jumps across zero and hovers near it, almost never landing on exactly 0.
The proximal step instead minimizes the L1 term in closed form after each
optimizer step: ``w ← sign(w)·max(|w| − t, 0)`` (the soft threshold), which sets
every weight with ``|w| <= t`` to exactly 0.

The threshold ``t`` is the step size times λ, where "step size" is the one the
optimizer applied to that weight:

- ``rule="learning_rate"``: ``t = learning_rate · λ``, the proximal step of plain SGD
  (ISTA). Exact for SGD; with Adam it is far too small (Adam rescales each step).
- ``rule="adam"``: ``t_i = α_t · λ / (sqrt(v_i) + ε)`` per weight, with Adam's own
  bias-corrected rate ``α_t`` and second moment ``v_i``: the proximal step in
  the metric Adam uses for that weight.

Both rules solve the same problem at a fixed point (0 ∈ ∇data_loss + λ·∂|w|),
which the tests check against scikit-learn's ``Lasso`` on a convex problem
(with :func:`helpers.linear.lasso_ista`, the same proximal step in NumPy).

Importing this module imports Keras (``ProximalL1`` subclasses its ``Callback``):
in a notebook, call :func:`helpers.notebook.setup_notebook` first.
"""

from helpers.validation import check_choice, check_strength

__all__ = [
    "PROXIMAL_RULES",
    "ProximalL1",
    "soft_threshold_tensor",
]

PROXIMAL_RULES = ("learning_rate", "adam")


def soft_threshold_tensor(weight, threshold):
    """TensorFlow soft threshold ``sign(w)·max(|w| − t, 0)``; ``threshold`` is a scalar or ``weight``'s shape."""
    import tensorflow as tf

    return tf.sign(weight) * tf.maximum(tf.abs(weight) - threshold, 0.0)


def _keras_callback_base():
    import keras

    return keras.callbacks.Callback


class ProximalL1(_keras_callback_base()):
    """Keras callback: after every optimizer step, soft-threshold each kernel by (step size × λ).

    A callback (``on_train_batch_end``) rather than a custom ``train_step``: it plugs
    into ``model.fit`` and :func:`helpers.training.train_cnn` unchanged, leaves the
    optimizer alone, and runs right after each batch's update. Biases are left alone,
    as ``kernel_regularizer`` does. Use it *instead of* an L1 regularizer.
    """

    def __init__(self, l1_strength, rule="adam"):
        super().__init__()
        self.l1_strength = check_strength("l1_strength", l1_strength)
        if self.l1_strength == 0:
            raise ValueError("l1_strength must be > 0 for a proximal L1 step")
        self.rule = check_choice("rule", rule, PROXIMAL_RULES)

    def on_train_begin(self, logs=None):
        import keras

        optimizer = self.model.optimizer
        if self.rule == "adam" and not isinstance(optimizer, keras.optimizers.Adam):
            raise ValueError(f"rule='adam' needs a keras.optimizers.Adam optimizer, got {type(optimizer).__name__}")
        if self.rule == "learning_rate" and isinstance(optimizer, keras.optimizers.SGD) and optimizer.momentum:
            raise ValueError("rule='learning_rate' is the proximal step of plain SGD; got SGD with momentum")
        import tensorflow as tf

        self._kernels = [layer.kernel for layer in self.model.layers if hasattr(layer, "kernel")]
        # One compiled graph for all kernels: a few eager ops per kernel per batch cost milliseconds.
        # No autograph: there is no tensor-dependent control flow to convert (and it re-reads the source file).
        self._apply = tf.function(self._apply_all, autograph=False)

    def _threshold(self, kernel):
        import tensorflow as tf

        optimizer = self.model.optimizer
        learning_rate = tf.cast(optimizer.learning_rate, kernel.dtype)
        if self.rule == "learning_rate":
            return learning_rate * self.l1_strength
        # Adam's step for weight i is α_t·m_i/(sqrt(v_i)+ε): the same per-weight scale goes into t_i.
        # (Keras keeps v in the optimizer's ``_velocities``, indexed like its variables.)
        step = tf.cast(optimizer.iterations, kernel.dtype)  # already counts the step just taken
        beta_1, beta_2 = (tf.cast(b, kernel.dtype) for b in (optimizer.beta_1, optimizer.beta_2))
        alpha = learning_rate * tf.sqrt(1.0 - beta_2**step) / (1.0 - beta_1**step)
        velocity = optimizer._velocities[optimizer._get_variable_index(kernel)]
        return alpha * self.l1_strength / (tf.sqrt(velocity) + optimizer.epsilon)

    def _apply_all(self):
        for kernel in self._kernels:
            kernel.assign(soft_threshold_tensor(kernel, self._threshold(kernel)))

    def on_train_batch_end(self, batch, logs=None):
        self._apply()
