"""Keras' ``fit`` with one compiled call per epoch: the same numbers, without a Python round trip per batch.

Keras runs ``steps_per_execution`` batches per call of its compiled train function
(default 1). :func:`fit_model` sets it to the batches of a whole epoch for the
duration of one ``fit`` (measured in benchmarks/run.py). Keras is imported inside
functions: importing it starts TensorFlow, which ``setup_notebook`` starts first.
"""

from helpers.internal.keras_private import keras_batches
from helpers.internal.validation import check_positive_int

__all__ = ["EVALUATION_BATCH_SIZE", "fit_model"]

# Evaluation only runs forward passes: one big batch keeps both cores busy (measured 1.3-2x faster than
# batches of 64 on 1,000 images); the numbers agree with small batches up to float rounding.
EVALUATION_BATCH_SIZE = 1000


def fit_model(
    model, x, y, *, num_epochs, batch_size, validation=None, callbacks=None, validation_batch_size=EVALUATION_BATCH_SIZE
):
    """``model.fit(x, y, ...)`` quietly, one compiled call per epoch -> Keras' ``History``.

    Keras runs ``steps_per_execution`` batches per call of its compiled train
    function (default 1: one Python round trip per batch). Here a call covers the
    whole epoch: the same batches in the same order, so the same numbers bit for
    bit (tests/internal/test_fast_fit.py), and the step is traced once, not twice (a last,
    smaller batch would trace it again). Measured in benchmarks/. A callback that
    acts on every batch (``on_train_batch_*``, e.g. ProximalL1) would then see
    one call per epoch, so with such a callback every batch stays its own call.
    The model keeps its own setting afterwards. The batches are Keras' own, built with
    tf.data's autotuning off (helpers.internal.keras_private.keras_batches): the same
    numbers, without the epochs that took twice as long.
    """
    num_epochs, batch_size = check_positive_int("num_epochs", num_epochs), check_positive_int("batch_size", batch_size)
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model must be compiled first: model.compile(...), or build it with helpers.models.build_cnn")
    if not len(x):
        raise ValueError("x holds no images: give at least one")
    per_batch = any(_acts_on_every_batch(callback) for callback in callbacks or [])
    steps = 1 if per_batch else -(-len(x) // batch_size)  # batches per epoch, the last one may be smaller
    _create_training_state(model, x, y)
    previous = model.steps_per_execution
    _set_steps_per_execution(model, steps)
    batches = keras_batches(x, y, batch_size, shuffle=True)
    if validation is not None:
        validation = keras_batches(*validation, validation_batch_size, shuffle=False)
    try:
        return model.fit(
            batches, epochs=num_epochs, validation_data=validation, callbacks=callbacks, verbose=0, shuffle=False
        )  # shuffle: the batches are shuffled already (keras_batches)
    finally:
        _set_steps_per_execution(model, previous)


def _create_training_state(model, x, y):
    """Create the optimizer's and the metrics' variables now, before Keras traces its train step.

    Keras (TensorFlow backend) creates them inside the first traced step, and TensorFlow
    traces a function that creates variables twice: seconds of Python for the 8-model
    sweep. A forward pass and the loss and metrics of one image make them here
    instead; ``reset_metrics`` then clears what that one image added, so the numbers
    are unchanged (tests/internal/test_fast_fit.py).
    """
    import keras

    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    first_x, first_y = keras.tree.map_structure(lambda array: array[:1], (x, y))
    predicted = model(first_x, training=False)  # no augmentation or dropout, no random numbers drawn
    model.compute_loss(first_x, first_y, predicted)
    model.compute_metrics(first_x, first_y, predicted, sample_weight=None)
    model.reset_metrics()


def _acts_on_every_batch(callback):
    """Does a Keras callback override a per-batch training hook?"""
    import keras

    base = keras.callbacks.Callback
    hooks = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
    return any(getattr(type(callback), hook, None) is not getattr(base, hook) for hook in hooks)


def _set_steps_per_execution(model, steps):
    """Set ``model.steps_per_execution``; Keras bakes it into its compiled functions, so those are rebuilt."""
    if model.steps_per_execution != steps:
        model.steps_per_execution = steps
        model.make_train_function(force=True)
        model.make_test_function(force=True)
        model.make_predict_function(force=True)
