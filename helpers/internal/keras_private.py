"""The one place the course reads a Keras internal, because Keras has no public route to it.

Keras' Adam keeps each variable's second moment ``v`` in ``optimizer._velocities``,
indexed by ``optimizer._get_variable_index(variable)``; nothing public returns it.
The proximal L1 step with Adam's per-weight step size needs it
(helpers.lesson03_weights_and_sparsity.ProximalL1). If a Keras upgrade renames these, the function below fails
with a message saying so, and tests/internal/test_keras_private.py fails in CI
before a lesson does.
"""

__all__ = ["adam_second_moment"]


def adam_second_moment(optimizer, variable):
    """Adam's running mean of squared gradients ``v`` for ``variable`` (a Keras variable of the same shape)."""
    try:
        return optimizer._velocities[optimizer._get_variable_index(variable)]
    except (AttributeError, KeyError, IndexError, TypeError) as error:
        raise RuntimeError(
            f"this Keras ({type(optimizer).__module__}) no longer keeps Adam's second moments where "
            f"helpers/internal/keras_private.py reads them ({type(error).__name__}: {error}); update that function"
        ) from None
