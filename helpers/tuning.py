"""Choosing λ (lesson 04), changing it while training, and the regularizers it is compared with (lesson 05).

- :func:`training_subset`: one cross-validation fold's training part of a data set.
- :func:`lesson02_runs`: lesson 02's published runs (five seeds; its seed-0 λ sweep), which
  lesson 04 compares its cross-validation with instead of training them again.
- :class:`CNNClassifier` wraps :func:`helpers.training.train_cnn` as a scikit-learn
  estimator, so ``GridSearchCV`` / ``StratifiedKFold`` / ``ParameterGrid`` can do the folds.
- :func:`one_standard_error_index` is the one-standard-error rule on fold scores.
- :class:`ScheduledPenalty` + :class:`StrengthSchedule`: an L2 penalty whose strength
  lives in a Keras variable that a callback changes between epochs (no rebuild, no recompile).
- :func:`build_variant_cnn` / :func:`train_variant`: the seed's CNN (built by
  :func:`helpers.models.build_cnn`, unchanged) plus dropout, augmentation, early stopping
  or decoupled weight decay; with none of them it trains exactly like ``train_cnn``.

This module imports Keras (and so TensorFlow): call ``setup_notebook()`` first.
"""

import math
from dataclasses import dataclass

import keras
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from helpers.data import Dataset
from helpers.penalties import PENALTY_KINDS, Penalty
from helpers.training import TrainingRun, evaluate, fit_model, train_cnn
from helpers.validation import (
    check_choice,
    check_images,
    check_labels,
    check_positive_int,
    check_strength,
)

__all__ = [
    "LESSON02_SWEEP",
    "CNNClassifier",
    "ScheduledPenalty",
    "StrengthSchedule",
    "VariableL2",
    "build_variant_cnn",
    "lesson02_runs",
    "linear_warmup",
    "nearest_on_grid",
    "one_standard_error_index",
    "scheduled_l2",
    "train_variant",
    "training_subset",
]


def training_subset(data, index):
    """``data`` with only the training images ``index`` (given and true labels alike) and no validation images.

    One cross-validation fold's training part: the test images stay, the validation images
    go, so that nothing outside the fold is looked at while training.
    """
    import dataclasses

    index = np.asarray(index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer) or not index.size:
        raise ValueError(
            f"index must be a non-empty 1-D array of integer positions, got {index!r}"
        )
    if index.min() < -len(data.y_train) or index.max() >= len(data.y_train):
        raise ValueError(
            f"index holds positions outside the {len(data.y_train)} training images"
        )
    true = None if data.y_train_true is None else data.y_train_true[index]
    return dataclasses.replace(
        data,
        x_train=data.x_train[index],
        y_train=data.y_train[index],
        y_train_true=true,
        x_val=data.x_val[:0],
        y_val=data.y_val[:0],
    )


# Lesson 02's λ sweep (seed 0), as its notebook configures it; the runs at the regime's own
# strengths come from its five-seed experiment.
LESSON02_SWEEP = {
    "l2": [0.001, 0.003, 0.01, 0.03, 0.1],
    "l1": [0.0001, 0.0003, 0.001, 0.003, 0.01],
}


def lesson02_runs(regime, log=print):
    """Lesson 02's published results in ``regime`` (its make_config dict) -> ``(five_seeds, l2_sweep)``.

    ``five_seeds``: the results of its five-seed experiment (none, L1, L2, L1+L2);
    ``l2_sweep``: ``{strength: run}`` of seed 0 for no penalty (strength 0) and every L2 strength
    of its sweep. Read with the same configurations as lesson 02, so nothing is trained; lesson 02
    owns them (``borrowed``): a retrain here reads the user's retrained copy, never retrains them.
    """
    from helpers.experiment import cached_results, sweep_config

    five_seeds = cached_results("lesson02_noisy", regime, log=log, borrowed=True)
    new = {
        kind: [s for s in strengths if s != regime[f"{kind}_strength"]]
        for kind, strengths in LESSON02_SWEEP.items()
    }
    swept = cached_results("lesson02_sweep", sweep_config(regime, new, seed=0), log=log, borrowed=True)
    seed0 = [
        run
        for run in five_seeds["runs"]
        if run["seed"] == 0 and run["kind"] in ("none", "l2")
    ]
    l2_sweep = {
        run["l2_strength"]: run
        for run in seed0 + [r for r in swept["runs"] if r["kind"] == "l2"]
    }
    return five_seeds, dict(sorted(l2_sweep.items()))


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """The seed's CNN as a scikit-learn classifier: ``fit`` calls ``train_cnn``; X is (n, 28, 28, 1)."""

    def __init__(
        self,
        kind="none",
        strength=0.0,
        num_epochs=20,
        batch_size=64,
        seed=0,
        learning_rate=1e-3,
    ):
        # scikit-learn convention: store the arguments unchanged, check them in fit().
        self.kind = kind
        self.strength = strength
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.seed = seed
        self.learning_rate = learning_rate

    def fit(self, X, y):
        """Train on images X (n, 28, 28, 1) float32 and labels y (n,); no validation data."""
        check_images("X", X)
        check_labels("y", y, count=len(X))
        penalty = Penalty.of(self.kind, self.strength)
        empty_x, empty_y = X[:0], y[:0]
        fold = Dataset(
            "fold", "a cross-validation fold", X, y, empty_x, empty_y, empty_x, empty_y
        )
        run = train_cnn(
            fold,
            penalty,
            num_epochs=self.num_epochs,
            batch_size=self.batch_size,
            seed=self.seed,
            learning_rate=self.learning_rate,
        )
        self.model_, self.history_ = run.model, run.history
        self.classes_ = np.arange(10)
        return self

    def predict(self, X):
        """Predicted digit for each image in X -> (n,) int64."""
        return np.argmax(self.model_.predict(X, batch_size=256, verbose=0), axis=1)

    def score(self, X, y, sample_weight=None):
        """Accuracy on (X, y), as Keras computes it."""
        return evaluate(self.model_, X, y)["accuracy"]


def one_standard_error_index(strengths, fold_scores):
    """Index of the largest strength whose mean score is within one standard error of the best mean.

    ``strengths`` (k,) and ``fold_scores`` (k, n_folds), higher score = better. The
    standard error of a mean is std(ddof=1) / sqrt(n_folds), taken at the best strength.
    """
    strengths = np.asarray(strengths, dtype=float)
    fold_scores = np.asarray(fold_scores, dtype=float)
    if strengths.ndim != 1 or strengths.size == 0:
        raise ValueError(
            f"strengths must be a non-empty 1-D sequence, got shape {strengths.shape}"
        )
    if (
        fold_scores.ndim != 2
        or fold_scores.shape[0] != strengths.size
        or fold_scores.shape[1] < 2
    ):
        raise ValueError(
            f"fold_scores must have shape (len(strengths), n_folds >= 2) = ({strengths.size}, ...), "
            f"got {fold_scores.shape}"
        )
    if not (np.isfinite(strengths).all() and np.isfinite(fold_scores).all()):
        raise ValueError("strengths and fold_scores must be finite")
    means = fold_scores.mean(axis=1)
    best = int(np.argmax(means))
    standard_error = fold_scores[best].std(ddof=1) / math.sqrt(fold_scores.shape[1])
    eligible = np.flatnonzero(means >= means[best] - standard_error)
    return int(eligible[np.argmax(strengths[eligible])])


def nearest_on_grid(grid, strength):
    """Index of the value of ``grid`` (strengths > 0) closest to ``strength`` (> 0) on a log scale."""
    grid = np.asarray(grid, dtype=float)
    if (
        grid.ndim != 1
        or grid.size == 0
        or not (np.isfinite(grid).all() and (grid > 0).all())
    ):
        raise ValueError(
            f"grid must be a non-empty 1-D sequence of finite strengths > 0, got {grid!r}"
        )
    strength = check_strength("strength", strength)
    if strength == 0:
        raise ValueError("strength must be > 0 to be placed on a log-scale grid")
    return int(np.argmin(np.abs(np.log(grid) - math.log(strength))))


class VariableL2:
    """Keras regularizer ``strength * sum(w**2)`` that reads ``strength`` (a Keras variable) at every step."""

    def __init__(self, strength):
        if not isinstance(strength, keras.Variable):
            raise TypeError(
                f"strength must be a keras.Variable, got {type(strength).__name__}"
            )
        self.strength = strength

    def __call__(self, weight):
        # A variable, not a Python float: the compiled train step reads its current value.
        return keras.ops.cast(self.strength, weight.dtype) * keras.ops.sum(
            keras.ops.square(weight)
        )


@dataclass(frozen=True, eq=False)
class ScheduledPenalty(Penalty):
    """An L2 penalty whose current strength is the Keras variable ``strength``; ``l2_strength`` is its target."""

    strength: object = None

    def keras_regularizer(self):
        """A :class:`VariableL2` sharing this penalty's strength variable (one object per layer)."""
        return VariableL2(self.strength)

    @property
    def label(self):
        """e.g. 'L2(0.001), scheduled'."""
        return f"L2({self.l2_strength:g}), scheduled"


def scheduled_l2(l2_strength, initial_strength=0.0):
    """A :class:`ScheduledPenalty` with target ``l2_strength`` and a fresh variable set to ``initial_strength``."""
    l2_strength = check_strength("l2_strength", l2_strength)
    if l2_strength == 0:
        raise ValueError("l2_strength must be > 0 for a scheduled L2 penalty")
    initial_strength = check_strength("initial_strength", initial_strength)
    variable = keras.Variable(
        initial_strength, dtype="float32", trainable=False, name="l2_strength"
    )
    return ScheduledPenalty(l2_strength=l2_strength, strength=variable)


def linear_warmup(target_strength, warmup_epochs):
    """Schedule epoch -> strength: 0 at epoch 0, rising linearly to ``target_strength`` at ``warmup_epochs``."""
    target_strength = check_strength("target_strength", target_strength)
    warmup_epochs = check_positive_int("warmup_epochs", warmup_epochs)

    def schedule(epoch):
        return target_strength * min(1.0, epoch / warmup_epochs)

    return schedule


class StrengthSchedule(keras.callbacks.Callback):
    """Sets a penalty's strength variable to ``schedule(epoch)`` at the start of every epoch; keeps the values."""

    def __init__(self, penalty, schedule):
        super().__init__()
        if not isinstance(penalty, ScheduledPenalty):
            raise TypeError(
                f"penalty must be a ScheduledPenalty, got {type(penalty).__name__}"
            )
        if not callable(schedule):
            raise TypeError(
                f"schedule must be a function epoch -> strength, got {type(schedule).__name__}"
            )
        self.penalty, self.schedule, self.strengths = penalty, schedule, []

    def on_epoch_begin(self, epoch, logs=None):
        value = check_strength(f"schedule({epoch})", self.schedule(epoch))
        self.penalty.strength.assign(value)
        self.strengths.append(value)


def build_variant_cnn(
    penalty=None,
    *,
    dropout_rate=0.0,
    augment=False,
    weight_decay=None,
    learning_rate=1e-3,
):
    """The seed's CNN from ``build_cnn`` (same layers, same initial weights), optionally with
    augmentation in front, dropout after ``dense1``, and Adam's decoupled weight decay (biases excluded).
    """
    from helpers.models import build_cnn

    dropout_rate = check_strength("dropout_rate", dropout_rate)
    if not dropout_rate < 1.0:
        raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate}")
    if weight_decay is not None:
        weight_decay = check_strength("weight_decay", weight_decay)
    if (
        check_strength("learning_rate", learning_rate) == 0
    ):  # NaN or 0 would train nothing, silently
        raise ValueError("learning_rate must be > 0, got 0.0")
    base = build_cnn(penalty, learning_rate=learning_rate, compile_model=False)
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    if (
        augment
    ):  # active in fit() only; evaluate() and predict() see the images unchanged
        x = keras.layers.RandomTranslation(
            0.1, 0.1, fill_mode="constant", name="shift"
        )(x)
        x = keras.layers.RandomRotation(0.03, fill_mode="constant", name="rotate")(
            x
        )  # ±11°
    for layer in base.layers:
        x = layer(x)
        if layer.name == "dense1" and dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate, name="dropout")(x)
    model = keras.Model(inputs, x, name=base.name + "_variant")
    optimizer = keras.optimizers.Adam(learning_rate, weight_decay=weight_decay or None)
    if weight_decay:
        optimizer.exclude_from_weight_decay(
            var_names=["bias"]
        )  # Keras decays biases unless told not to
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=[
            "accuracy",
            keras.metrics.SparseCategoricalCrossentropy(name="data_loss"),
        ],
    )
    return model


def train_variant(
    data,
    *,
    kind="none",
    strength=0.0,
    warmup_epochs=0,
    dropout_rate=0.0,
    augment=False,
    weight_decay=None,
    early_stopping_patience=None,
    num_epochs=20,
    batch_size=64,
    seed=0,
    learning_rate=1e-3,
):
    """``train_cnn`` plus the other regularizers; every argument is JSON-able, so a dict of them names a run.

    ``warmup_epochs > 0`` (L2 only) raises the L2 strength linearly from 0 over that many epochs.
    ``early_stopping_patience`` stops on the validation data loss and restores the best weights.
    Returns a :class:`helpers.training.TrainingRun` (with ``history["epochs_run"]``).
    """
    from helpers.notebook import reseed

    check_choice("penalty kind", kind, PENALTY_KINDS)
    warmup_epochs = check_positive_int("warmup_epochs", warmup_epochs, minimum=0)
    num_epochs = check_positive_int("num_epochs", num_epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_positive_int("seed", seed, minimum=0)
    callbacks = []
    if warmup_epochs:
        if kind != "l2":
            raise ValueError(f"warmup_epochs needs kind 'l2', got kind {kind!r}")
        penalty = scheduled_l2(strength)
        callbacks.append(
            StrengthSchedule(penalty, linear_warmup(strength, warmup_epochs))
        )
    else:
        penalty = Penalty.of(kind, strength)
    if early_stopping_patience is not None:
        patience = check_positive_int(
            "early_stopping_patience", early_stopping_patience
        )
        if not len(data.y_val):
            raise ValueError(
                "early_stopping_patience needs validation images (data.y_val is empty)"
            )
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_data_loss",
                mode="min",
                patience=patience,
                restore_best_weights=True,
            )
        )
    reseed(seed)  # same seed -> same initial weights and batch order as train_cnn
    model = build_variant_cnn(
        penalty,
        dropout_rate=dropout_rate,
        augment=augment,
        weight_decay=weight_decay,
        learning_rate=learning_rate,
    )
    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    # Validation in batches of batch_size, as when lesson 04's caches were made (same numbers bit for bit).
    fitted = fit_model(
        model,
        data.x_train,
        data.y_train,
        num_epochs=num_epochs,
        batch_size=batch_size,
        validation=validation,
        callbacks=callbacks,
        validation_batch_size=batch_size,
    )
    history = {
        name: np.asarray(values, dtype=float) for name, values in fitted.history.items()
    }
    history["epochs_run"] = np.asarray(len(fitted.history["loss"]))
    config = {
        "data": data.summary(),
        "kind": kind,
        "strength": float(strength),
        "warmup_epochs": warmup_epochs,
        "dropout_rate": float(dropout_rate),
        "augment": bool(augment),
        "weight_decay": weight_decay,
        "early_stopping_patience": early_stopping_patience,
        "num_epochs": num_epochs,
        "batch_size": batch_size,
        "seed": seed,
        "learning_rate": learning_rate,
    }
    return TrainingRun(model=model, history=history, penalty=penalty, config=config)
