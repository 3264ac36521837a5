"""Lesson 05: decoupled weight decay, a λ warm-up, dropout, augmentation and early stopping, in lesson 02's regime.

Every recipe trains through :func:`train_variant`, i.e. helpers.training.train_cnn with the recipe's model and
callbacks: from the same initial weights and batch order as lesson 02's run of the same seed. A recipe
trained here on seed s is therefore paired with lesson 02's no-penalty and L2 runs of seed s, which are
not trained again. A table of recipes (:func:`variant_table`) is keyed by :func:`variant_config`.
"""

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np

from helpers._validation import check_int, check_nonnegative, check_share
from helpers.experiment import REGIME
from helpers.models import build_cnn, compile_cnn
from helpers.penalties import Penalty
from helpers.training import evaluate, train_cnn
from helpers.weights import kernels

__all__ = [
    "build_variant_cnn",
    "recipe_row",
    "train_variant",
    "variant_config",
    "variant_table",
]

# What of lesson 02's configuration a recipe table depends on: all but its penalties and seeds.
REGIME_KEYS = [key for key in REGIME if key not in ("kinds", "l1_strength", "l2_strength", "seeds")]
# The arguments of train_variant that name a recipe.
RECIPE_KEYS = [
    "kind",
    "strength",
    "warmup_epochs",
    "dropout_rate",
    "augment",
    "weight_decay",
    "early_stopping_patience",
]
# A table's values per (recipe, seed); "val_data_loss" (per epoch) is added by variant_table.
PER_RUN = ["test_accuracy", "test_data_loss", "train_true_accuracy", "kernel_sq_norm", "kernel_max_abs", "epochs_run"]


def variant_config(regime, runs, seeds):
    """Lesson 02's ``regime`` (a make_config dict) with ``seeds`` and the named recipes ``runs`` -> dict.

    ``runs``: ``{name: {train_variant argument: value}}``, e.g.
    ``{"dropout": {"dropout_rate": 0.5}, "dropout + L2": {"dropout_rate": 0.5, "kind": "l2", "strength": 0.01}}``.
    """
    missing = [key for key in REGIME_KEYS if key not in regime]
    if missing:
        raise ValueError(f"regime must be a helpers.experiment.make_config dict; it lacks {', '.join(missing)}")
    if not isinstance(runs, dict) or not runs or not all(isinstance(spec, dict) for spec in runs.values()):
        raise ValueError(f"runs must be a non-empty dict {{name: {{train_variant argument: value}}}}, got {runs!r}")
    for name, spec in runs.items():
        unknown = ", ".join(sorted(set(spec) - set(RECIPE_KEYS)))
        if unknown:
            raise ValueError(f"run {name!r}: unknown argument(s) {unknown}; allowed: {', '.join(RECIPE_KEYS)}")
    seeds = [check_int("seed", seed, 0) for seed in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty list of distinct integers >= 0, got {seeds}")
    return {**{key: regime[key] for key in REGIME_KEYS}, "seeds": seeds, "runs": {n: dict(s) for n, s in runs.items()}}


def variant_table(data, config):
    """Train every recipe of ``config`` (:func:`variant_config`) on every seed -> dict of arrays.

    Per (recipe, seed): test accuracy and data loss, training accuracy on the true labels, Σw² and
    max |w| over the kernels, epochs run. Only early stopping looks at the validation images while
    training (a recipe without it trains the same without them, and faster); its
    validation data loss per epoch is kept, NaN after the stop and for the others.
    """
    runs, seeds = config["runs"], config["seeds"]
    table = {key: np.full((len(runs), len(seeds)), np.nan) for key in PER_RUN}
    table["val_data_loss"] = np.full((len(runs), len(seeds), config["epochs"]), np.nan)
    true_labels = data.y_train if data.y_train_true is None else data.y_train_true
    without_validation = dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])
    for i, spec in enumerate(runs.values()):
        watches = spec.get("early_stopping_patience") is not None
        for j, seed in enumerate(seeds):
            run = train_variant(
                data if watches else without_validation,
                num_epochs=config["epochs"],
                batch_size=config["batch_size"],
                seed=seed,
                learning_rate=config["learning_rate"],
                **spec,
            )
            test = evaluate(run.model, data.x_test, data.y_test)
            table["test_accuracy"][i, j], table["test_data_loss"][i, j] = test["accuracy"], test["data_loss"]
            table["train_true_accuracy"][i, j] = evaluate(run.model, data.x_train, true_labels)["accuracy"]
            weights = [np.asarray(w, dtype=float) for w in kernels(run.model).values()]
            table["kernel_sq_norm"][i, j] = sum(float(np.square(w).sum()) for w in weights)
            table["kernel_max_abs"][i, j] = max(float(np.abs(w).max()) for w in weights)
            table["epochs_run"][i, j] = int(run.history["epochs_run"])
            if watches:
                curve = run.history["val_data_loss"]
                table["val_data_loss"][i, j, : len(curve)] = curve
    table["names"] = np.array(list(runs), dtype=str)
    table["seeds"] = np.array(seeds, dtype=int)
    return table


def recipe_row(table, recipe, key="test_accuracy"):
    """The per-seed values of one recipe of a :func:`variant_table` (e.g. its test accuracies) -> array."""
    names = [str(name) for name in table["names"]]
    if recipe not in names:
        raise KeyError(f"no recipe {recipe!r} in this table; there are: {', '.join(names)}")
    if key not in table or key in ("names", "seeds"):
        per_recipe = sorted(k for k in table if k not in ("names", "seeds"))
        raise KeyError(f"no per-recipe values {key!r}; there are: {', '.join(per_recipe)}")
    return np.asarray(table[key])[names.index(recipe)]


# ---------------------------------------------------------------- the recipes


@dataclass(frozen=True, eq=False)
class ScheduledPenalty(Penalty):
    """An L2 penalty whose current strength is the Keras variable ``strength``; ``l2_strength`` is its target."""

    strength: object = None

    def keras_regularizer(self):
        # Reads the variable, not a Python float: the compiled train step sees its current value.
        return lambda weight: keras.ops.cast(self.strength, weight.dtype) * keras.ops.sum(keras.ops.square(weight))


def scheduled_l2(l2_strength, initial_strength=0.0):
    """A :class:`ScheduledPenalty` with target ``l2_strength`` and a fresh variable set to ``initial_strength``."""
    variable = keras.Variable(initial_strength, dtype="float32", trainable=False, name="l2_strength")
    return ScheduledPenalty(l2_strength=l2_strength, strength=variable)


def linear_warmup(target_strength, warmup_epochs):
    """Schedule epoch -> strength: 0 at epoch 0, rising linearly to ``target_strength`` at ``warmup_epochs``."""
    return lambda epoch: target_strength * min(1.0, epoch / warmup_epochs)


class StrengthSchedule(keras.callbacks.Callback):
    """Sets a penalty's strength variable to ``schedule(epoch)`` at the start of every epoch; keeps the values."""

    def __init__(self, penalty, schedule):
        super().__init__()
        self.penalty, self.schedule, self.strengths = penalty, schedule, []

    def on_epoch_begin(self, epoch, logs=None):
        self.strengths.append(self.schedule(epoch))
        self.penalty.strength.assign(self.strengths[-1])


def build_variant_cnn(penalty=None, *, dropout_rate=0.0, augment=False, weight_decay=None, learning_rate=1e-3):
    """The seed's CNN from ``build_cnn`` (same layers, same initial weights), optionally with
    augmentation in front, dropout after ``dense1``, and Adam's decoupled weight decay (biases excluded).
    """
    dropout_rate = check_share("dropout_rate", dropout_rate, "the share of units dropped")
    check_nonnegative("weight_decay", weight_decay or 0.0)  # None: no decay
    base = build_cnn(penalty, learning_rate=learning_rate)
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    if augment:  # active in fit() only; evaluate() and predict() see the images unchanged
        x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", name="shift")(x)
        x = keras.layers.RandomRotation(0.03, fill_mode="constant", name="rotate")(x)  # ±11°
    for layer in base.layers:
        x = layer(x)
        if layer.name == "dense1" and dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate, name="dropout")(x)
    model = keras.Model(inputs, x, name=base.name + "_variant")
    optimizer = keras.optimizers.Adam(learning_rate, weight_decay=weight_decay or None)
    if weight_decay:
        optimizer.exclude_from_weight_decay(var_names=["bias"])  # Keras decays biases unless told not to
    return compile_cnn(model, optimizer=optimizer)


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
    """``train_cnn`` plus the other regularizers -> helpers.training.TrainingRun, with ``history["epochs_run"]``.

    Every argument is JSON-able, so a dict of them names a recipe. ``warmup_epochs > 0`` (L2 only) raises
    the L2 strength linearly from 0 over that many epochs. ``early_stopping_patience`` stops on the
    validation data loss and restores the best weights.
    """
    penalty, callbacks = Penalty.of(kind, strength), []
    if warmup_epochs:
        if kind != "l2":
            raise ValueError(f"warmup_epochs needs kind 'l2', got kind {kind!r}")
        penalty = scheduled_l2(penalty.l2_strength)
        callbacks.append(StrengthSchedule(penalty, linear_warmup(penalty.l2_strength, warmup_epochs)))
    if early_stopping_patience is not None:
        if not len(data.y_val):
            raise ValueError("early_stopping_patience needs validation images (data.y_val is empty)")
        patience = check_int("early_stopping_patience", early_stopping_patience, 1)
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_data_loss", mode="min", patience=patience, restore_best_weights=True
            )
        )
    run = train_cnn(
        data,
        penalty,
        num_epochs=num_epochs,
        batch_size=batch_size,
        seed=seed,
        learning_rate=learning_rate,
        callbacks=callbacks,
        build=lambda: build_variant_cnn(
            penalty, dropout_rate=dropout_rate, augment=augment, weight_decay=weight_decay, learning_rate=learning_rate
        ),
    )
    run.history["epochs_run"] = np.asarray(len(run.history["loss"]))
    return run
