"""Seeded training runs of the seed's CNN, recording the data loss apart from the penalty.

:func:`train_cnn` trains one model. :func:`train_cnns` trains one model per
penalty in a single ``fit``: the models sit side by side in one Keras model
(one input, one output each), so every step runs them together. Their weights
never meet (the total loss is a sum, so each model's gradient is its own), each
starts from the same seeded weights as :func:`train_cnn` would give it, and all
see the same batches: the histories equal separate ``train_cnn`` runs
(tests/test_training.py), in a fraction of the time (benchmarks/).

Both go through :func:`fit_model`, which runs a whole epoch in one call of
Keras' compiled train function (its ``steps_per_execution``): the same batches
and updates, bit for bit, without a Python round trip per batch.
"""

from dataclasses import dataclass, field

import numpy as np

from helpers.penalties import Penalty, as_penalty
from helpers.validation import check_images, check_labels, check_positive_int

__all__ = ["TRAINING_RECIPE", "TrainingRun", "train_cnn", "train_cnns", "fit_model", "evaluate", "EVALUATION_BATCH_SIZE"]

# What every trained result depends on besides its configuration (helpers.published matches results on
# both). Bump "version" when a change to the training code changes what is computed, not only how fast:
# the published results then no longer match and are retrained (and must be published again).
TRAINING_RECIPE = {
    "version": 1,
    "model": "the seed's CNN (Conv 32-64-64, Dense 64, Dense 10), seeded Glorot weights",
    "training": "cross-entropy, Adam unless the configuration says otherwise, batches shuffled by the seed",
}

# Evaluation only runs forward passes: one big batch keeps both cores busy (measured 1.3-2x faster than
# batches of 64 on 1,000 images); the numbers agree with small batches up to float rounding.
EVALUATION_BATCH_SIZE = 1000


@dataclass
class TrainingRun:
    """A trained model, its per-epoch history, and what produced it."""

    model: object
    history: dict
    penalty: Penalty
    config: dict = field(default_factory=dict)


def evaluate(model, images, labels, batch_size=EVALUATION_BATCH_SIZE):
    """``{"accuracy": ..., "data_loss": ...}`` on the given images; data loss leaves the penalty out."""
    check_images("images", images)
    check_labels("labels", labels, count=len(images))
    batch_size = check_positive_int("batch_size", batch_size)
    results = model.evaluate(images, labels, batch_size=batch_size, verbose=0, return_dict=True)
    return {"accuracy": float(results["accuracy"]), "data_loss": float(results["data_loss"])}


def fit_model(model, x, y, *, num_epochs, batch_size, validation=None, callbacks=None,
              validation_batch_size=EVALUATION_BATCH_SIZE):
    """``model.fit(x, y, ...)`` quietly, one compiled call per epoch -> Keras' ``History``.

    Keras runs ``steps_per_execution`` batches per call of its compiled train
    function (default 1: one Python round trip per batch). Here a call covers the
    whole epoch: the same batches in the same order, so the same numbers bit for
    bit (tests/test_training.py), and the step is traced once, not twice (a last,
    smaller batch would trace it again). Measured in benchmarks/. A callback that
    acts on every batch (``on_train_batch_*``, e.g. ProximalL1) would then see
    one call per epoch, so with such a callback every batch stays its own call.
    The model keeps its own setting afterwards.
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
    try:
        return model.fit(x, y, epochs=num_epochs, batch_size=batch_size, validation_data=validation,
                         validation_batch_size=validation_batch_size, callbacks=callbacks, verbose=0)
    finally:
        _set_steps_per_execution(model, previous)


def _create_training_state(model, x, y):
    """Create the optimizer's and the metrics' variables now, before Keras traces its train step.

    Keras (TensorFlow backend) creates them inside the first traced step, and TensorFlow
    traces a function that creates variables twice: seconds of Python for the 8-model
    sweep. A forward pass and the loss and metrics of one image make them here
    instead; ``reset_metrics`` then clears what that one image added, so the numbers
    are unchanged (tests/test_training.py).
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
        model.train_function = model.test_function = model.predict_function = None


def train_cnn(data, penalty=None, *, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3, callbacks=None):
    """Train the seed's CNN on ``data`` (a helpers.data.Dataset) and return a :class:`TrainingRun`.

    The history has, per epoch: ``data_loss`` / ``accuracy`` on the training batches
    and ``val_data_loss`` / ``val_accuracy`` on the validation images (when there are any).
    Keras' own ``loss`` and ``val_loss`` include the penalty and are kept too.
    """
    from helpers.models import build_cnn
    from helpers.notebook import reseed

    penalty = as_penalty(penalty)
    num_epochs, batch_size, seed = _check_training_args(data, num_epochs, batch_size, seed)
    reseed(seed)  # same seed -> same initial weights and batch order
    model = build_cnn(penalty, learning_rate=learning_rate)
    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    fitted = fit_model(model, data.x_train, data.y_train, num_epochs=num_epochs, batch_size=batch_size,
                       validation=validation, callbacks=callbacks)
    history = {name: np.asarray(values, dtype=float) for name, values in fitted.history.items()}
    config = _run_config(data, penalty, num_epochs, batch_size, seed, learning_rate)
    return TrainingRun(model=model, history=history, penalty=penalty, config=config)


def train_cnns(data, penalties, *, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3, callbacks=None):
    """Train one seed CNN per penalty in one ``fit`` -> list of :class:`TrainingRun`, in order.

    Each run equals ``train_cnn(data, penalty, ...)`` with the same seed: the same
    initial weights, batches and updates. Its history has, per epoch,
    ``data_loss`` and ``accuracy`` on the training batches, ``penalty`` (the
    penalty term at the epoch's end) and, with validation images,
    ``val_data_loss``, ``val_accuracy`` and ``val_loss`` (Keras' regularized
    validation loss: data loss + penalty). The training ``loss`` is left out:
    Keras averages a multi-output model's per-output losses per batch, not per
    image, so it would not match ``train_cnn``'s. ``callbacks`` see the combined
    model's logs (keys ``model_<i>_<metric>``, ``val_model_<i>_<metric>``).
    """
    import keras

    from helpers.models import build_cnn, compile_cnn, seed_cnn_layers
    from helpers.notebook import reseed

    penalties = [as_penalty(p) for p in penalties]
    if not penalties:
        raise ValueError("penalties is empty: give at least one helpers.penalties.Penalty")
    num_epochs, batch_size, seed = _check_training_args(data, num_epochs, batch_size, seed)
    names = [f"model_{i}" for i in range(len(penalties))]
    images = keras.Input(shape=(28, 28, 1))
    outputs, towers = {}, []
    for name, penalty in zip(names, penalties):
        reseed(seed)  # every model starts from the weights train_cnn(seed=seed) would give it
        towers.append(seed_cnn_layers(penalty, suffix=f"_{name}"))
        flowing = images
        for layer in towers[-1]:
            flowing = layer(flowing)
        outputs[name] = flowing
    combined = compile_cnn(keras.Model(images, outputs, name="seed_cnns"), learning_rate, outputs=names)
    recorder = _penalty_recorder(towers, penalties)
    validation = (data.x_val, {name: data.y_val for name in names}) if len(data.y_val) else None
    fitted = fit_model(combined, data.x_train, {name: data.y_train for name in names}, num_epochs=num_epochs,
                       batch_size=batch_size, validation=validation, callbacks=[recorder, *(callbacks or [])])
    runs = []
    for index, (name, penalty, tower) in enumerate(zip(names, penalties, towers)):
        logged = f"{name}_" if len(names) > 1 else ""  # Keras does not prefix a single output's metrics
        history = {"data_loss": fitted.history[f"{logged}data_loss"], "accuracy": fitted.history[f"{logged}accuracy"],
                   "penalty": recorder.values[index]}
        if validation:
            history["val_data_loss"] = fitted.history[f"val_{logged}data_loss"]
            history["val_accuracy"] = fitted.history[f"val_{logged}accuracy"]
            history["val_loss"] = np.add(history["val_data_loss"], history["penalty"])
        model = build_cnn(penalty, learning_rate=learning_rate)  # a stand-alone copy, for evaluate / kernels
        model.set_weights([w for layer in tower for w in layer.get_weights()])
        runs.append(TrainingRun(model=model, history={k: np.asarray(v, dtype=float) for k, v in history.items()},
                                penalty=penalty,
                                config=_run_config(data, penalty, num_epochs, batch_size, seed, learning_rate)))
    return runs


def _penalty_recorder(towers, penalties):
    """A Keras callback keeping each model's penalty term at every epoch's end (``.values``)."""
    import keras

    class PenaltyRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.kernels = [[layer.kernel for layer in tower if hasattr(layer, "kernel")] for tower in towers]
            self.values = [[] for _ in towers]

        def on_epoch_end(self, epoch, logs=None):
            # Keras has just evaluated on the validation images with these same weights.
            for values, kernels, penalty in zip(self.values, self.kernels, penalties):
                values.append(penalty.value([np.asarray(kernel) for kernel in kernels]))

    return PenaltyRecorder()


def _check_training_args(data, num_epochs, batch_size, seed):
    """Check the data set's arrays and the numbers of a run -> (num_epochs, batch_size, seed)."""
    check_images("x_train", data.x_train)
    check_labels("y_train", data.y_train, count=len(data.x_train))
    if len(data.y_val):
        check_images("x_val", data.x_val)
        check_labels("y_val", data.y_val, count=len(data.x_val))
    return (check_positive_int("num_epochs", num_epochs), check_positive_int("batch_size", batch_size),
            check_positive_int("seed", seed, minimum=0))


def _run_config(data, penalty, num_epochs, batch_size, seed, learning_rate):
    """What produced a run, JSON-able (its data, penalty, epochs, batch size, seed, learning rate)."""
    return {
        "data": data.summary(),
        "penalty": {"l1_strength": penalty.l1_strength, "l2_strength": penalty.l2_strength},
        "num_epochs": num_epochs,
        "batch_size": batch_size,
        "seed": seed,
        "learning_rate": learning_rate,
    }
