"""Lesson 02's experiment: the seed's CNN with and without a penalty, in the regime where a penalty pays.

One code path for the lesson and the main job (``python -m helpers.experiment``):
:func:`make_config` checks a configuration, :func:`run_experiment` trains the seed
text's CNN once per (penalty, seed) (all penalties of a seed side by side in one fit,
helpers.internal.side_by_side) and returns plain JSON-able results,
:func:`summarize` / :func:`format_table` reduce them, :func:`cached_results` shows the
published ones, and the figures (learning curves, test accuracy, the λ sweep and its
slider) are drawn from them. Lessons 03-05 read lesson 02's runs through
:func:`make_config` and :func:`cached_results`, so the lessons share one regime.
"""

import hashlib
import json
import math
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers.compare import paired_difference
from helpers.data import DATASETS, load_dataset, with_label_noise
from helpers.internal.runtime import arithmetic_platform, hardware, numeric_settings
from helpers.internal.side_by_side import train_cnns
from helpers.internal.store import library_versions
from helpers.internal.validation import (
    check_choice,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
)
from helpers.penalties import Penalty, as_penalty
from helpers.plotting import penalty_style
from helpers.published import published_or_trained
from helpers.training import evaluate
from helpers.widgets import nearest_index

__all__ = [
    "FULL_SPEC_CONFIG",
    "OVERFIT_CONFIG",
    "REFERENCE_DIR",
    "cached_results",
    "choose_strength",
    "config_hash",
    "draw_sweep_point",
    "experiment_data",
    "experiment_results",
    "format_table",
    "load_results",
    "make_config",
    "plot_learning_curves",
    "plot_sweep",
    "plot_test_accuracy",
    "run_experiment",
    "run_trial",
    "summarize",
    "sweep_config",
    "sweep_figure",
    "sweep_point",
]

# Published results of long runs of the main job (the full-size spec), results.json files with their
# provenance inside; beside the lessons' published results (helpers.published).
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "published"

# The course's regime (the default), where a penalty pays: 1,000 training images, 40 % of their
# labels wrong, 20 epochs. Without a penalty the CNN memorizes the wrong labels and its test
# accuracy falls; L2(0.01) or L1(0.001) keep it from fitting them (measured over 5 seeds: about
# +15 points each, lesson 02). The strengths are ten times the seed's 0.001: that is too weak here.
OVERFIT_CONFIG = {
    "dataset": "mnist-5k",
    "n_train": 1000,
    "n_val": None,  # None: the source's default (1,000 for mnist-5k)
    "n_test": None,
    "split_seed": 0,
    "label_noise": 0.4,  # share of training labels replaced by another class (helpers.data.with_label_noise)
    "epochs": 20,
    "batch_size": 64,
    "learning_rate": 1e-3,
    "kinds": ["none", "l1", "l2", "l1_l2"],
    "l1_strength": 1e-3,
    "l2_strength": 1e-2,
    "seeds": [0],
}

# The seed text's spec: all 60,000 training images (no validation split), 5 epochs, batch 64,
# L2 = 0.001. It names no L1 strength; 1e-4 is ours (a penalty of the same order at initialization).
FULL_SPEC_CONFIG = {
    **OVERFIT_CONFIG,
    "dataset": "mnist",
    "n_train": None,
    "n_val": 0,
    "label_noise": 0.0,
    "epochs": 5,
    "l1_strength": 1e-4,
    "l2_strength": 1e-3,
}


def make_config(base=None, **changes):
    """A checked copy of ``base`` (default :data:`OVERFIT_CONFIG`) with ``changes`` applied -> dict.

    Adds ``penalties``: one ``{"l1_strength", "l2_strength"}`` per run, unless given.
    """
    config = dict(OVERFIT_CONFIG if base is None else base)
    unknown = set(changes) - set(OVERFIT_CONFIG) - {"penalties"}
    if unknown:
        allowed = ", ".join(sorted({*OVERFIT_CONFIG, "penalties"}))
        raise ValueError(f"unknown configuration key(s): {', '.join(sorted(unknown))}; allowed: {allowed}")
    config.update(changes)
    check_choice("dataset", config["dataset"], DATASETS)
    for name, minimum in (("n_train", 1), ("n_val", 0), ("n_test", 1)):
        if config[name] is not None:
            check_positive_int(name, config[name], minimum=minimum)
    check_positive_int("split_seed", config["split_seed"], minimum=0)
    config["label_noise"] = check_probability(
        "label_noise", config.setdefault("label_noise", 0.0), "the share of wrong training labels"
    )  # results made before label noise existed had none
    check_positive_int("epochs", config["epochs"])
    check_positive_int("batch_size", config["batch_size"])
    check_positive("learning_rate", config["learning_rate"])
    for name in ("l1_strength", "l2_strength"):  # a number, or a list of them: a sweep (one run per strength)
        config[name] = _strengths(name, config[name])
    config["seeds"] = [check_positive_int("seed", s, minimum=0) for s in config["seeds"]]
    if not config["seeds"] or len(set(config["seeds"])) != len(config["seeds"]):
        raise ValueError(f"seeds must be a non-empty list of distinct integers >= 0, got {config['seeds']}")
    config["kinds"] = list(config["kinds"])
    # Penalties follow kinds and strengths unless given explicitly (a sweep) and left alone since.
    keep = "penalties" in changes or (
        "penalties" in config and not {"kinds", "l1_strength", "l2_strength"} & set(changes)
    )
    if not keep:
        config["penalties"] = [penalty.__dict__ for penalty in _penalties_of(config)]
    if not config["penalties"]:
        raise ValueError("kinds is empty: nothing to run")
    config["penalties"] = [dict(Penalty(**p).__dict__) for p in config["penalties"]]  # validates each
    return config


def _strengths(name, value):
    """A checked strength, or a non-empty list of distinct ones (kept a list)."""
    if not isinstance(value, (list, tuple)):
        return check_nonnegative(name, value)
    values = [check_nonnegative(name, v) for v in value]
    if not values or len(set(values)) != len(values):
        raise ValueError(f"{name} must be a number >= 0 or a non-empty list of distinct ones, got {value!r}")
    return values


def _penalties_of(config):
    """One penalty per kind and strength: l1 once per L1 strength, l2 once per L2 strength, l1_l2 once per pair."""
    as_list = {
        name: config[name] if isinstance(config[name], list) else [config[name]]
        for name in ("l1_strength", "l2_strength")
    }
    penalties = []
    for kind in config["kinds"]:
        l1s = as_list["l1_strength"] if kind in ("l1", "l1_l2") else [0.0]
        l2s = as_list["l2_strength"] if kind in ("l2", "l1_l2") else [0.0]
        penalties += [Penalty.of(kind, l1_strength=l1, l2_strength=l2) for l1 in l1s for l2 in l2s]
    return penalties


def sweep_config(base, strengths_by_kind, seed=0):
    """``base`` with one run per strength of each kind, for one seed -> dict.

    ``strengths_by_kind``: ``{"l1": [...], "l2": [...]}`` (either or both). All runs
    train side by side in one fit (see :func:`run_experiment`).
    """
    if not isinstance(strengths_by_kind, dict) or not strengths_by_kind:
        raise ValueError(f"strengths_by_kind must be a dict like {{'l2': [1e-3, 1e-2]}}, got {strengths_by_kind!r}")
    penalties = []
    for kind, strengths in strengths_by_kind.items():
        check_choice("sweep kind", kind, ("l1", "l2"))
        if not strengths:
            raise ValueError(f"{kind} strengths must be a non-empty list of numbers > 0, got {strengths}")
        penalties += [Penalty.of(kind, check_positive("strength", s)).__dict__ for s in strengths]
    return make_config(base, kinds=list(strengths_by_kind), seeds=[seed], penalties=penalties)


def config_hash(config):
    """Eight hex digits that identify a configuration (for folder and cache names)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]


def _progress_callback(label, labels, epochs, log, every=1):
    """A Keras callback for :func:`helpers.training.train_cnns` that logs every ``every`` epochs and the last.

    One line per epoch: each model's training and validation data loss / accuracy.
    """
    import keras  # inside: importing Keras starts TensorFlow (see helpers/__init__.py)

    class EpochLog(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % every and epoch + 1 != epochs:
                return
            logs = logs or {}
            parts = []
            for index, name in enumerate(labels):
                loss, accuracy = (
                    logs.get(f"model_{index}_data_loss", math.nan),
                    logs.get(f"model_{index}_accuracy", math.nan),
                )
                shown = f"{loss:.3f}/{accuracy:.3f}"
                if f"val_model_{index}_data_loss" in logs:
                    shown += (
                        f" val {logs[f'val_model_{index}_data_loss']:.3f}/{logs[f'val_model_{index}_accuracy']:.3f}"
                    )
                parts.append(f"{name} {shown}")
            log(
                f"{label} epoch {epoch + 1:>3}/{epochs} ({time.perf_counter() - self.start:.1f} s) "
                f"data loss/acc: " + "; ".join(parts)
            )

    return EpochLog()


def experiment_data(config, path=None, data=None):
    """The data set a configuration names: split, then its training labels made noisy -> Dataset.

    ``data``, a Dataset loaded before, is checked against the configuration instead (its label noise).
    """
    if data is not None:
        if data.split.get("label_noise", 0.0) != config["label_noise"]:
            raise ValueError(
                f"data has label noise {data.split.get('label_noise', 0.0)}, the configuration "
                f"{config['label_noise']}: load it with experiment_data(config)"
            )
        return data
    data = load_dataset(
        config["dataset"],
        n_train=config["n_train"],
        n_val=config["n_val"],
        n_test=config["n_test"],
        split_seed=config["split_seed"],
        path=path,
    )
    return with_label_noise(data, config["label_noise"], seed=config["split_seed"]) if config["label_noise"] else data


def _train_runs(config, data, penalties, seed, callbacks=None):
    """Train ``penalties`` for one ``seed`` side by side (train_cnns) -> one run record per penalty, in order.

    The one training code path of the main job: :func:`run_experiment` calls it with all penalties of
    a seed, :func:`run_trial` (a cluster's unit of work) with one; both give the same numbers up to
    float rounding (tests/internal/test_side_by_side.py).
    """
    fit_clock = time.perf_counter()
    trained = train_cnns(
        data,
        penalties,
        num_epochs=config["epochs"],
        batch_size=config["batch_size"],
        seed=seed,
        learning_rate=config["learning_rate"],
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - fit_clock
    records = []
    for penalty, run in zip(penalties, trained, strict=True):
        record = {
            "kind": penalty.kind,
            "label": penalty.label,
            "l1_strength": penalty.l1_strength,
            "l2_strength": penalty.l2_strength,
            "seed": seed,
            "train_seconds": round(seconds / len(penalties), 2),  # a shared fit's time, split evenly
            "history": {name: [float(v) for v in values] for name, values in run.history.items()},
            "train": evaluate(run.model, data.x_train, data.y_train),
            # With wrong labels: how many training images the model gets right by their true label.
            **(
                {"train_true": evaluate(run.model, data.x_train, data.y_train_true)}
                if data.y_train_true is not None
                else {}
            ),
            "test": evaluate(run.model, data.x_test, data.y_test),
        }
        if len(data.y_val):
            record["val"] = evaluate(run.model, data.x_val, data.y_val)
        records.append(record)
    return records


def run_trial(config, penalty, seed, data=None):
    """One (penalty, seed) of ``config`` trained alone -> its run record, as :func:`run_experiment` lists it.

    The unit of work a cluster schedules (helpers.cluster): the same training as a local run, one
    model instead of all of a seed's side by side. ``penalty`` (a Penalty or its dict) and ``seed``
    must be among the configuration's, so the record never claims a configuration it was not part of.
    """
    config = make_config(config)
    penalty = Penalty(**penalty) if isinstance(penalty, dict) else as_penalty(penalty)
    if penalty.__dict__ not in config["penalties"]:
        raise ValueError(f"penalty {penalty.label} is not one of the configuration's: {_labels(config)}")
    if seed not in config["seeds"] or isinstance(seed, bool):
        raise ValueError(f"seed {seed!r} is not one of the configuration's: {config['seeds']}")
    return _train_runs(config, experiment_data(config, data=data), [penalty], seed)[0]


def _labels(config):
    return ", ".join(Penalty(**p).label for p in config["penalties"])


def experiment_results(config, data, runs, started, wall_seconds):
    """The results dict of a finished experiment: configuration, data, provenance and the runs -> dict.

    ``runs`` are listed penalty by penalty, seeds inside (see :func:`run_experiment`).
    """
    return {
        "config": config,
        "data": {"name": data.name, "source": data.source, "split": data.split, "summary": data.summary()},
        "versions": {**library_versions(), **numeric_settings()},
        "hardware": hardware(),
        "made_on": arithmetic_platform(),
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 1),
        "runs": runs,
    }


def run_experiment(config, data=None, log=print, log_every=1):
    """Train once per (penalty, seed) in ``config`` and return JSON-able results -> dict.

    ``data`` (a helpers.data.Dataset) is loaded from the configuration when None.
    Each run records its per-epoch history (``data_loss``, ``accuracy``, their ``val_``
    versions, ``penalty``, and ``val_loss`` = validation data loss + penalty) and, after
    training, accuracy and data loss on the whole training, validation and test sets.
    ``log`` gets a progress line every ``log_every`` epochs and after the last (None: silent).
    """
    config = make_config(config)
    data = experiment_data(config, data=data)
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    penalties = [Penalty(**p) for p in config["penalties"]]
    runs_of_penalty = [[] for _ in penalties]  # listed penalty by penalty, seeds inside
    # One fit per seed trains every penalty side by side (train_cnns): the same results as one
    # run_trial per (penalty, seed), in a fraction of the time.
    for number, seed in enumerate(config["seeds"], start=1):
        label = f"[seed {seed}, {number}/{len(config['seeds'])}]"
        callbacks = (
            [_progress_callback(label, [p.label for p in penalties], config["epochs"], log, log_every)] if log else None
        )
        for record, runs in zip(_train_runs(config, data, penalties, seed, callbacks), runs_of_penalty, strict=True):
            runs.append(record)
    runs = [run for runs in runs_of_penalty for run in runs]
    return experiment_results(config, data, runs, started, time.perf_counter() - clock)


def summarize(results):
    """One row per penalty, over its seeds -> list of dicts (means; test accuracy also std and values).

    ``test_vs_first``: the first penalty's runs (usually no penalty) compared with this one's,
    seed by seed (helpers.compare.paired_difference), when both have the same two or more seeds.
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
            # Sample standard deviation (ddof=1): the spread we expect from seed to seed.
            "test_accuracy_std": float(test_accuracy.std(ddof=1)) if len(runs) > 1 else math.nan,
        }
        for split in ("train", "train_true", "test", "val"):
            for metric in ("accuracy", "data_loss"):
                if split in runs[0]:
                    row[f"{split}_{metric}"] = float(np.mean([r[split][metric] for r in runs]))
        row["gap_accuracy"] = row["train_accuracy"] - row["test_accuracy"]
        row["gap_data_loss"] = row["test_data_loss"] - row["train_data_loss"]
        first = summary[0] if summary else row
        if summary and first["seeds"] == row["seeds"] and len(row["seeds"]) > 1:
            row["test_vs_first"] = paired_difference(first["test_accuracy_values"], row["test_accuracy_values"])
        summary.append(row)
    return summary


def format_table(results):
    """Aligned text table of :func:`summarize`: accuracy and data loss per penalty, and the gain over the first.

    With wrong training labels, training accuracy is shown against the given (partly wrong)
    labels and against the true ones: fitting the given labels is memorizing the mistakes.
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
        test = f"{row['test_accuracy_mean']:.4f}{spread}"
        if index == 0:
            versus = ""
        elif "test_vs_first" in row:
            versus = f"{100 * row['test_vs_first'].mean:+.1f} pt ± {100 * row['test_vs_first'].standard_error:.1f} (SE)"
        else:
            versus = f"{100 * (row['test_accuracy_mean'] - summary[0]['test_accuracy_mean']):+.1f} pt"
        fitted = (
            f"{row['train_accuracy']:.4f} / {row['train_true_accuracy']:.4f}"
            if noisy
            else f"{row['train_accuracy']:.4f}"
        )
        lines.append(
            f"{row['label']:<20}{len(row['seeds']):>6}{fitted:>{len(train)}}{test:>24}{versus:>28}"
            f"{row['train_data_loss']:>17.4f}{row['test_data_loss']:>16.4f}"
        )
    return "\n".join(lines)


def choose_strength(results, metric="val_accuracy"):
    """The run with the best final-epoch validation accuracy (ties: lower validation data loss) -> dict."""
    check_choice("metric", metric, ("val_accuracy",))
    runs = results["runs"]
    if not runs or "val_accuracy" not in runs[0]["history"]:
        raise ValueError("results have no validation history to choose a strength on (n_val was 0)")
    return max(runs, key=lambda r: (r["history"]["val_accuracy"][-1], -r["history"]["val_data_loss"][-1]))


def sweep_point(results, strength):
    """The run of a one-kind sweep whose strength is nearest ``strength`` on a log scale -> dict.

    Returns ``{"strength", "kind", "label", "epochs", "history", "train", "test", "val"}``: what a
    λ slider shows. Pure: no training, no drawing.
    """
    strength = check_positive("strength", strength)
    runs = results["runs"]
    if not runs:
        raise ValueError("results have no runs")
    kind = runs[0]["kind"]
    if kind not in ("l1", "l2") or any(r["kind"] != kind for r in runs):
        raise ValueError("results must be a sweep of one penalty kind ('l1' or 'l2'), see sweep_config")
    key = f"{kind}_strength"
    run = runs[nearest_index([r[key] for r in runs], strength)]
    return {
        "strength": run[key],
        "kind": kind,
        "label": run["label"],
        "epochs": np.arange(1, len(run["history"]["data_loss"]) + 1),
        "history": {k: np.asarray(v) for k, v in run["history"].items()},
        "train": run["train"],
        "test": run["test"],
        "val": run.get("val"),
    }


def load_results(path):
    """Read a results file written by :func:`save_results` -> dict; a clear error if it is not one."""
    path = Path(path)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"results file {str(path)!r} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"results file {str(path)!r} is not valid JSON ({error})") from None
    if not isinstance(results, dict) or not {"config", "data", "runs"} <= set(results):
        raise ValueError(f"results file {str(path)!r} lacks config / data / runs")
    return results


def cached_results(name, config, data=None, log=print, directory=None, progress=None, log_every=1, borrowed=False):
    """:func:`run_experiment`'s published result (helpers.published): trained only when the config differs.

    ``borrowed=True`` when another lesson owns the result (see ``published_or_trained``).
    """
    config = make_config(config)

    def compute():
        return {
            "results_json": np.array(json.dumps(run_experiment(config, data=data, log=progress, log_every=log_every)))
        }

    arrays = published_or_trained(name, config, compute, cache_dir=directory, log=log, borrowed=borrowed)
    return json.loads(str(arrays["results_json"]))


# ---------------------------------------------------------------- figures


def _mean_histories(results):
    """{label: (kind, {metric: per-epoch mean over seeds})}, in run order."""
    grouped = {}
    for run in results["runs"]:
        grouped.setdefault(run["label"], (run["kind"], []))[1].append(run["history"])
    return {
        label: (kind, {k: np.mean([h[k] for h in hs], axis=0) for k in hs[0]}) for label, (kind, hs) in grouped.items()
    }


def _subplots(nrows, ncols, figsize):
    import matplotlib.pyplot as plt  # inside: pyplot picks its backend on import (the runner: Agg)

    return plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)


def plot_learning_curves(results):
    """Training vs validation data loss (top) and accuracy (bottom) per epoch, mean over seeds -> Figure."""
    curves = _mean_histories(results)
    has_val = all("val_data_loss" in h for _, h in curves.values())
    splits = [("", "training"), ("val_", "validation")] if has_val else [("", "training")]
    fig, axes = _subplots(2, len(splits), (4.6 * len(splits) + 1, 6.4))
    for column, (prefix, name) in enumerate(splits):
        for row, (metric, title) in enumerate(
            (("data_loss", "data loss (penalty left out)"), ("accuracy", "accuracy"))
        ):
            ax = axes[row][column]
            for label, (kind, history) in curves.items():
                epochs = np.arange(1, len(history[metric]) + 1)
                ax.plot(epochs, history[prefix + metric], **{**penalty_style(kind), "label": label})
            ax.set_title(f"{name} {title}")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[1][column].sharey(axes[1][0])
    axes[0][0].set_yscale("log")  # the training data loss falls by orders of magnitude
    if has_val:
        # The validation data loss moves by tens of percent: zoom in on its lowest values, linear scale.
        lowest = min(h["val_data_loss"].min() for _, h in curves.values())
        axes[0][1].set_ylim(0.8 * lowest, 2.0 * lowest)
        axes[0][1].set_title("validation data loss (zoomed; penalty left out)")
    axes[0][0].legend()
    fig.suptitle(results["data"]["summary"], fontsize=8)
    fig.tight_layout()
    return fig


def plot_test_accuracy(results):
    """Test accuracy per penalty: each seed as a dot, mean ± std as a bar with error bar -> Figure."""
    summary = summarize(results)
    fig, axes = _subplots(1, 1, (1.5 + 1.3 * len(summary), 3.6))
    ax = axes[0][0]
    for position, row in enumerate(summary):
        style = penalty_style(row["kind"])
        values = row["test_accuracy_values"]
        std = row["test_accuracy_std"] if len(values) > 1 else 0.0
        ax.errorbar(position, row["test_accuracy_mean"], yerr=std, fmt="s", color=style["color"], capsize=6)
        ax.plot([position + 0.15] * len(values), values, "o", color=style["color"], alpha=0.5, markersize=4)
    ax.set_xticks(range(len(summary)), [row["label"] for row in summary], rotation=15)
    ax.set_ylabel("test accuracy")
    ax.set_title("test accuracy per penalty: seeds (dots), mean ± std (square, bar)")
    fig.tight_layout()
    return fig


def plot_sweep(sweeps, chosen=None):
    """Training and validation accuracy vs λ, one line pair per kind -> Figure.

    ``sweeps`` is ``{kind: results of a one-kind sweep}``; ``chosen`` ``{kind: strength}`` is marked.
    """
    fig, axes = _subplots(1, 1, (7.0, 3.8))
    ax = axes[0][0]
    for kind, results in sweeps.items():
        style = penalty_style(kind)
        strengths = [run[f"{kind}_strength"] for run in results["runs"]]
        ax.plot(
            strengths,
            [run["history"]["val_accuracy"][-1] for run in results["runs"]],
            marker="o",
            color=style["color"],
            linestyle=style["linestyle"],
            label=f"{style['label']}: validation",
        )
        ax.plot(
            strengths,
            [run["train"]["accuracy"] for run in results["runs"]],
            marker="x",
            alpha=0.45,
            color=style["color"],
            linestyle=style["linestyle"],
            label=f"{style['label']}: training",
        )
        if chosen and kind in chosen:
            ax.axvline(chosen[kind], color=style["color"], alpha=0.3, linewidth=6)
    ax.set_xscale("log")
    ax.set_xlabel("penalty strength λ (Keras convention)")
    ax.set_ylabel("accuracy after the last epoch")
    ax.set_title("λ sweep: validation accuracy chooses λ (shaded)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sweep_figure(reference=None, num_epochs=20):
    """An empty two-panel figure for a λ slider -> (Figure, artists); fill it with :func:`draw_sweep_point`.

    ``reference`` (a run record, e.g. the unpenalized run) has its validation curves drawn
    once in grey, for comparison.
    """
    fig, axes = _subplots(1, 2, (8.0, 3.2))
    loss_ax, accuracy_ax = axes[0]
    artists = {"figure": fig}
    for ax, metric in ((loss_ax, "data_loss"), (accuracy_ax, "accuracy")):
        if reference is not None:
            values = reference["history"]["val_" + metric]
            ax.plot(
                np.arange(1, len(values) + 1),
                values,
                color="#999999",
                linewidth=1,
                label=f"{reference['label']}: validation",
            )
        # Coloured by the penalty of the point drawn (draw_sweep_point): solid training, dashed validation.
        artists[metric] = ax.plot([], [], color="black", linestyle="-", label="training")[0]
        artists["val_" + metric] = ax.plot([], [], color="black", linestyle="--", label="validation")[0]
        ax.set_xlabel("epoch")
        ax.set_xlim(0.5, num_epochs + 0.5)  # fixed, so a slider can redraw only the lines
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set_yscale("log")
    loss_ax.set_ylim(0.001, 3)
    accuracy_ax.set_ylim(0, 1.02)
    loss_ax.set_title("data loss")
    accuracy_ax.set_title("accuracy")
    accuracy_ax.legend(fontsize=8, loc="lower right")
    artists["text"] = fig.suptitle("")
    fig.tight_layout()
    return fig, artists


def draw_sweep_point(artists, point):
    """Put one sweep point's curves and metrics into ``artists`` (from :func:`sweep_figure`) in place."""
    color = penalty_style(point["kind"])["color"]
    for metric in ("data_loss", "accuracy", "val_data_loss", "val_accuracy"):
        artists[metric].set_data(point["epochs"], point["history"][metric])
        artists[metric].set_color(color)
    val = point["val"]["accuracy"] if point.get("val") else float("nan")
    artists["text"].set_text(
        f"{point['label']}: train acc {point['train']['accuracy']:.3f}, val acc {val:.3f}, "
        f"gap {100 * (point['train']['accuracy'] - val):.1f} pt"
    )
    return artists
