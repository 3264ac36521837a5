"""Lesson 02: the figures of helpers.experiment's results (learning curves, test accuracy, λ slider); early stopping
beside the penalties (:func:`stopping_study`); the full-size run."""

import dataclasses
import json

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers._text import _
from helpers.data import with_label_noise
from helpers.experiment import experiment_data, summarize
from helpers.models import build_cnn
from helpers.penalties import Penalty
from helpers.plotting import penalty_style
from helpers.published import PUBLISHED_DIR, published_or_trained
from helpers.training import train_cnn
from helpers.weights import kernels
from helpers.widgets import nearest_index

__all__ = [
    "draw_sweep_point",
    "full_spec_results",
    "plot_learning_curves",
    "plot_test_accuracy",
    "published_stopping_study",
    "sweep_by_kind",
    "sweep_figure",
    "sweep_point",
]

# The networks of the stopping study, each trained the regime's 20 epochs on every seed; early stopping is read
# off their recorded epochs. "smaller": half the units in every layer (a quarter of the weights), fixed in advance.
STUDY_NETWORKS = {
    "none": {},
    "l2": {"penalty": {"l2_strength": 0.01}},
    "smaller": {"widths": {"conv1": 16, "conv2": 32, "conv3": 32, "dense1": 32}},
}


def full_spec_results():
    """The main job's published run of the seed text's full-size spec on Fashion-MNIST (its results.json) -> dict."""
    return json.loads((PUBLISHED_DIR / "full_spec_fashion_mnist.json").read_text(encoding="utf-8"))


def _median_histories(results):
    """{label: (kind, {metric: per-epoch median over seeds})}, in run order: one collapsed seed draws no curve."""
    grouped = {}
    for run in results["runs"]:
        grouped.setdefault(run["label"], (run["kind"], []))[1].append(run["history"])
    return {
        label: (kind, {k: np.median([h[k] for h in hs], axis=0) for k in hs[0]})
        for label, (kind, hs) in grouped.items()
    }


def plot_learning_curves(results):
    """Training vs validation data loss (top) and accuracy (bottom) per epoch, median over seeds -> Figure."""
    curves = _median_histories(results)
    has_val = all("val_data_loss" in h for _, h in curves.values())
    splits = [("", _("training")), ("val_", _("validation"))] if has_val else [("", _("training"))]
    fig, axes = plt.subplots(2, len(splits), figsize=(4.6 * len(splits) + 1, 6.4), squeeze=False)
    panels = {"data_loss": _("data loss (penalty left out)"), "accuracy": _("accuracy")}
    for column, (prefix, name) in enumerate(splits):
        for row, (metric, title) in enumerate(panels.items()):
            ax = axes[row][column]
            for label, (kind, history) in curves.items():
                epochs = np.arange(1, len(history[metric]) + 1)
                ax.plot(epochs, history[prefix + metric], **{**penalty_style(kind), "label": _(label)})
            ax.set(title=_("{split} {metric}").format(split=name, metric=title), xlabel=_("epoch"))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[1][column].sharey(axes[1][0])
    axes[0][0].set_yscale("log")  # the training data loss falls by orders of magnitude
    if has_val:
        # The validation data loss moves by tens of percent: zoom in on its lowest values, linear scale.
        lowest = min(h["val_data_loss"].min() for _, h in curves.values())
        axes[0][1].set(ylim=(0.8 * lowest, 2.0 * lowest), title=_("validation data loss (zoomed; penalty left out)"))
    axes[0][0].legend()
    data = results["data"]  # the split, not where the files came from
    fig.suptitle(_("{name}: train {train:,}").format(name=data["name"], train=data["split"]["n_train"]), fontsize=8)
    fig.tight_layout()
    return fig


def plot_test_accuracy(results):
    """Test accuracy per penalty: each seed as a dot, mean ± std as a bar with error bar -> Figure."""
    summary = summarize(results)
    fig, ax = plt.subplots(figsize=(1.5 + 1.3 * len(summary), 3.6))
    for position, row in enumerate(summary):
        style = penalty_style(row["kind"])
        values = row["test_accuracy_values"]
        std = row["test_accuracy_std"] if len(values) > 1 else 0.0
        ax.errorbar(position, row["test_accuracy_mean"], yerr=std, fmt="s", color=style["color"], capsize=6)
        ax.plot([position + 0.15] * len(values), values, "o", color=style["color"], alpha=0.5, markersize=4)
    ax.set_xticks(range(len(summary)), [_(row["label"]) for row in summary], rotation=15)
    ax.set(ylabel=_("test accuracy"), title=_("test accuracy per penalty: seeds (dots), mean ± std (square, bar)"))
    fig.tight_layout()
    return fig


def sweep_by_kind(reference_runs, swept):
    """Lesson 02's λ sweep per kind, ``{"l1": {"runs": [...]}, "l2": ...}``, weakest strength first: the swept runs
    (a :func:`helpers.experiment.sweep_config` experiment) with the reference run of that kind (``{kind: run}``)."""
    sweeps = {}
    for kind in sorted({run["kind"] for run in swept["runs"]}):
        runs = [reference_runs[kind], *[run for run in swept["runs"] if run["kind"] == kind]]
        sweeps[kind] = {"runs": sorted(runs, key=lambda run: run[f"{kind}_strength"])}
    return sweeps


def sweep_point(results, strength):
    """The run of a one-kind sweep nearest ``strength`` on a log scale, as a λ slider shows it -> dict (pure)."""
    runs = results["runs"]
    kinds = {run["kind"] for run in runs}
    if kinds not in ({"l1"}, {"l2"}):
        raise ValueError("results must be a sweep of one penalty kind ('l1' or 'l2'), see sweep_config")
    kind = kinds.pop()
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


def sweep_figure(reference=None, num_epochs=20):
    """An empty two-panel figure for a λ slider -> (Figure, artists); fill it with :func:`draw_sweep_point`.

    ``reference`` (a run record, e.g. the unpenalized run) has its validation curves drawn once in grey.
    """
    fig, (loss_ax, accuracy_ax) = plt.subplots(1, 2, figsize=(8.0, 3.2))
    artists = {"figure": fig}
    for ax, metric in ((loss_ax, "data_loss"), (accuracy_ax, "accuracy")):
        if reference is not None:
            values = reference["history"]["val_" + metric]
            epochs = np.arange(1, len(values) + 1)
            label = _("{label}: validation").format(label=_(reference["label"]))
            ax.plot(epochs, values, color="#999999", linewidth=1, label=label)
        # Coloured by the penalty of the point drawn (draw_sweep_point): solid training, dashed validation.
        artists[metric] = ax.plot([], [], color="black", linestyle="-", label=_("training"))[0]
        artists["val_" + metric] = ax.plot([], [], color="black", linestyle="--", label=_("validation"))[0]
        ax.set_xlabel(_("epoch"))
        ax.set_xlim(0.5, num_epochs + 0.5)  # fixed, so a slider can redraw only the lines
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set(yscale="log", ylim=(0.001, 3), title=_("data loss"))
    accuracy_ax.set(ylim=(0, 1.02), title=_("accuracy"))
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
    train, val = point["train"]["accuracy"], point["val"]["accuracy"] if point.get("val") else float("nan")
    text = _("{label}: train acc {train:.3f}, val acc {val:.3f}, gap {gap:.1f} pt")
    artists["text"].set_text(text.format(label=point["label"], train=train, val=val, gap=100 * (train - val)))
    return artists


def monitor_split(data, size, seed=1):
    """``data`` with its validation images cut to the first ``size``, their labels as noisy as the training labels.

    What a user with only noisy labels can watch while training: a held-out part of the same kind of labels.
    """
    held_out = dataclasses.replace(data, x_train=data.x_val[:size], y_train=data.y_val[:size], y_train_true=None)
    noisy = with_label_noise(held_out, data.split["label_noise"], seed=seed)
    return dataclasses.replace(data, x_val=noisy.x_train, y_val=noisy.y_train)


class _EpochRecord(keras.callbacks.Callback):
    """At every epoch's end: test accuracy, the share of wrongly labelled training images fitted, Σw², and
    Σ(w - w₀)², how far the kernels have moved from their initial values w₀."""

    def __init__(self, data):
        super().__init__()
        self.data, self.wrong = data, data.y_train != data.y_train_true
        self.values = {"test_accuracy": [], "wrong_fitted": [], "sq_norm": [], "sq_travel": []}

    def on_train_begin(self, logs=None):
        self.initial = kernels(self.model)

    def on_epoch_end(self, epoch, logs=None):
        def predicted(images):
            return np.argmax(self.model.predict(images, batch_size=500, verbose=0), axis=1)

        self.values["test_accuracy"].append(np.mean(predicted(self.data.x_test) == self.data.y_test))
        fitted = predicted(self.data.x_train[self.wrong]) == self.data.y_train[self.wrong]
        self.values["wrong_fitted"].append(np.mean(fitted))
        now = kernels(self.model)
        self.values["sq_norm"].append(sum(float(np.square(w).sum()) for w in now.values()))
        self.values["sq_travel"].append(sum(float(np.square(now[k] - self.initial[k]).sum()) for k in now))


def stopping_study(config, monitor_size=200):
    """Every network of :data:`STUDY_NETWORKS` on every seed of ``config`` (the regime), with a record per epoch.

    -> dict of arrays (network, seed, epoch): ``monitor_accuracy`` (on ``monitor_size`` held-out images with
    noisy labels, :func:`monitor_split`: what early stopping watches), ``test_accuracy``, ``wrong_fitted`` (the
    share of wrongly labelled training images predicted as labelled), ``sq_norm`` (Σw² over the kernels) and
    ``sq_travel`` (Σ(w - w₀)²: how far they moved from their initial values).
    """
    data = monitor_split(experiment_data(config), monitor_size)
    shape = (len(STUDY_NETWORKS), len(config["seeds"]), config["epochs"])
    keys = ("monitor_accuracy", "test_accuracy", "wrong_fitted", "sq_norm", "sq_travel")
    arrays = {key: np.zeros(shape) for key in keys}
    for i, network in enumerate(STUDY_NETWORKS.values()):
        for j, seed in enumerate(config["seeds"]):
            penalty = Penalty(**network.get("penalty", {}))
            record = _EpochRecord(data)
            run = train_cnn(
                data,
                penalty,
                num_epochs=config["epochs"],
                batch_size=config["batch_size"],
                seed=seed,
                learning_rate=config["learning_rate"],
                callbacks=[record],
                build=lambda network=network, penalty=penalty: build_cnn(
                    penalty, widths=network.get("widths"), learning_rate=config["learning_rate"]
                ),
            )
            arrays["monitor_accuracy"][i, j] = run.history["val_accuracy"]
            for key, values in record.values.items():
                arrays[key][i, j] = values
    return {**arrays, "networks": np.array(list(STUDY_NETWORKS)), "seeds": np.array(config["seeds"])}


def published_stopping_study(config, monitor_size=200):
    """:func:`stopping_study`'s arrays for the regime ``config``, published (helpers.published)."""
    key = {**config, "monitor_size": monitor_size, "networks": STUDY_NETWORKS}
    return published_or_trained("lesson02_stopping", key, lambda: stopping_study(config, monitor_size))
