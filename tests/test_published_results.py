"""Every published result agrees with what the code computes today: one point of each is retrained here.

A lesson shows its published result on any machine whose configuration matches, so a published number
must not drift from the code. For each file in ``published/`` one point (one penalty or recipe, the
result's first seed) is retrained with the lesson's own training function and compared with the stored
numbers. Another CPU (or oneDNN capped at AVX2, as in CI) rounds differently in the last bits and
training carries a network about as far as another seed would, so each tolerance is 1.5x the largest
difference between two of seeds 0-3 in float32, rounded up, as printed by

    .venv/bin/python tools/seed_spread.py --seeds 4

which retrains these same points with the functions below (``POINTS``) on seeds 0-3, prints those gaps and
flags every tolerance tighter than 1.5x them. One tolerance is wider, and says why: lesson05_decay's test data loss.

``published/full_spec_fashion_mnist.json`` (lesson 02's full-size reference run) has no point here: it was
computed in bfloat16 (``python -m helpers --bfloat16``, on a CPU with AVX512-BF16), which neither a float32
seed spread nor CI's AVX2 reproduces, and a single epoch of its 60,000 images would take minutes of the budget.
"""

import json

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from helpers.experiment import experiment_data, make_config, run_experiment
from helpers.lesson02_cnn_penalties import stopping_study
from helpers.lesson03_weights_and_sparsity import kept_kernels, run_weight_sweep, train_models
from helpers.lesson04_choosing_lambda import training_subset
from helpers.lesson05_other_regularizers import recipe_row, variant_table
from helpers.lesson06_structured_sparsity import run_from_scratch, run_group_lasso_sweep, run_pruning_study
from helpers.penalties import Penalty
from helpers.published import PUBLISHED_DIR, _read
from helpers.training import early_stopping_epochs, train_cnns

pytestmark = pytest.mark.slow


def published(name):
    """``(arrays, configuration)`` of a published result, read as a lesson reads it (checksum, name)."""
    arrays, record = _read(PUBLISHED_DIR / f"{name}.npz", name)
    return arrays, record["key"]["config"]


def _experiment_point(arrays, config, penalty, seed):
    fresh = run_experiment(make_config(config, penalties=[penalty], seeds=[seed]))["runs"][0]
    stored = next(
        run
        for run in json.loads(str(arrays["results_json"]))["runs"]
        if (run["l1_strength"], run["l2_strength"], run["seed"])
        == (penalty["l1_strength"], penalty["l2_strength"], config["seeds"][0])
    )

    def values(run):
        # The last five epochs' mean: single epochs scatter too much from seed to seed to test anything.
        found = {
            "test accuracy": run["test"]["accuracy"],
            "val data loss, last 5": np.mean(run["history"]["val_data_loss"][-5:]),
        }
        if "train_true" in run:  # with wrong labels: the training images it gets right by their true label
            found["train accuracy, true labels"] = run["train_true"]["accuracy"]
        return found

    return values(fresh), values(stored)


def lesson02_noisy(arrays, config, seed):
    """L2(0.01) with 40 % wrong labels: the payoff."""
    return _experiment_point(arrays, config, {"l1_strength": 0.0, "l2_strength": 0.01}, seed)


def lesson02_clean(arrays, config, seed):
    """No penalty on clean labels: the honest negative's baseline."""
    return _experiment_point(arrays, config, {"l1_strength": 0.0, "l2_strength": 0.0}, seed)


def lesson02_sweep(arrays, config, seed):
    """L1(3e-4), the sweep's best L1 on validation."""
    return _experiment_point(arrays, config, {"l1_strength": 0.0003, "l2_strength": 0.0}, seed)


def lesson02_stopping(arrays, config, seed):
    """The early-stopping study's three networks on its first seed: after 20 epochs, and none stopped early."""
    fresh = stopping_study(make_config(config, seeds=[seed]), config["monitor_size"])

    def values(study, column):
        kept = early_stopping_epochs(study["monitor_accuracy"][0, column], 5, mode="max")[1]
        return {
            "test accuracy after 20 epochs": study["test_accuracy"][:, column, -1],
            "none, early-stopped test accuracy": study["test_accuracy"][0, column, kept - 1],
            "none, wrong labels reproduced after 20 epochs": study["wrong_fitted"][0, column, -1],
            "sum of w² after 20 epochs": study["sq_norm"][:, column, -1],
        }

    return values(fresh, 0), values(arrays, 0)


def lesson03_weight_sweep(arrays, config, seed):
    """L1(0.001) beside the unpenalized network (the sweep always trains it): accuracy, norms, sparsity."""
    fresh = run_weight_sweep(make_config(config["regime"], seeds=[seed]), {"l1": [0.001]})

    def values(sweep):
        none = int(np.flatnonzero(sweep["kind"] == "none")[0])
        l1 = int(np.flatnonzero((sweep["kind"] == "l1") & np.isclose(sweep["strength"], 0.001))[0])
        return {
            "no penalty test accuracy": sweep["test_accuracy"][none],
            "L1(0.001) test accuracy": sweep["test_accuracy"][l1],
            "L1(0.001) norm per layer": sweep["norms"][l1],  # then all kernels together
            "L1(0.001) all kernels, fraction |w| < 1e-2 .. 1e-6, = 0": sweep["sparsity"][l1, -1],
        }

    return values(fresh), values(arrays)


def lesson03_models(arrays, config, seed):
    """The proximal-L1 network (Adam's per-weight threshold): accuracy, exact zeros and norm per layer."""
    fresh = train_models(make_config(config["regime"], seeds=[seed]), {"proximal": config["specs"]["proximal"]})

    def values(models):
        kernels = kept_kernels(models)["proximal"]
        return {
            "test accuracy": models["test_accuracy"][models["names"].tolist().index("proximal")],
            "exact zeros per layer": [np.mean(kernel == 0) for kernel in kernels.values()],
            "norm per layer": [np.linalg.norm(kernel) for kernel in kernels.values()],
        }

    return values(fresh), values(arrays)


def lesson04_cv_grid(arrays, config, seed):
    """L2(0.01) trained on the first fold, as the lesson's loop does: scored on the held-out fold and on test."""
    regime = make_config(config["regime"])
    data = experiment_data(regime)
    folds = StratifiedKFold(n_splits=config["folds"], shuffle=True, random_state=config["fold_seed"])
    fit_on, score_on = next(iter(folds.split(data.x_train, data.y_train)))
    settings = {key: regime[key] for key in ("batch_size", "learning_rate")}
    (run,) = train_cnns(
        training_subset(data, fit_on), [Penalty(l2_strength=0.01)], seed=seed, num_epochs=regime["epochs"], **settings
    )

    def accuracy(images, labels):  # as the lesson scores: the share of argmax predictions equal to the labels
        return float(np.mean(run.model.predict(images, batch_size=1000, verbose=0).argmax(axis=1) == labels))

    fresh = {
        "fold 1 score, given labels": accuracy(data.x_train[score_on], data.y_train[score_on]),
        "fold 1 score, true labels": accuracy(data.x_train[score_on], data.y_train_true[score_on]),
        "test accuracy": accuracy(data.x_test, data.y_test),
    }
    row = config["l2_grid"].index(0.01)
    stored = dict(zip(fresh, (arrays[part][row, 0] for part in ("given", "true", "test")), strict=True))
    return fresh, stored


def _recipe_point(arrays, config, name, seed):
    """One recipe of a lesson 05 table retrained on ``seed`` (variant_table), beside its stored first seed."""
    fresh = variant_table(experiment_data(config), {**config, "seeds": [seed], "runs": {name: config["runs"][name]}})
    column = arrays["seeds"].tolist().index(config["seeds"][0])
    keys = ("test_accuracy", "test_data_loss", "train_true_accuracy", "kernel_sq_norm")  # as RECIPE_VALUES names them
    return tuple(
        {quantity: recipe_row(table, name, key)[index] for quantity, key in zip(RECIPE_VALUES, keys, strict=True)}
        for table, index in ((fresh, 0), (arrays, column))
    )


def lesson05_combinations(arrays, config, seed):
    """Early stopping: the recipe that watches the validation images (and the table's cheapest)."""
    return _recipe_point(arrays, config, "early stopping", seed)


def lesson05_decay(arrays, config, seed):
    """Adam with decoupled weight_decay=3, biases excluded."""
    return _recipe_point(arrays, config, "Adam, weight_decay=3", seed)


def lesson05_warmup(arrays, config, seed):
    """L2(0.01) warmed up from 0 over the first 10 epochs."""
    return _recipe_point(arrays, config, "L2 warm-up", seed)


def _group_lasso_point(arrays, config, strength, seed, fine_tune=True):
    """One strength of a lesson 06 group-lasso sweep: units kept, accuracy as trained, and (``fine_tune``) after
    narrowing and fine-tuning; the dense model the sweep compares with, alike."""
    epochs, rate = config["fine_tune"] if fine_tune else (0, config["fine_tune"][1])
    regime = make_config(config["regime"], seeds=[seed])
    fresh = run_group_lasso_sweep(regime, [strength], config["weighting"], epochs, rate, keep_weights=False)

    def values(sweep, index):
        found = {
            "units kept per layer": sweep["kept"][index, 0],
            "test accuracy, trained": sweep["test_accuracy"][index, 0],
            "dense model, test accuracy": sweep["dense_test_accuracy"][0],
        }
        if fine_tune:
            found["test accuracy, narrowed and fine-tuned"] = sweep["tuned_test_accuracy"][index, 0]
            found["dense model, fine-tuned"] = sweep["dense_tuned_test_accuracy"][0]
        return found

    return values(fresh, 0), values(arrays, config["strengths"].index(strength))


def lesson06_group_lasso(arrays, config, seed):
    """Cost-weighted group lasso at λ = 0.3, the lesson's narrowing example, narrowed and fine-tuned."""
    return _group_lasso_point(arrays, config, 0.3, seed)


def lesson06_group_lasso_size(arrays, config, seed):
    """Group lasso with √size weights at λ = 0.2, as trained: what differs from the cost-weighted sweep.

    Not fine-tuned (the values compared come before it; lesson06_group_lasso's point fine-tunes): 40 % less time.
    """
    return _group_lasso_point(arrays, config, 0.2, seed, fine_tune=False)


def lesson06_from_scratch(arrays, config, seed):
    """The sweep's narrowest widths (λ = 0.6, the first seed's) trained from scratch: the cheapest of its trainings."""
    fresh = run_from_scratch(
        make_config(config["regime"], seeds=[seed]), np.array(config["widths"])[-1:, :1], config["epochs"]
    )
    return {"test accuracy": fresh["test_accuracy"][0, 0]}, {"test accuracy": arrays["test_accuracy"][-1, 0]}


def lesson06_pruning(arrays, config, seed):
    """The L1-trained network pruned to 50 % (accuracy before and after fine-tuning) and 90 % (after).

    Right after pruning to 90 % seeds 0-3 lie 0.40 apart (a network breaks down or not): 1.5x that could not fail.
    """
    shares = [0.5, 0.9]
    penalty = {"l1": Penalty(*config["penalties"]["l1"])}
    fresh = run_pruning_study(make_config(config["regime"], seeds=[seed]), penalty, shares, *config["fine_tune"])
    row, columns = arrays["names"].tolist().index("l1"), [config["sparsities"].index(s) for s in shares]

    def values(study, p, columns):
        return {
            "unpruned accuracy": study["unpruned_accuracy"][p, 0],
            "pruned to 50%, accuracy": study["pruned_accuracy"][p, 0, columns[0]],
            "pruned to 50%, fine-tuned": study["tuned_accuracy"][p, 0, columns[0]],
            "pruned to 90%, fine-tuned": study["tuned_accuracy"][p, 0, columns[1]],
        }

    return values(fresh, 0, [0, 1]), values(arrays, row, columns)


# 1.5x the largest gap between two of seeds 0-3, rounded up (module docstring); relative for the RELATIVE quantities.
RECIPE_VALUES = ("test accuracy", "test data loss", "train accuracy, true labels", "sum of w² (kernels)")
TOLERANCES = {
    "lesson02_noisy": {"test accuracy": 0.065, "val data loss, last 5": 0.23, "train accuracy, true labels": 0.086},
    "lesson02_clean": {"test accuracy": 0.027, "val data loss, last 5": 0.58},
    "lesson02_sweep": {"test accuracy": 0.066, "val data loss, last 5": 0.2, "train accuracy, true labels": 0.11},
    # From the published file's own seeds 0-3 (float32): 1.5x their largest gap, as for the others.
    "lesson02_stopping": {
        "test accuracy after 20 epochs": 0.111,
        "none, early-stopped test accuracy": 0.048,
        "none, wrong labels reproduced after 20 epochs": 0.098,
        "sum of w² after 20 epochs": 0.124,
    },
    "lesson03_weight_sweep": {
        "no penalty test accuracy": 0.12,
        "L1(0.001) test accuracy": 0.031,
        "L1(0.001) norm per layer": 0.28,
        "L1(0.001) all kernels, fraction |w| < 1e-2 .. 1e-6, = 0": 0.068,
    },
    "lesson03_models": {"test accuracy": 0.041, "exact zeros per layer": 0.21, "norm per layer": 0.33},
    "lesson04_cv_grid": {
        "fold 1 score, given labels": 0.05,
        "fold 1 score, true labels": 0.054,
        "test accuracy": 0.056,
    },
    "lesson05_combinations": dict(zip(RECIPE_VALUES, (0.022, 0.097, 0.079, 0.13), strict=True)),
    # Its test data loss: seeds 0-3 here lie 0.045 apart, but the published file's own seeds 0-2 lie 0.149 apart
    # (float32, the publishing machine), and AVX2 puts seed 0 0.086 from the published one: four seeds
    # underestimate this value's spread, so it takes 1.5x the published seeds' gap.
    "lesson05_decay": dict(zip(RECIPE_VALUES, (0.032, 0.23, 0.071, 0.1), strict=True)),
    "lesson05_warmup": dict(zip(RECIPE_VALUES, (0.032, 0.11, 0.04, 0.13), strict=True)),
    "lesson06_group_lasso": {
        "units kept per layer": 0.84,  # conv2 keeps 17-25 filters, depending on the seed
        "test accuracy, trained": 0.008,
        "dense model, test accuracy": 0.02,
        "test accuracy, narrowed and fine-tuned": 0.014,
        "dense model, fine-tuned": 0.014,
    },
    "lesson06_group_lasso_size": {
        "units kept per layer": 0.76,
        "test accuracy, trained": 0.097,
        "dense model, test accuracy": 0.02,
    },
    "lesson06_from_scratch": {"test accuracy": 0.02},  # the published seeds at λ = 0.6: 0.960, 0.950, 0.948
    "lesson06_pruning": {
        "unpruned accuracy": 0.008,
        "pruned to 50%, accuracy": 0.04,
        "pruned to 50%, fine-tuned": 0.014,
        "pruned to 90%, fine-tuned": 0.3,
    },
}
RELATIVE = {
    "val data loss, last 5",
    "sum of w² after 20 epochs",
    "test data loss",
    "norm per layer",
    "L1(0.001) norm per layer",
    "sum of w² (kernels)",
    "units kept per layer",
}
POINTS = {name: globals()[name] for name in TOLERANCES}


def test_every_published_result_has_a_retrained_point():
    assert {path.stem for path in PUBLISHED_DIR.glob("*.npz")} == set(POINTS)


def check_retrained_point(name):
    arrays, config = published(name)
    seed = (config.get("seeds") or config["regime"]["seeds"])[0]  # the result's first seed
    fresh, stored = POINTS[name](arrays, config, seed)
    assert set(fresh) == set(stored) == set(TOLERANCES[name])
    for quantity, tolerance in TOLERANCES[name].items():
        np.testing.assert_allclose(
            np.asarray(fresh[quantity], float),
            np.asarray(stored[quantity], float),
            **({"rtol": tolerance} if quantity in RELATIVE else {"atol": tolerance, "rtol": 0}),
            err_msg=f"{name}: {quantity}, retrained (actual) vs published (desired), seed {seed}",
        )


# pytest-xdist (--dist loadscope) gives each class to one worker: four classes of minutes each, which the two workers
# share with the browser tests about evenly. Lesson 06's narrowing example, by far the longest point, is one alone.
class TestLesson02:
    @pytest.mark.parametrize("name", [n for n in POINTS if n.startswith("lesson02")])
    def test_a_retrained_point_matches_the_published_result(self, name):
        check_retrained_point(name)


class TestLesson06:
    @pytest.mark.parametrize("name", [n for n in POINTS if n.startswith("lesson06") and n != "lesson06_group_lasso"])
    def test_a_retrained_point_matches_the_published_result(self, name):
        check_retrained_point(name)


class TestLesson06NarrowingExample:
    def test_a_retrained_point_matches_the_published_result(self):
        check_retrained_point("lesson06_group_lasso")


class TestLessons03To05:
    @pytest.mark.parametrize("name", [n for n in POINTS if not n.startswith(("lesson02", "lesson06"))])  # the rest
    def test_a_retrained_point_matches_the_published_result(self, name):
        check_retrained_point(name)
