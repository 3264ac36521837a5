"""A seeded training run of the seed's CNN that records the data loss apart from the penalty.

:func:`train_cnn` is Keras' ``fit`` on :func:`helpers.models.build_cnn`'s model,
seeded so the same seed gives the same initial weights and batch order, through
:func:`helpers.internal.fast_fit.fit_model` (the same numbers, one compiled call per
epoch). Many runs at once: :func:`helpers.internal.side_by_side.train_cnns`.
"""

from dataclasses import dataclass, field

import numpy as np

from helpers.internal.fast_fit import EVALUATION_BATCH_SIZE, fit_model
from helpers.internal.validation import check_images, check_labels, check_positive_int, check_training_args
from helpers.models import build_cnn
from helpers.notebook import reseed
from helpers.penalties import Penalty, as_penalty

__all__ = ["TrainingRun", "evaluate", "train_cnn"]


@dataclass
class TrainingRun:
    """A trained model, its per-epoch history, and what produced it."""

    model: object
    history: dict
    penalty: Penalty
    config: dict = field(default_factory=dict)

    @staticmethod
    def config_of(data, penalty, num_epochs, batch_size, seed, learning_rate):
        """What produced a run, JSON-able (its data, penalty, epochs, batch size, seed, learning rate)."""
        return {
            "data": data.summary(),
            "penalty": {"l1_strength": penalty.l1_strength, "l2_strength": penalty.l2_strength},
            "num_epochs": num_epochs,
            "batch_size": batch_size,
            "seed": seed,
            "learning_rate": learning_rate,
        }


def evaluate(model, images, labels, batch_size=EVALUATION_BATCH_SIZE):
    """``{"accuracy": ..., "data_loss": ...}`` on the given images; data loss leaves the penalty out."""
    check_images("images", images)
    check_labels("labels", labels, count=len(images))
    batch_size = check_positive_int("batch_size", batch_size)
    results = model.evaluate(images, labels, batch_size=batch_size, verbose=0, return_dict=True)
    return {"accuracy": float(results["accuracy"]), "data_loss": float(results["data_loss"])}


def train_cnn(data, penalty=None, *, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3, callbacks=None):
    """Train the seed's CNN on ``data`` (a helpers.data.Dataset) and return a :class:`TrainingRun`.

    The history has, per epoch: ``data_loss`` / ``accuracy`` on the training batches
    and ``val_data_loss`` / ``val_accuracy`` on the validation images (when there are any).
    Keras' own ``loss`` and ``val_loss`` include the penalty and are kept too.
    """
    penalty = as_penalty(penalty)
    num_epochs, batch_size, seed = check_training_args(data, num_epochs, batch_size, seed)
    reseed(seed)  # same seed -> same initial weights and batch order
    model = build_cnn(penalty, learning_rate=learning_rate)
    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    fitted = fit_model(
        model,
        data.x_train,
        data.y_train,
        num_epochs=num_epochs,
        batch_size=batch_size,
        validation=validation,
        callbacks=callbacks,
    )
    history = {name: np.asarray(values, dtype=float) for name, values in fitted.history.items()}
    config = TrainingRun.config_of(data, penalty, num_epochs, batch_size, seed, learning_rate)
    return TrainingRun(model=model, history=history, penalty=penalty, config=config)
