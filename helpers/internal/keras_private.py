"""The one place the course reads Keras internals, because Keras has no public route to them.

- Keras' Adam keeps each variable's second moment ``v`` in ``optimizer._velocities``,
  indexed by ``optimizer._get_variable_index(variable)``; nothing public returns it.
  The proximal L1 step with Adam's per-weight step size needs it
  (helpers.lesson03_weights_and_sparsity.ProximalL1).
- ``fit`` on NumPy arrays batches them through Keras' ``ArrayDataAdapter``, whose tf.data
  pipeline can only be tuned from outside by building it here (:func:`keras_batches`).

If a Keras upgrade renames these, the functions below fail with a message saying so, and
tests/internal/test_keras_private.py fails in CI before a lesson does.
"""

__all__ = ["adam_second_moment", "keras_batches"]


def adam_second_moment(optimizer, variable):
    """Adam's running mean of squared gradients ``v`` for ``variable`` (a Keras variable of the same shape)."""
    try:
        return optimizer._velocities[optimizer._get_variable_index(variable)]
    except (AttributeError, KeyError, IndexError, TypeError) as error:
        raise RuntimeError(
            f"this Keras ({type(optimizer).__module__}) no longer keeps Adam's second moments where "
            f"helpers/internal/keras_private.py reads them ({type(error).__name__}: {error}); update that function"
        ) from None


def keras_batches(x, y, batch_size, shuffle):
    """The batches ``fit(x, y, batch_size=..., shuffle=...)`` would make, as a tf.data dataset, without autotuning.

    Keras slices NumPy arrays into batches with a tf.data ``map`` whose parallelism tf.data
    tunes while training runs. On 2 cores those extra threads compete with training: measured
    (benchmarks/profile/README.md), many epochs took twice as long as the others, for plain Keras
    and the course alike. The same dataset with autotuning off gives the same batches in the same
    order (tests/internal/test_fast_fit.py), every epoch at the fast time.
    """
    import tensorflow as tf

    try:
        from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

        dataset = ArrayDataAdapter(x, y, batch_size=batch_size, shuffle=shuffle).get_tf_dataset()
    except (ImportError, AttributeError, TypeError) as error:
        raise RuntimeError(
            f"this Keras no longer batches NumPy arrays where helpers/internal/keras_private.py builds them "
            f"({type(error).__name__}: {error}); update keras_batches"
        ) from None
    options = tf.data.Options()
    options.autotune.enabled = False
    # Keras knows the number of batches of arrays, not of a dataset: without it, it warns at the end of the
    # first epoch that the input "ran out of data".
    batches = -(-len(x) // batch_size)
    return dataset.with_options(options).apply(tf.data.experimental.assert_cardinality(batches))
