"""Lesson 05: decoupled weight decay, a λ warm-up, dropout, augmentation and early stopping, on lesson 02's regime.

Every recipe trains through :func:`helpers.tuning.train_variant`, which starts from the
weights and batch order that :func:`helpers.training.train_cnn` (and so lesson 02's
experiment) gives the same seed. A recipe trained here on seed s is therefore paired
with lesson 02's no-penalty and L2 runs of seed s, which are not trained again.

- :func:`variant_config`: the configuration a table of recipes is keyed by (lesson 02's
  regime, the seeds, the recipes).
- :func:`variant_table`: train every recipe on every seed -> per-(recipe, seed) arrays.
- :func:`recipe_row`: one recipe's per-seed values from such a table.
- :func:`early_stopping_epochs`: where ``keras.callbacks.EarlyStopping`` stops and which
  epoch's weights it restores, read off a validation curve (no training).

:func:`variant_table` trains with Keras (and so starts TensorFlow): call ``setup_notebook()`` first.
"""

import math

import numpy as np

from helpers.validation import check_positive_int

__all__ = [
    "RECIPE_KEYS",
    "REGIME_KEYS",
    "early_stopping_epochs",
    "recipe_row",
    "variant_config",
    "variant_table",
]

# What of lesson 02's configuration (helpers.experiment.make_config) a recipe table depends on.
REGIME_KEYS = (
    "dataset",
    "n_train",
    "n_val",
    "n_test",
    "split_seed",
    "label_noise",
    "epochs",
    "batch_size",
    "learning_rate",
)
# The arguments of helpers.tuning.train_variant that name a recipe.
RECIPE_KEYS = (
    "kind",
    "strength",
    "warmup_epochs",
    "dropout_rate",
    "augment",
    "weight_decay",
    "early_stopping_patience",
)


def variant_config(regime, runs, seeds):
    """Lesson 02's ``regime`` (a make_config dict) with ``seeds`` and the named recipes ``runs`` -> dict.

    ``runs``: ``{name: {train_variant argument: value}}``, e.g.
    ``{"dropout": {"dropout_rate": 0.5}, "dropout + L2": {"dropout_rate": 0.5, "kind": "l2", "strength": 0.01}}``.
    """
    missing = [key for key in REGIME_KEYS if key not in regime]
    if missing:
        raise ValueError(
            f"regime must be a helpers.experiment.make_config dict; it lacks {', '.join(missing)}"
        )
    if not isinstance(runs, dict) or not runs:
        raise ValueError(
            f"runs must be a non-empty dict {{name: {{train_variant argument: value}}}}, got {runs!r}"
        )
    for name, spec in runs.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"each run needs a non-empty name, got {name!r}")
        if not isinstance(spec, dict):
            raise TypeError(
                f"run {name!r}: expected a dict of train_variant arguments, got {spec!r}"
            )
        unknown = sorted(set(spec) - set(RECIPE_KEYS))
        if unknown:
            raise ValueError(
                f"run {name!r}: unknown argument(s) {', '.join(unknown)}; allowed: {', '.join(RECIPE_KEYS)}"
            )
    seeds = [check_positive_int("seed", seed, minimum=0) for seed in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(
            f"seeds must be a non-empty list of distinct integers >= 0, got {seeds}"
        )
    return {
        **{key: regime[key] for key in REGIME_KEYS},
        "seeds": seeds,
        "runs": {n: dict(s) for n, s in runs.items()},
    }


def variant_table(data, config):
    """Train every recipe of ``config`` (:func:`variant_config`) on every seed -> dict of arrays.

    Per (recipe, seed): test accuracy and data loss, training accuracy on the true labels, Σw²
    and max |w| over the kernels, epochs run. Only early stopping looks at the validation images
    while training (a recipe without it trains the same without them, in three quarters of the
    time); its validation data loss per epoch is kept, NaN after the stop and for the others.
    ``names`` and ``seeds`` label the axes.
    """
    import dataclasses

    from helpers.training import evaluate
    from helpers.tuning import train_variant
    from helpers.weights import kernels

    runs, seeds = config["runs"], config["seeds"]
    shape = (len(runs), len(seeds))
    table = {
        key: np.full(shape, np.nan)
        for key in (
            "test_accuracy",
            "test_data_loss",
            "train_true_accuracy",
            "kernel_sq_norm",
            "kernel_max_abs",
            "epochs_run",
        )
    }
    table["val_data_loss"] = np.full(shape + (config["epochs"],), np.nan)
    true_labels = data.y_train if data.y_train_true is None else data.y_train_true
    without_validation = dataclasses.replace(
        data, x_val=data.x_val[:0], y_val=data.y_val[:0]
    )
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
            table["test_accuracy"][i, j], table["test_data_loss"][i, j] = (
                test["accuracy"],
                test["data_loss"],
            )
            table["train_true_accuracy"][i, j] = evaluate(
                run.model, data.x_train, true_labels
            )["accuracy"]
            weights = [np.asarray(w, dtype=float) for w in kernels(run.model).values()]
            table["kernel_sq_norm"][i, j] = sum(
                float(np.square(w).sum()) for w in weights
            )
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
        raise KeyError(
            f"no recipe {recipe!r} in this table; there are: {', '.join(names)}"
        )
    if key not in table or key in ("names", "seeds"):
        per_recipe = sorted(k for k in table if k not in ("names", "seeds"))
        raise KeyError(
            f"no per-recipe values {key!r}; there are: {', '.join(per_recipe)}"
        )
    return np.asarray(table[key])[names.index(recipe)]


def early_stopping_epochs(val_losses, patience):
    """Where ``EarlyStopping(monitor=<this curve>, patience=patience, restore_best_weights=True)`` acts.

    Returns ``(epochs_run, restored)``, both counted from 1: how many epochs ``fit`` runs and
    whose weights the model ends with. No stop within the curve: ``epochs_run == len(val_losses)``.
    """
    losses = np.asarray(val_losses, dtype=float)
    if losses.ndim != 1 or losses.size == 0 or not np.isfinite(losses).all():
        raise ValueError(
            f"val_losses must be a non-empty 1-D sequence of finite numbers, got {val_losses!r}"
        )
    patience = check_positive_int("patience", patience, minimum=0)
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, loss in enumerate(losses):
        wait += 1
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1, best_epoch + 1
    return len(losses), best_epoch + 1
