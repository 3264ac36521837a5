"""Lesson 03's trained networks: a λ sweep of the seed's CNN kept as weight summaries, and a few whole models.

Both train in lesson 02's regime on its first seed: the sweep's runs at lesson 02's strengths *are* its networks.
"""

import dataclasses

import matplotlib.pyplot as plt
import numpy as np

from helpers._text import _
from helpers._validation import check_choice, check_positive
from helpers.experiment import LAMBDA_GRID, experiment_data
from helpers.penalties import Penalty, ProximalL1
from helpers.plotting import penalty_style
from helpers.published import published_or_trained
from helpers.training import evaluate, train_cnn, train_cnns
from helpers.weights import DEFAULT_THRESHOLDS, kernels, sparsity
from helpers.widgets import nearest_index

__all__ = [
    "HISTOGRAM_EDGES",
    "draw_sweep_view",
    "kept_kernels",
    "published_models",
    "published_weight_sweep",
    "sweep_view",
    "weight_sweep_figure",
]

# Shared bins for every histogram of the lesson; weights beyond ±0.5 are counted in the edge bins.
HISTOGRAM_EDGES = np.linspace(-0.5, 0.5, 101)


def _settings(config):  # train_cnn's and train_cnns' settings for config's regime, on its first seed
    keys = {"num_epochs": "epochs", "batch_size": "batch_size", "learning_rate": "learning_rate"}
    return {name: config[key] for name, key in keys.items()} | {"seed": config["seeds"][0]}


def _without_validation(data):  # no validation pass after every epoch: time, not results
    return dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])


def run_weight_sweep(config, strengths=LAMBDA_GRID, keep=None):
    """Train side by side in ``config``'s regime (first seed) without a penalty and per (kind, strength) -> arrays.

    Per run ``kind``, ``strength``, :func:`_scores`, :func:`kernel_summary` (rows: ``layers``, the kernels then "all");
    ``edges``, ``thresholds``; kernels ``<name>__<layer>`` of the ``kept`` runs, ``keep = {name: (kind, strength)}``.
    """
    runs = [("none", 0.0)] + [(kind, float(s)) for kind, values in strengths.items() for s in values]
    keep = {name: (kind, float(strength)) for name, (kind, strength) in (keep or {}).items()}
    data = experiment_data(config)
    trained = train_cnns(_without_validation(data), [Penalty.of(kind, s) for kind, s in runs], **_settings(config))
    arrays = {"kind": np.array([kind for kind, _ in runs]), "strength": np.array([s for _, s in runs])}
    per_run = []
    for run, trained_run in zip(runs, trained, strict=True):
        weights = kernels(trained_run.model)
        per_run.append(_scores(trained_run.model, data) | kernel_summary(weights))
        for name in (name for name, wanted in keep.items() if wanted == run):
            arrays.update({f"{name}__{layer}": kernel for layer, kernel in weights.items()})
    arrays.update({key: np.array([values[key] for values in per_run]) for key in per_run[0]})
    arrays.update(layers=np.array([*weights, "all"]), edges=HISTOGRAM_EDGES, thresholds=np.array(DEFAULT_THRESHOLDS))
    arrays["kept"] = np.array(list(keep))
    return arrays


def published_weight_sweep(config, strengths=LAMBDA_GRID, *, keep=None, log=print):
    """:func:`run_weight_sweep`'s published result (helpers.published), keyed by regime, grid and kept runs."""
    key = {
        "what": "lesson 03 weight sweep of the seed CNN, side by side, first seed of the regime",
        "regime": config,
        "seed": config["seeds"][0],
        "strengths": {kind: [check_positive("strengths", s) for s in values] for kind, values in strengths.items()},
        "keep": {name: [kind, float(strength)] for name, (kind, strength) in (keep or {}).items()},
        "edges": [float(HISTOGRAM_EDGES[0]), float(HISTOGRAM_EDGES[-1]), len(HISTOGRAM_EDGES)],
        "thresholds": list(DEFAULT_THRESHOLDS),
    }
    return published_or_trained(
        "lesson03_weight_sweep", key, lambda: run_weight_sweep(config, strengths, keep), log=log
    )


def train_models(config, specs):
    """The seed's CNN trained once per ``specs[name]`` in ``config``'s regime (first seed), each alone -> arrays.

    A spec is ``{"proximal": {"l1_strength": .., "rule": ..}}``: no penalty, a ProximalL1 step after every batch.
    Arrays: ``names``, the :func:`_scores`, kernels ``<name>__<layer>``.
    """
    data = experiment_data(config)
    arrays, scores = {}, []
    for name, spec in specs.items():
        run = train_cnn(_without_validation(data), callbacks=[ProximalL1(**spec["proximal"])], **_settings(config))
        scores.append(_scores(run.model, data))
        arrays.update({f"{name}__{layer}": kernel for layer, kernel in kernels(run.model).items()})
    arrays.update({key: np.array([score[key] for score in scores]) for key in scores[0]})
    arrays["names"] = np.array(list(specs))
    return arrays


def published_models(config, specs, *, log=print):
    """:func:`train_models`' published result -> ``({name: {layer: kernel}}, {name: {score: value}})``."""
    key = {
        "what": "lesson 03 models of the seed CNN, each trained alone, first seed of the regime",
        "regime": config,
        "seed": config["seeds"][0],
        "specs": specs,
    }
    arrays = published_or_trained("lesson03_models", key, lambda: train_models(config, specs), log=log)
    keys = ("test_accuracy", "val_accuracy", "train_true_accuracy")
    scores = {name: {key: float(arrays[key][i]) for key in keys} for i, name in enumerate(arrays["names"].tolist())}
    return kept_kernels(arrays), scores


def kernel_summary(weights):
    """Summaries of ``{layer: kernel}``, one row per layer then "all" -> ``histograms``, ``sparsity``, ``norms``.

    ``sparsity``: the fraction with ``|w| < t`` per threshold, then exactly 0; ``norms``: ``sqrt(Σw²)``.
    """
    table = sparsity(weights)
    arrays = [np.ravel(w) for w in weights.values()]
    arrays.append(np.concatenate(arrays))
    clip = (HISTOGRAM_EDGES[0], HISTOGRAM_EDGES[-1] - 1e-12)
    return {
        "histograms": np.stack([np.histogram(np.clip(a, *clip), bins=HISTOGRAM_EDGES)[0] for a in arrays]),
        "sparsity": np.array([[row[t] for t in row if t != "n"] for row in table.values()]),
        "norms": np.array([np.linalg.norm(a.astype(np.float64)) for a in arrays]),
    }


def _scores(model, data):
    """Test and validation accuracy, and training accuracy on the true labels (with wrong labels) -> dict."""
    labels = data.y_train_true if data.y_train_true is not None else data.y_train
    return {
        "test_accuracy": evaluate(model, data.x_test, data.y_test)["accuracy"],
        "val_accuracy": evaluate(model, data.x_val, data.y_val)["accuracy"] if len(data.y_val) else np.nan,
        "train_true_accuracy": evaluate(model, data.x_train, labels)["accuracy"],
    }


def kept_kernels(arrays):
    """The kernels kept in a sweep or a set of runs -> ``{name: {layer: kernel}}``."""
    names = arrays["kept"].tolist() if "kept" in arrays else arrays["names"].tolist()
    return {
        name: {key.split("__", 1)[1]: value for key, value in arrays.items() if key.startswith(name + "__")}
        for name in names
    }


def sweep_view(sweep, kind, strength, layer="all"):
    """What the slider shows of the run of ``kind`` nearest ``strength`` on a log scale, for ``layer``."""
    check_choice("kind", kind, sorted(set(sweep["kind"].tolist()) - {"none"}))  # the run without a penalty: 'none'
    layers = sweep["layers"].tolist()
    row = layers.index(check_choice("layer", layer, layers))
    runs = np.flatnonzero(sweep["kind"] == kind)
    index = int(runs[nearest_index(sweep["strength"][runs], check_positive("strength", strength))])
    return {
        "index": index,
        "kind": kind,
        "strength": float(sweep["strength"][index]),
        "histogram": sweep["histograms"][index, row],
        "sparsity": sweep["sparsity"][index, row],
        "test_accuracy": float(sweep["test_accuracy"][index]),
        "norm": float(sweep["norms"][index, row]),
    }


def weight_sweep_figure(sweep):
    """The λ slider's figure: all kernels' histogram, sparsity curve, test accuracy against λ -> (figure, artists)."""
    fig, (ax_hist, ax_sparse, ax_acc) = plt.subplots(1, 3, figsize=(9.6, 3.3))
    none = int(np.flatnonzero(sweep["kind"] == "none")[0])  # drawn once, in grey; draw_sweep_view draws the others
    thresholds = [float(t) for t in sweep["thresholds"]]
    edges, x = sweep["edges"], [*thresholds, min(thresholds) / 10]  # "= 0" one decade below the smallest threshold
    counts = sweep["histograms"][none, -1].astype(float)
    ax_hist.stairs(np.where(counts > 0, counts, np.nan), edges, **penalty_style("none"))
    ax_sparse.plot(x, sweep["sparsity"][none, -1], marker="o", ms=3, **penalty_style("none"))
    ax_acc.axhline(sweep["test_accuracy"][none], **penalty_style("none"))
    strength, accuracy = sweep["strength"], sweep["test_accuracy"]
    for kind in sorted(set(sweep["kind"].tolist()) - {"none"}, reverse=True):
        runs = sweep["kind"] == kind
        ax_acc.plot(strength[runs], accuracy[runs], marker="o", ms=3, alpha=0.7, **penalty_style(kind))
    artists = {
        "histogram": ax_hist.stairs(np.full(len(edges) - 1, np.nan), edges, lw=2.2),
        "sparsity": ax_sparse.plot(x, np.zeros(len(x)), marker="o", ms=4, lw=2.2)[0],
        "marker": ax_acc.plot([], [], "o", ms=10)[0],
        "text": fig.text(0.5, 0.98, "", ha="center", va="top"),
    }
    ax_hist.set(yscale="log", ylim=(0.8, 2e5), xlim=(edges[0], edges[-1]))
    ax_hist.set(xlabel=_("weight w (all kernels)"), ylabel=_("count (log)"))
    ax_sparse.set(xscale="log", ylim=(0, 1.02), xlabel=_("threshold t"), ylabel=_("fraction |w| < t"))
    ax_sparse.set_xticks(x, [format(t, ".0e").replace("e-0", "e-") for t in x[:-1]] + ["= 0"])
    ax_sparse.minorticks_off()
    ax_acc.set(xscale="log", ylim=(0, 1), xlabel="λ", ylabel=_("test accuracy"))
    ax_acc.legend(fontsize=8, loc="lower left")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig, artists


def draw_sweep_view(artists, view):
    """Show one :func:`sweep_view` in the figure of :func:`weight_sweep_figure`, in its penalty's colour."""
    style = penalty_style(view["kind"])
    counts = np.where(view["histogram"] > 0, view["histogram"], np.nan)  # a log axis: empty bins not drawn
    artists["histogram"].set(data=counts, edgecolor=style["color"], linestyle=style["linestyle"])
    artists["sparsity"].set(ydata=view["sparsity"], color=style["color"], linestyle=style["linestyle"])
    artists["marker"].set(data=([view["strength"]], [view["test_accuracy"]]), color=style["color"])
    text = _("{label}({strength:g}): test accuracy {test_accuracy:.3f}")
    artists["text"].set_text(text.format(label=style["label"], **view))
