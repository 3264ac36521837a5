"""Training the seed's CNN the way a learner would (:func:`train_cnn`: seed, build, compile, ``fit``), and many at once.

:func:`train_cnns` trains one CNN per penalty in one ``fit`` (one Keras model, an output per CNN). The CNNs share
no weight and the total loss is a sum, so each gradient is its own CNN's; with the same initial weights and
batches each run equals its ``train_cnn`` run, in less time: the course's one speed trick (sweeps, the main job).
"""

import math
from dataclasses import dataclass

import keras
import numpy as np

from helpers._validation import check_choice, check_int
from helpers.models import build_cnn, compile_cnn
from helpers.penalties import Penalty
from helpers.weights import kernels

__all__ = ["early_stopping_epochs", "evaluate", "train_cnn", "train_cnns"]


@dataclass
class TrainingRun:
    """A trained model, its per-epoch history (NumPy arrays), and its penalty."""

    model: keras.Model
    history: dict
    penalty: Penalty


def evaluate(model, images, labels):
    """``{"accuracy": ..., "data_loss": ...}`` on the given images; the data loss leaves the penalty out."""
    results = model.evaluate(images, labels, verbose=0, return_dict=True)
    return {"accuracy": float(results["accuracy"]), "data_loss": float(results["data_loss"])}


def _validation(data):
    return (data.x_val, data.y_val) if len(data.y_val) else None


def train_cnn(
    data, penalty=None, *, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3, callbacks=None, build=None
):
    """Train the seed's CNN on ``data`` (helpers.data) -> TrainingRun; the same seed gives the same run.

    Its history has, per epoch, ``data_loss`` and ``accuracy`` on the training batches, their ``val_``
    versions on the validation images (when there are any), and Keras' ``loss`` (with the penalty).
    ``build``: a function that returns another compiled model to train (lesson 05's variants of the CNN).
    """
    keras.utils.set_random_seed(seed)  # the same initial weights and batch order
    model = build() if build else build_cnn(penalty, learning_rate=learning_rate)
    fitted = model.fit(
        data.x_train,
        data.y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_data=_validation(data),
        callbacks=callbacks,
        verbose=0,
    )
    return TrainingRun(model, {k: np.asarray(v, dtype=float) for k, v in fitted.history.items()}, penalty or Penalty())


def train_cnns(data, penalties, *, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3, callbacks=None):
    """One seed CNN per penalty, trained side by side in one ``fit`` -> list of TrainingRun, in order.

    Each equals ``train_cnn(data, penalty, ...)`` with the same seed. Its history has ``data_loss`` and
    ``accuracy``, their ``val_`` versions, ``penalty`` (the penalty term at each epoch's end) and
    ``val_loss`` (validation data loss + penalty). ``callbacks`` see the combined model's logs
    (``model_<i>_<metric>``, ``val_model_<i>_<metric>``).
    """
    penalties = list(penalties)
    names = [f"model_{i}" for i in range(len(penalties))]
    cnns = []
    for name, penalty in zip(names, penalties, strict=True):
        keras.utils.set_random_seed(seed)  # each starts from the weights train_cnn(seed=seed) gives it
        cnns.append(build_cnn(penalty, learning_rate=learning_rate, name=name))
    images = keras.Input(shape=(28, 28, 1))
    combined = keras.Model(images, {name: cnn(images) for name, cnn in zip(names, cnns, strict=True)})
    compile_cnn(combined, learning_rate, outputs=names)
    penalty_values = [[] for _ in cnns]  # each CNN's penalty term at every epoch's end, for its history

    def record_penalties(epoch, logs):
        for values, cnn, penalty in zip(penalty_values, cnns, penalties, strict=True):
            values.append(penalty.value(list(kernels(cnn).values())))

    validation = _validation(data)
    fitted = combined.fit(
        data.x_train,
        dict.fromkeys(names, data.y_train),
        batch_size=batch_size,
        epochs=num_epochs,
        validation_data=validation and (validation[0], dict.fromkeys(names, validation[1])),
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record_penalties), *(callbacks or [])],
        verbose=0,
    ).history
    runs = []
    for name, cnn, penalty, values in zip(names, cnns, penalties, penalty_values, strict=True):
        logged = f"{name}_" if len(names) > 1 else ""  # Keras does not prefix a single output's metrics
        history = {"data_loss": fitted[logged + "data_loss"], "accuracy": fitted[logged + "accuracy"]}
        history["penalty"] = values
        if validation:
            history["val_data_loss"] = fitted[f"val_{logged}data_loss"]
            history["val_accuracy"] = fitted[f"val_{logged}accuracy"]
            history["val_loss"] = np.add(history["val_data_loss"], values)
        runs.append(TrainingRun(cnn, {k: np.asarray(v, dtype=float) for k, v in history.items()}, penalty))
    return runs


def early_stopping_epochs(curve, patience, mode="min"):
    """Where ``EarlyStopping(monitor=<this curve>, mode=mode, patience=patience, restore_best_weights=True)`` acts.

    Returns ``(epochs_run, restored)``, both counted from 1: how many epochs ``fit`` runs and whose weights
    the model ends with. A run that trained on, recording every epoch, can so be stopped afterwards exactly
    as the callback would have stopped it. No stop within the curve: ``epochs_run == len(curve)``.
    """
    check_int("patience", patience, 0)
    check_choice("mode", mode, ("min", "max"))
    values = np.asarray(curve, dtype=float) * (1 if mode == "min" else -1)  # "max": an accuracy to maximize
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"curve must be a non-empty 1-D sequence of finite numbers, got {curve!r}")
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, value in enumerate(values):
        wait += 1
        if value < best:  # strictly: a tie is no improvement, as in Keras
            best, best_epoch, wait = value, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1, best_epoch + 1
    return len(values), best_epoch + 1
