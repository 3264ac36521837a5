"""One seeded training run of the seed's CNN, recording the data loss apart from the penalty."""

from dataclasses import dataclass, field

import numpy as np

from helpers.penalties import Penalty
from helpers.validation import check_images, check_labels, check_positive_int

__all__ = ["TrainingRun", "train_cnn", "evaluate"]


@dataclass
class TrainingRun:
    """A trained model, its per-epoch history, and what produced it."""

    model: object
    history: dict
    penalty: Penalty
    config: dict = field(default_factory=dict)


def evaluate(model, images, labels, batch_size=256):
    """``{"accuracy": ..., "data_loss": ...}`` on the given images; data loss leaves the penalty out."""
    check_images("images", images)
    check_labels("labels", labels, count=len(images))
    results = model.evaluate(images, labels, batch_size=batch_size, verbose=0, return_dict=True)
    return {"accuracy": float(results["accuracy"]), "data_loss": float(results["data_loss"])}


def train_cnn(data, penalty=None, *, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3, callbacks=None):
    """Train the seed's CNN on ``data`` (a helpers.data.Dataset) and return a :class:`TrainingRun`.

    The history has, per epoch: ``data_loss`` / ``accuracy`` on the training batches
    and ``val_data_loss`` / ``val_accuracy`` on the validation images (when there are any).
    Keras' own ``loss`` and ``val_loss`` include the penalty and are kept too.
    """
    from helpers.models import build_cnn
    from helpers.notebook import reseed

    penalty = Penalty() if penalty is None else penalty
    if not isinstance(penalty, Penalty):
        raise TypeError(f"penalty must be a helpers.penalties.Penalty, got {type(penalty).__name__}")
    check_images("x_train", data.x_train)
    check_labels("y_train", data.y_train, count=len(data.x_train))
    if len(data.y_val):
        check_images("x_val", data.x_val)
        check_labels("y_val", data.y_val, count=len(data.x_val))
    num_epochs = check_positive_int("num_epochs", num_epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_positive_int("seed", seed, minimum=0)
    reseed(seed)  # same seed -> same initial weights and batch order
    model = build_cnn(penalty, learning_rate=learning_rate)
    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    fitted = model.fit(
        data.x_train,
        data.y_train,
        epochs=num_epochs,
        batch_size=batch_size,
        validation_data=validation,
        callbacks=callbacks,
        verbose=0,
    )
    history = {name: np.asarray(values, dtype=float) for name, values in fitted.history.items()}
    config = {
        "data": data.summary(),
        "penalty": {"l1_strength": penalty.l1_strength, "l2_strength": penalty.l2_strength},
        "num_epochs": num_epochs,
        "batch_size": batch_size,
        "seed": seed,
        "learning_rate": learning_rate,
    }
    return TrainingRun(model=model, history=history, penalty=penalty, config=config)
