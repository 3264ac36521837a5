"""Lesson 02's figures of helpers.experiment's results (learning curves, test accuracy, λ slider); the full-size run."""

import json

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers.experiment import summarize
from helpers.plotting import penalty_style
from helpers.published import PUBLISHED_DIR
from helpers.widgets import nearest_index

__all__ = [
    "draw_sweep_point",
    "full_spec_results",
    "plot_learning_curves",
    "plot_test_accuracy",
    "sweep_figure",
    "sweep_point",
]


def full_spec_results():
    """The main job's published run of the seed text's full-size spec on Fashion-MNIST (its results.json) -> dict."""
    return json.loads((PUBLISHED_DIR / "full_spec_fashion_mnist.json").read_text(encoding="utf-8"))


def _mean_histories(results):
    """{label: (kind, {metric: per-epoch mean over seeds})}, in run order."""
    grouped = {}
    for run in results["runs"]:
        grouped.setdefault(run["label"], (run["kind"], []))[1].append(run["history"])
    return {
        label: (kind, {k: np.mean([h[k] for h in hs], axis=0) for k in hs[0]}) for label, (kind, hs) in grouped.items()
    }


def plot_learning_curves(results):
    """Training vs validation data loss (top) and accuracy (bottom) per epoch, mean over seeds -> Figure."""
    curves = _mean_histories(results)
    has_val = all("val_data_loss" in h for _, h in curves.values())
    splits = [("", "training"), ("val_", "validation")] if has_val else [("", "training")]
    fig, axes = plt.subplots(2, len(splits), figsize=(4.6 * len(splits) + 1, 6.4), squeeze=False)
    panels = {"data_loss": "data loss (penalty left out)", "accuracy": "accuracy"}
    for column, (prefix, name) in enumerate(splits):
        for row, (metric, title) in enumerate(panels.items()):
            ax = axes[row][column]
            for label, (kind, history) in curves.items():
                epochs = np.arange(1, len(history[metric]) + 1)
                ax.plot(epochs, history[prefix + metric], **{**penalty_style(kind), "label": label})
            ax.set(title=f"{name} {title}", xlabel="epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[1][column].sharey(axes[1][0])
    axes[0][0].set_yscale("log")  # the training data loss falls by orders of magnitude
    if has_val:
        # The validation data loss moves by tens of percent: zoom in on its lowest values, linear scale.
        lowest = min(h["val_data_loss"].min() for _, h in curves.values())
        axes[0][1].set(ylim=(0.8 * lowest, 2.0 * lowest), title="validation data loss (zoomed; penalty left out)")
    axes[0][0].legend()
    fig.suptitle(results["data"]["summary"], fontsize=8)
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
    ax.set_xticks(range(len(summary)), [row["label"] for row in summary], rotation=15)
    ax.set(ylabel="test accuracy", title="test accuracy per penalty: seeds (dots), mean ± std (square, bar)")
    fig.tight_layout()
    return fig


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
            ax.plot(epochs, values, color="#999999", linewidth=1, label=f"{reference['label']}: validation")
        # Coloured by the penalty of the point drawn (draw_sweep_point): solid training, dashed validation.
        artists[metric] = ax.plot([], [], color="black", linestyle="-", label="training")[0]
        artists["val_" + metric] = ax.plot([], [], color="black", linestyle="--", label="validation")[0]
        ax.set_xlabel("epoch")
        ax.set_xlim(0.5, num_epochs + 0.5)  # fixed, so a slider can redraw only the lines
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set(yscale="log", ylim=(0.001, 3), title="data loss")
    accuracy_ax.set(ylim=(0, 1.02), title="accuracy")
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
    artists["text"].set_text(
        f"{point['label']}: train acc {train:.3f}, val acc {val:.3f}, gap {100 * (train - val):.1f} pt"
    )
    return artists
