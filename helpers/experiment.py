"""The course's experiment, shared by lessons 02-06 and the main job: the regime, the runs, their summary.

:func:`make_config` checks a configuration: the one place it is checked, so nothing below checks it again.
"""

import json
import math
import platform
import time
from dataclasses import asdict
from datetime import datetime, timezone
from importlib import metadata

import keras
import numpy as np

from helpers._data_files import DATASETS
from helpers._text import _, pad, width
from helpers._validation import check_choice, check_int, check_nonnegative, check_positive, check_share
from helpers.compare import paired_difference
from helpers.data import load_dataset, with_label_noise
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

    Strengths may be lists (a sweep); unless given, ``penalties`` (one per run) are each kind at each strength or pair.
    """
    config = dict(REGIME if base is None else base)
    unknown = set(changes) - set(REGIME) - {"penalties"}
    if unknown:
        raise ValueError(f"unknown configuration key(s) {sorted(unknown)}; allowed: {sorted({*REGIME, 'penalties'})}")
    config.update(changes)
    check_choice("dataset", config["dataset"], DATASETS)
    for name, minimum in {"n_train": 1, "n_val": 0, "n_test": 1, "split_seed": 0, "epochs": 1, "batch_size": 1}.items():
        if config[name] is not None or not name.startswith("n_"):  # n_train, n_val, n_test: None is the default
            check_int(name, config[name], minimum)
    config["label_noise"] = check_share("label_noise", config["label_noise"], "the share of wrong training labels")
    check_positive("learning_rate", config["learning_rate"])
    for name in ("l1_strength", "l2_strength"):
        config[name] = _strengths(name, config[name])
    config["seeds"] = [check_int("seed", seed, 0) for seed in config["seeds"]]
    if not config["seeds"] or len(set(config["seeds"])) != len(config["seeds"]):
        raise ValueError(f"seeds must be a non-empty list of distinct integers >= 0, got {config['seeds']}")
    config["kinds"] = list(config["kinds"])
    # A base's penalties stay only while nothing they follow from changes.
    follows = {"kinds", "l1_strength", "l2_strength"}
    if "penalties" not in changes and ("penalties" not in config or follows & set(changes)):
        config["penalties"] = [
            asdict(Penalty.of(kind, l1_strength=l1, l2_strength=l2))
            for kind in config["kinds"]
            for l1 in (np.atleast_1d(config["l1_strength"]).tolist() if "l1" in kind else [0.0])
            for l2 in (np.atleast_1d(config["l2_strength"]).tolist() if "l2" in kind else [0.0])
        ]
    config["penalties"] = [asdict(Penalty(**penalty)) for penalty in config["penalties"]]
    if not config["penalties"]:
        raise ValueError("kinds is empty: nothing to run")
    return config


def sweep_config(base, strengths_by_kind, seed=0):
    """``base`` with one run per strength of each kind, ``{"l2": [...], "l1": [...]}``, for one seed -> dict."""
    if not isinstance(strengths_by_kind, dict) or not strengths_by_kind:
        raise ValueError(f"strengths_by_kind must be a dict like {{'l2': [1e-3, 1e-2]}}, got {strengths_by_kind!r}")
    for kind in strengths_by_kind:
        check_choice("sweep kind", kind, ("l1", "l2"))
    penalties = [asdict(Penalty.of(kind, s)) for kind, strengths in strengths_by_kind.items() for s in strengths]
    return make_config(base, kinds=list(strengths_by_kind), seeds=[seed], penalties=penalties)


def experiment_data(config, path=None):
    """The data a configuration names: split, then its training labels made noisy -> helpers.data.Dataset."""
    split = {key: config[key] for key in ("n_train", "n_val", "n_test", "split_seed")}
    data = load_dataset(config["dataset"], path=path, **split)
    return with_label_noise(data, config["label_noise"], seed=config["split_seed"]) if config["label_noise"] else data


def run_experiment(config, data=None, log=None):
    """Train once per (penalty, seed) of a :func:`make_config` dict -> JSON-able results.

    All penalties of a seed train side by side in one fit (helpers.training.train_cnns); runs listed penalty by penalty.
    """
    data = data or experiment_data(config)
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    penalties = [Penalty(**p) for p in config["penalties"]]
    runs = [[] for _ in penalties]
    fit = {"num_epochs": config["epochs"], "batch_size": config["batch_size"], "learning_rate": config["learning_rate"]}
    for seed in config["seeds"]:
        progress = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs, seed=seed: log(
                _("[seed {seed}] epoch {epoch}/{epochs}, training data loss per penalty: ").format(
                    seed=seed, epoch=epoch + 1, epochs=config["epochs"]
                )
                + ", ".join(f"{logs[key]:.3f}" for key in logs if key.endswith("data_loss") and "val_" not in key)
            )
        )
        fit_clock = time.perf_counter()
        trained = train_cnns(data, penalties, seed=seed, callbacks=[progress] if log else None, **fit)
        seconds = round((time.perf_counter() - fit_clock) / len(penalties), 2)  # a shared fit's time, split evenly
        for penalty, run, listed in zip(penalties, trained, runs, strict=True):
            record = {**asdict(penalty), "kind": penalty.kind, "label": penalty.label, "seed": seed}
            record.update(train_seconds=seconds, history={k: v.tolist() for k, v in run.history.items()})
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
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "numpy": np.__version__,
            "mlxtend": metadata.version("mlxtend"),
        },
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - clock, 1),
        "runs": [record for listed in runs for record in listed],
    }


def published_experiment(name, config, log=print, borrowed=False):
    """:func:`run_experiment`'s results for ``config``, published (helpers.published): trained only when needed."""
    results = published_or_trained(
        name, config, lambda: {"results_json": np.array(json.dumps(run_experiment(config)))}, log=log, borrowed=borrowed
    )
    return json.loads(str(results["results_json"]))


def summarize(results):
    """One row per penalty, over its seeds -> list of dicts (means; test accuracy also its std and values).

    ``test_vs_first``: the first penalty's runs vs this one's, seed by seed, when both have the same 2+ seeds.
    """
    rows = {}
    for run in results["runs"]:
        rows.setdefault(run["label"], []).append(run)
    summary = []
    for label, runs in rows.items():
        test_accuracy = np.array([r["test"]["accuracy"] for r in runs])
        row = {
            "label": _(label),  # shown to a learner, in the lesson's language ("none")
            **{key: runs[0][key] for key in ("kind", "l1_strength", "l2_strength")},
            "seeds": [r["seed"] for r in runs],
            "test_accuracy_values": test_accuracy.tolist(),
            "test_accuracy_mean": float(test_accuracy.mean()),
            # The sample standard deviation (ddof=1): the spread expected from seed to seed.
            "test_accuracy_std": float(test_accuracy.std(ddof=1)) if len(runs) > 1 else math.nan,
        }
        for split in [s for s in ("train", "train_true", "test", "val") if s in runs[0]]:
            row |= {f"{split}_{m}": float(np.mean([r[split][m] for r in runs])) for m in ("accuracy", "data_loss")}
        if summary and summary[0]["seeds"] == row["seeds"] and len(row["seeds"]) > 1:
            row["test_vs_first"] = paired_difference(summary[0]["test_accuracy_values"], row["test_accuracy_values"])
        summary.append(row)
    return summary


def format_table(results):
    """An aligned text table of :func:`summarize`: accuracy and data loss per penalty, the gain over the first.

    With wrong labels, training accuracy against the given and the true ones: fitting the given is memorizing.
    """
    summary = summarize(results)
    noisy = "train_true_accuracy" in summary[0]
    train = _("train acc (given / true labels)") if noisy else _("train acc")
    versus = _("vs {label}").format(label=_(summary[0]["label"]))
    header = [_("penalty"), _("seeds"), train, _("test acc (mean ± std)"), versus, _("train data loss")]
    rows = [[*header, _("test data loss")]]
    for index, row in enumerate(summary):
        spread = f" ± {row['test_accuracy_std']:.4f}" if len(row["seeds"]) > 1 else _(" (1 seed)")
        points = 100 * (row["test_accuracy_mean"] - summary[0]["test_accuracy_mean"])
        versus = _("{points:+.1f} pt").format(points=points) if index else ""
        if "test_vs_first" in row:  # paired over the same seeds: with its standard error
            gain = row["test_vs_first"]
            versus = _("{points:+.1f} pt ± {se:.1f} (SE)").format(points=100 * gain.mean, se=100 * gain.standard_error)
        fitted = f"{row['train_accuracy']:.4f}" + (f" / {row['train_true_accuracy']:.4f}" if noisy else "")
        test, losses = f"{row['test_accuracy_mean']:.4f}{spread}", (row["train_data_loss"], row["test_data_loss"])
        rows.append([_(row["label"]), str(len(row["seeds"])), fitted, test, versus, *(f"{v:.4f}" for v in losses)])
    # The columns' widths in English, wider where a cell needs it (a Chinese character takes two columns).
    english = (20, 6, 32 if noisy else 11, 24, 28, 17, 16)
    widths = [max(w, *(width(r[i]) + (i > 0) for r in rows)) for i, w in enumerate(english)]
    lines = [
        "".join(pad(c, w, ">" if i else "<") for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows
    ]
    return "\n".join([lines[0], "-" * sum(widths), *lines[1:]])
