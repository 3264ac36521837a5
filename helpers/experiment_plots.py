"""Figures of :mod:`helpers.experiment`'s results, in the house style (one look per penalty kind).

The same functions draw the command line's PNG files and the lesson's figures.
"""

from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers.plotting import penalty_style

__all__ = [
    "plot_learning_curves",
    "plot_test_accuracy",
    "plot_sweep",
    "sweep_figure",
    "draw_sweep_point",
    "save_figures",
]


def _mean_histories(results):
    """{label: (kind, {metric: per-epoch mean over seeds})}, in run order."""
    grouped = {}
    for run in results["runs"]:
        grouped.setdefault(run["label"], (run["kind"], []))[1].append(run["history"])
    return {label: (kind, {k: np.mean([h[k] for h in hs], axis=0) for k in hs[0]}) for label, (kind, hs) in grouped.items()}


def _subplots(nrows, ncols, figsize):
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)


def plot_learning_curves(results):
    """Training vs validation data loss (top) and accuracy (bottom) per epoch, mean over seeds -> Figure."""
    curves = _mean_histories(results)
    has_val = all("val_data_loss" in h for _, h in curves.values())
    splits = [("", "training"), ("val_", "validation")] if has_val else [("", "training")]
    fig, axes = _subplots(2, len(splits), (4.6 * len(splits) + 1, 6.4))
    for column, (prefix, name) in enumerate(splits):
        for row, (metric, title) in enumerate((("data_loss", "data loss (penalty left out)"), ("accuracy", "accuracy"))):
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
    from helpers.experiment import summarize

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
        ax.plot(strengths, [run["history"]["val_accuracy"][-1] for run in results["runs"]], marker="o",
                color=style["color"], linestyle=style["linestyle"], label=f"{style['label']}: validation")
        ax.plot(strengths, [run["train"]["accuracy"] for run in results["runs"]], marker="x", alpha=0.45,
                color=style["color"], linestyle=style["linestyle"], label=f"{style['label']}: training")
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
            ax.plot(np.arange(1, len(values) + 1), values, color="#999999", linewidth=1,
                    label=f"{reference['label']}: validation")
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


def save_figures(results, folder):
    """Write learning_curves.png and test_accuracy.png into ``folder`` -> list of paths."""
    import matplotlib.pyplot as plt

    from helpers.plotting import apply_style

    apply_style()
    paths = []
    for name, draw in (("learning_curves.png", plot_learning_curves), ("test_accuracy.png", plot_test_accuracy)):
        fig = draw(results)
        path = Path(folder) / name
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
