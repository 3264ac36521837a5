"""Many seed CNNs trained side by side in one ``fit``: a λ sweep or the main job's penalties at once.

:func:`train_cnns` puts one model per penalty in one Keras model (one input, one
output each), so every step runs them together. Their weights never meet (the
total loss is a sum, so each model's gradient is its own), each starts from the
same seeded weights as :func:`helpers.training.train_cnn` would give it, and all
see the same batches: the histories equal separate ``train_cnn`` runs
(tests/internal/test_side_by_side.py), in a fraction of the time (benchmarks/run.py).
Keras is imported inside functions: importing it starts TensorFlow, which
``setup_notebook`` starts first.
"""

import numpy as np

from helpers.internal.fast_fit import fit_model
from helpers.internal.validation import check_training_args
from helpers.models import build_cnn, compile_cnn, seed_cnn_layers
from helpers.notebook import reseed
from helpers.penalties import as_penalty
from helpers.training import TrainingRun

__all__ = ["train_cnns"]


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

    penalties = [as_penalty(p) for p in penalties]
    if not penalties:
        raise ValueError("penalties is empty: give at least one helpers.penalties.Penalty")
    num_epochs, batch_size, seed = check_training_args(data, num_epochs, batch_size, seed)
    names = [f"model_{i}" for i in range(len(penalties))]
    images = keras.Input(shape=(28, 28, 1))
    outputs, towers = {}, []
    for name, penalty in zip(names, penalties, strict=True):
        reseed(seed)  # every model starts from the weights train_cnn(seed=seed) would give it
        towers.append(seed_cnn_layers(penalty, suffix=f"_{name}"))
        flowing = images
        for layer in towers[-1]:
            flowing = layer(flowing)
        outputs[name] = flowing
    combined = compile_cnn(keras.Model(images, outputs, name="seed_cnns"), learning_rate, outputs=names)
    recorder = _penalty_recorder(towers, penalties)
    validation = (data.x_val, {name: data.y_val for name in names}) if len(data.y_val) else None
    fitted = fit_model(
        combined,
        data.x_train,
        {name: data.y_train for name in names},
        num_epochs=num_epochs,
        batch_size=batch_size,
        validation=validation,
        callbacks=[recorder, *(callbacks or [])],
    )
    runs = []
    for index, (name, penalty, tower) in enumerate(zip(names, penalties, towers, strict=True)):
        logged = f"{name}_" if len(names) > 1 else ""  # Keras does not prefix a single output's metrics
        history = {
            "data_loss": fitted.history[f"{logged}data_loss"],
            "accuracy": fitted.history[f"{logged}accuracy"],
            "penalty": recorder.values[index],
        }
        if validation:
            history["val_data_loss"] = fitted.history[f"val_{logged}data_loss"]
            history["val_accuracy"] = fitted.history[f"val_{logged}accuracy"]
            history["val_loss"] = np.add(history["val_data_loss"], history["penalty"])
        model = build_cnn(penalty, learning_rate=learning_rate)  # a stand-alone copy, for evaluate / kernels
        model.set_weights([w for layer in tower for w in layer.get_weights()])
        runs.append(
            TrainingRun(
                model=model,
                history={k: np.asarray(v, dtype=float) for k, v in history.items()},
                penalty=penalty,
                config=TrainingRun.config_of(data, penalty, num_epochs, batch_size, seed, learning_rate),
            )
        )
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
            for values, kernels, penalty in zip(self.values, self.kernels, penalties, strict=True):
                values.append(penalty.value([np.asarray(kernel) for kernel in kernels]))

    return PenaltyRecorder()
