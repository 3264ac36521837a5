"""The course's experiment, shared by lessons 02-06 and the main job: the regime, the runs, their summary.

:data:`REGIME` is where a penalty pays (lesson 02): 1,000 training images, 40 % of their labels wrong,
20 epochs. :func:`make_config` checks a configuration (the one place it is checked),
:func:`experiment_data` loads what it names, :func:`run_experiment` trains the seed's CNN once per
(penalty, seed) and returns plain JSON-able results, :func:`summarize` and :func:`format_table`
reduce them, and :func:`published_experiment` shows a lesson's published results of it.
"""

import json
import math
import platform
import time
from dataclasses import asdict
from datetime import datetime, timezone

import keras
import numpy as np

from helpers._validation import check_choice, check_int, check_nonnegative, check_positive, check_share
from helpers.compare import paired_difference
from helpers.data import DATASETS, load_dataset, with_label_noise
from helpers.penalties import Penalty
from helpers.published import published_or_trained
from helpers.training import evaluate, train_cnns

__all__ = [
    "LAMBDA_GRID",
    "REGIME",
    "experiment_data",
    "format_table",
    "make_config",
    "published_experiment",
    "run_experiment",
    "summarize",
    "sweep_config",
]

# Without a penalty the CNN memorizes the wrong labels and its test accuracy falls; L2(0.01) or L1(0.001)
# keep it from fitting them (lesson 02, five seeds). Both are ten times the seed text's L2 of 0.001.
REGIME = {
    "dataset": "mnist-5k",
    "n_train": 1000,
    "n_val": None,  # None: the source's default (1,000 for mnist-5k)
    "n_test": None,
    "split_seed": 0,
    "label_noise": 0.4,  # the share of training labels replaced by another class (helpers.data.with_label_noise)
    "epochs": 20,
    "batch_size": 64,
    "learning_rate": 1e-3,
    "kinds": ["none", "l1", "l2", "l1_l2"],
    "l1_strength": 1e-3,
    "l2_strength": 1e-2,
    "seeds": [0],
}
# Lesson 02's λ sweep, half a decade apart (L2 from the seed text's 0.001 up); lessons 03 and 04 reuse its runs.
LAMBDA_GRID = {"l2": (0.001, 0.003, 0.01, 0.03, 0.1), "l1": (0.0001, 0.0003, 0.001, 0.003, 0.01)}


def _strengths(name, value):
    if not isinstance(value, (list, tuple)):
        return check_nonnegative(name, value)
    values = [check_nonnegative(name, v) for v in value]
    if not values or len(set(values)) != len(values):
        raise ValueError(f"{name} must be a number >= 0 or a non-empty list of distinct ones, got {value!r}")
    return values


def make_config(base=None, **changes):
    """A checked copy of ``base`` (default :data:`REGIME`) with ``changes`` -> dict.

    ``l1_strength`` and ``l2_strength`` may be lists (a sweep). ``penalties`` (one ``{"l1_strength",
    "l2_strength"}`` per run) follows ``kinds`` and the strengths: kind l1 once per L1 strength, l2
    once per L2 strength, l1_l2 once per pair; unless given.
    """
    config = dict(REGIME if base is None else base)
    unknown = set(changes) - set(REGIME) - {"penalties"}
    if unknown:
        raise ValueError(f"unknown configuration key(s) {sorted(unknown)}; allowed: {sorted({*REGIME, 'penalties'})}")
    config.update(changes)
    check_choice("dataset", config["dataset"], DATASETS)
    for name, minimum in (("n_train", 1), ("n_val", 0), ("n_test", 1)):
        if config[name] is not None:
            check_int(name, config[name], minimum)
    check_int("split_seed", config["split_seed"], 0)
    config["label_noise"] = check_share("label_noise", config["label_noise"], "the share of wrong training labels")
    check_int("epochs", config["epochs"], 1)
    check_int("batch_size", config["batch_size"], 1)
    check_positive("learning_rate", config["learning_rate"])
    for name in ("l1_strength", "l2_strength"):
        config[name] = _strengths(name, config[name])
    config["seeds"] = [check_int("seed", seed, 0) for seed in config["seeds"]]
    if not config["seeds"] or len(set(config["seeds"])) != len(config["seeds"]):
        raise ValueError(f"seeds must be a non-empty list of distinct integers >= 0, got {config['seeds']}")
    config["kinds"] = list(config["kinds"])
    # A base's penalties stay only while nothing they follow from changes.
    if "penalties" not in changes and (
        "penalties" not in config or {"kinds", "l1_strength", "l2_strength"} & set(changes)
    ):
        strengths = {
            name: config[name] if isinstance(config[name], list) else [config[name]]
            for name in ("l1_strength", "l2_strength")
        }
        config["penalties"] = [
            asdict(Penalty.of(kind, l1_strength=l1, l2_strength=l2))
            for kind in config["kinds"]
            for l1 in (strengths["l1_strength"] if "l1" in kind else [0.0])
            for l2 in (strengths["l2_strength"] if "l2" in kind else [0.0])
        ]
    config["penalties"] = [asdict(Penalty(**penalty)) for penalty in config["penalties"]]
    if not config["penalties"]:
        raise ValueError("kinds is empty: nothing to run")
    return config


def sweep_config(base, strengths_by_kind, seed=0):
    """``base`` with one run per strength of each kind, ``{"l2": [...], "l1": [...]}``, for one seed -> dict."""
    if not isinstance(strengths_by_kind, dict) or not strengths_by_kind:
        raise ValueError(f"strengths_by_kind must be a dict like {{'l2': [1e-3, 1e-2]}}, got {strengths_by_kind!r}")
    penalties = [
        asdict(Penalty.of(check_choice("sweep kind", kind, ("l1", "l2")), check_positive("strength", strength)))
        for kind, strengths in strengths_by_kind.items()
        for strength in strengths
    ]
    return make_config(base, kinds=list(strengths_by_kind), seeds=[seed], penalties=penalties)


def experiment_data(config, path=None):
    """The data a configuration names: split, then its training labels made noisy -> helpers.data.Dataset."""
    data = load_dataset(
        config["dataset"],
        n_train=config["n_train"],
        n_val=config["n_val"],
        n_test=config["n_test"],
        split_seed=config["split_seed"],
        path=path,
    )
    return with_label_noise(data, config["label_noise"], seed=config["split_seed"]) if config["label_noise"] else data


def run_experiment(config, data=None, log=None):
    """Train once per (penalty, seed) of a :func:`make_config` dict -> JSON-able results.

    All penalties of a seed train side by side in one fit (helpers.training.train_cnns). Each run has its
    per-epoch history and, after training, accuracy and data loss on the whole training set (and
    ``train_true``, against the true labels when some were made wrong), validation and test sets.
    ``log`` gets a progress line per epoch. Runs are listed penalty by penalty, seeds inside.
    """
    data = data or experiment_data(config)
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    penalties = [Penalty(**p) for p in config["penalties"]]
    runs = [[] for _ in penalties]
    for seed in config["seeds"]:
        progress = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs, seed=seed: log(
                f"[seed {seed}] epoch {epoch + 1}/{config['epochs']}, training data loss per penalty: "
                + ", ".join(f"{logs[key]:.3f}" for key in logs if key.endswith("data_loss") and "val_" not in key)
            )
        )
        fit_clock = time.perf_counter()
        trained = train_cnns(
            data,
            penalties,
            num_epochs=config["epochs"],
            batch_size=config["batch_size"],
            seed=seed,
            learning_rate=config["learning_rate"],
            callbacks=[progress] if log else None,
        )
        seconds = round((time.perf_counter() - fit_clock) / len(penalties), 2)  # a shared fit's time, split evenly
        for penalty, run, listed in zip(penalties, trained, runs, strict=True):
            record = {**asdict(penalty), "kind": penalty.kind, "label": penalty.label, "seed": seed}
            record["train_seconds"] = seconds
            record["history"] = {name: values.tolist() for name, values in run.history.items()}
            record["train"] = evaluate(run.model, data.x_train, data.y_train)
            if data.y_train_true is not None:  # how many training images it gets right by their true label
                record["train_true"] = evaluate(run.model, data.x_train, data.y_train_true)
            record["test"] = evaluate(run.model, data.x_test, data.y_test)
            if len(data.y_val):
                record["val"] = evaluate(run.model, data.x_val, data.y_val)
            listed.append(record)
    return {
        "config": config,
        "data": {"name": data.name, "source": data.source, "split": data.split, "summary": data.summary()},
        "versions": {"python": platform.python_version(), "keras": keras.__version__, "numpy": np.__version__},
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - clock, 1),
        "runs": [record for listed in runs for record in listed],
    }


def published_experiment(name, config, log=print, borrowed=False):
    """:func:`run_experiment`'s results for ``config``, published (helpers.published): trained only when needed."""

    def train():
        return {"results_json": np.array(json.dumps(run_experiment(config)))}

    return json.loads(str(published_or_trained(name, config, train, log=log, borrowed=borrowed)["results_json"]))


def summarize(results):
    """One row per penalty, over its seeds -> list of dicts (means; test accuracy also its std and values).

    ``test_vs_first``: the first penalty's runs (usually none) compared with this one's, seed by seed
    (helpers.compare.paired_difference), when both have the same two or more seeds.
    """
    rows = {}
    for run in results["runs"]:
        rows.setdefault(run["label"], []).append(run)
    summary = []
    for label, runs in rows.items():
        test_accuracy = np.array([r["test"]["accuracy"] for r in runs])
        row = {
            "label": label,
            "kind": runs[0]["kind"],
            "l1_strength": runs[0]["l1_strength"],
            "l2_strength": runs[0]["l2_strength"],
            "seeds": [r["seed"] for r in runs],
            "test_accuracy_values": test_accuracy.tolist(),
            "test_accuracy_mean": float(test_accuracy.mean()),
            # The sample standard deviation (ddof=1): the spread expected from seed to seed.
            "test_accuracy_std": float(test_accuracy.std(ddof=1)) if len(runs) > 1 else math.nan,
        }
        for split in ("train", "train_true", "test", "val"):
            for metric in ("accuracy", "data_loss"):
                if split in runs[0]:
                    row[f"{split}_{metric}"] = float(np.mean([r[split][metric] for r in runs]))
        row["gap_accuracy"] = row["train_accuracy"] - row["test_accuracy"]
        row["gap_data_loss"] = row["test_data_loss"] - row["train_data_loss"]
        if summary and summary[0]["seeds"] == row["seeds"] and len(row["seeds"]) > 1:
            row["test_vs_first"] = paired_difference(summary[0]["test_accuracy_values"], row["test_accuracy_values"])
        summary.append(row)
    return summary


def format_table(results):
    """An aligned text table of :func:`summarize`: accuracy and data loss per penalty, the gain over the first.

    With wrong training labels, training accuracy is shown against the given (partly wrong) labels and
    against the true ones: fitting the given labels is memorizing the mistakes.
    """
    summary = summarize(results)
    noisy = "train_true_accuracy" in summary[0]
    train = f"{'train acc (given / true labels)':>32}" if noisy else f"{'train acc':>11}"
    header = (
        f"{'penalty':<20}{'seeds':>6}{train}{'test acc (mean ± std)':>24}{'vs ' + summary[0]['label']:>28}"
        f"{'train data loss':>17}{'test data loss':>16}"
    )
    lines = [header, "-" * len(header)]
    for index, row in enumerate(summary):
        spread = f" ± {row['test_accuracy_std']:.4f}" if len(row["seeds"]) > 1 else " (1 seed)"
        if index == 0:
            versus = ""
        elif "test_vs_first" in row:
            versus = f"{100 * row['test_vs_first'].mean:+.1f} pt ± {100 * row['test_vs_first'].standard_error:.1f} (SE)"
        else:
            versus = f"{100 * (row['test_accuracy_mean'] - summary[0]['test_accuracy_mean']):+.1f} pt"
        fitted = f"{row['train_accuracy']:.4f}" + (f" / {row['train_true_accuracy']:.4f}" if noisy else "")
        test = f"{row['test_accuracy_mean']:.4f}{spread}"
        lines.append(
            f"{row['label']:<20}{len(row['seeds']):>6}{fitted:>{len(train)}}{test:>24}{versus:>28}"
            f"{row['train_data_loss']:>17.4f}{row['test_data_loss']:>16.4f}"
        )
    return "\n".join(lines)
