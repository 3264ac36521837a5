"""Lesson 03's trained networks: a λ sweep of the seed's CNN kept as kernel summaries, and a few full models.

Both train in the regime of lesson 02, given as its configuration
(:func:`helpers.lesson02_cnn_penalties.make_config`: data set, training images, share of wrong
labels, epochs, batch size, learning rate) and its first seed, so the two lessons
cannot drift apart: the sweep's runs at lesson 02's strengths *are* lesson 02's
networks of that seed (same initial weights, batches and updates).

:func:`run_weight_sweep` / :func:`cached_weight_sweep` train one run without a
penalty and one per (kind, strength), side by side in one fit, and reduce each run
to arrays a slider can index without retraining: weight histograms on shared bins,
sparsity fractions, kernel norms, accuracy. Run ``r`` of a sweep is
``(sweep["kind"][r], sweep["strength"][r])``; rows of the per-layer arrays follow
``sweep["layers"]`` (the five kernels, then ``"all"`` together). The full kernels
of a few named runs are kept too (:func:`kept_kernels`).

:func:`train_runs` / :func:`cached_runs` train a few named models alone and keep
their kernels: the lesson's proximal-L1 models, trained with :class:`ProximalL1`.

Proximal L1 (:class:`ProximalL1`), the soft-threshold step that makes exact zeros.

Keras' ``L1`` regularizer adds the subgradient ``λ·sign(w)`` to every step, so a
weight jumps across zero and hovers near it, almost never landing on exactly 0.
The proximal step instead minimizes the L1 term in closed form after each
optimizer step: ``w ← sign(w)·max(|w| − t, 0)`` (the soft threshold), which sets
every weight with ``|w| <= t`` to exactly 0.

The threshold ``t`` is the step size times λ, where "step size" is the one the
optimizer applied to that weight:

- ``rule="learning_rate"``: ``t = learning_rate · λ``, the proximal step of plain SGD
  (ISTA). Exact for SGD; with Adam it is far too small (Adam rescales each step).
- ``rule="adam"``: ``t_i = α_t · λ / (sqrt(v_i) + ε)`` per weight, with Adam's own
  bias-corrected rate ``α_t`` and second moment ``v_i``: the proximal step in
  the metric Adam uses for that weight.

Both rules solve the same problem at a fixed point (0 ∈ ∇data_loss + λ·∂|w|),
which the tests check against scikit-learn's ``Lasso`` on a convex problem
(with :func:`helpers.lesson01_loss_formulas.lasso_ista`, the same proximal step in NumPy).

Importing this module imports Keras (``ProximalL1`` subclasses its ``Callback``), and so
starts TensorFlow: in a notebook, call :func:`helpers.notebook.setup_notebook` first.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from helpers.internal.keras_private import adam_second_moment
from helpers.internal.side_by_side import train_cnns
from helpers.internal.validation import check_choice, check_positive
from helpers.lesson02_cnn_penalties import experiment_data, make_config
from helpers.penalties import PENALTY_KINDS, Penalty
from helpers.plotting import penalty_style
from helpers.published import published_or_trained
from helpers.training import evaluate, train_cnn
from helpers.weights import DEFAULT_THRESHOLDS, kernels, sparsity
from helpers.widgets import nearest_index

__all__ = [
    "HISTOGRAM_EDGES",
    "PROXIMAL_RULES",
    "SWEEP_KINDS",
    "SWEEP_STRENGTHS",
    "ProximalL1",
    "cached_runs",
    "cached_weight_sweep",
    "draw_sweep_view",
    "kept_kernels",
    "kernel_summary",
    "nearest_run",
    "run_weight_sweep",
    "soft_threshold_tensor",
    "sweep_view",
    "train_runs",
    "weight_sweep_figure",
]

# Lesson 02's λ grid: five strengths per penalty, half a decade apart (L2 from the seed's 0.001 up).
SWEEP_STRENGTHS = {"l2": (0.001, 0.003, 0.01, 0.03, 0.1), "l1": (0.0001, 0.0003, 0.001, 0.003, 0.01)}
SWEEP_KINDS = ("l2", "l1")
# Shared bins for every histogram of the lesson; weights beyond ±0.5 are counted in the edge bins.
HISTOGRAM_EDGES = np.linspace(-0.5, 0.5, 101)


PROXIMAL_RULES = ("learning_rate", "adam")


def soft_threshold_tensor(weight, threshold):
    """TensorFlow soft threshold ``sign(w)·max(|w| − t, 0)``; ``threshold`` is a scalar or ``weight``'s shape."""
    return tf.sign(weight) * tf.maximum(tf.abs(weight) - threshold, 0.0)


class ProximalL1(keras.callbacks.Callback):
    """Keras callback: after every optimizer step, soft-threshold each kernel by (step size × λ).

    A callback (``on_train_batch_end``) rather than a custom ``train_step``: it plugs
    into ``model.fit`` and :func:`helpers.training.train_cnn` unchanged, leaves the
    optimizer alone, and runs right after each batch's update. Biases are left alone,
    as ``kernel_regularizer`` does. Use it *instead of* an L1 regularizer.
    """

    def __init__(self, l1_strength, rule="adam"):
        super().__init__()
        self.l1_strength = check_positive("l1_strength", l1_strength)
        self.rule = check_choice("rule", rule, PROXIMAL_RULES)

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        if self.rule == "adam" and not isinstance(optimizer, keras.optimizers.Adam):
            raise ValueError(f"rule='adam' needs a keras.optimizers.Adam optimizer, got {type(optimizer).__name__}")
        if self.rule == "learning_rate" and isinstance(optimizer, keras.optimizers.SGD) and optimizer.momentum:
            raise ValueError("rule='learning_rate' is the proximal step of plain SGD; got SGD with momentum")
        self._kernels = [layer.kernel for layer in self.model.layers if hasattr(layer, "kernel")]
        # One compiled graph for all kernels: a few eager ops per kernel per batch cost milliseconds.
        # No autograph: there is no tensor-dependent control flow to convert (and it re-reads the source file).
        self._apply = tf.function(self._apply_all, autograph=False)

    def _threshold(self, kernel):
        optimizer = self.model.optimizer
        learning_rate = tf.cast(optimizer.learning_rate, kernel.dtype)
        if self.rule == "learning_rate":
            return learning_rate * self.l1_strength
        # Adam's step for weight i is α_t·m_i/(sqrt(v_i)+ε): the same per-weight scale goes into t_i.
        step = tf.cast(optimizer.iterations, kernel.dtype)  # already counts the step just taken
        beta_1, beta_2 = (tf.cast(b, kernel.dtype) for b in (optimizer.beta_1, optimizer.beta_2))
        alpha = learning_rate * tf.sqrt(1.0 - beta_2**step) / (1.0 - beta_1**step)
        velocity = adam_second_moment(optimizer, kernel)
        return alpha * self.l1_strength / (tf.sqrt(velocity) + optimizer.epsilon)

    def _apply_all(self):
        for kernel in self._kernels:
            kernel.assign(soft_threshold_tensor(kernel, self._threshold(kernel)))

    def on_train_batch_end(self, batch, logs=None):
        self._apply()


def kernel_summary(weights, edges=HISTOGRAM_EDGES, thresholds=DEFAULT_THRESHOLDS):
    """Summaries of ``{layer: kernel}``: rows = layers then "all".

    Returns ``histograms`` (rows, len(edges) − 1) counts with values clipped into the
    range, ``sparsity`` (rows, len(thresholds) + 1): fraction with ``|w| < t`` per
    threshold, then exactly 0; ``norms`` (rows,): Euclidean norm ``sqrt(Σw²)``.
    """
    if not isinstance(weights, dict) or not weights:
        raise ValueError("weights must be a non-empty dict {layer name: kernel array}")
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError("edges must be a 1-D increasing array of at least 2 bin edges")
    table = sparsity(weights, thresholds)
    arrays = [np.ravel(w) for w in weights.values()]
    arrays.append(np.concatenate(arrays))
    clip = (edges[0], edges[-1] - 1e-12 * (edges[-1] - edges[0]))
    return {
        "histograms": np.stack([np.histogram(np.clip(a, *clip), bins=edges)[0] for a in arrays]),
        "sparsity": np.array([[row[t] for t in row if t != "n"] for row in table.values()]),
        "norms": np.array([np.linalg.norm(a.astype(np.float64)) for a in arrays]),
    }


def _strengths_by_kind(strengths, kinds):
    """``{kind: [strength, ...]}`` from one list for every kind or a dict by kind; checked."""
    kinds = tuple(kinds)
    for kind in kinds:
        check_choice("kind", kind, PENALTY_KINDS[1:])
    by_kind = strengths if isinstance(strengths, dict) else {kind: strengths for kind in kinds}
    checked = {}
    for kind in kinds:
        values = [check_positive("strengths", s) for s in by_kind.get(kind, ())]
        if not values:
            raise ValueError("strengths must be a non-empty list of values > 0 (for every kind)")
        checked[kind] = values
    return checked


def _regime(config):
    """The checked regime, its first seed, its data (labels made noisy as configured) -> (config, seed, data)."""

    config = make_config(config)
    return config, config["seeds"][0], experiment_data(config)


def _without_validation(data):
    """The data with no validation images: no per-epoch validation pass (time, not results)."""
    return dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])


def _scores(model, data):
    """Test and validation accuracy, and training accuracy on the true labels (with wrong labels) -> dict."""

    scores = {
        "test_accuracy": evaluate(model, data.x_test, data.y_test)["accuracy"],
        "val_accuracy": evaluate(model, data.x_val, data.y_val)["accuracy"] if len(data.y_val) else np.nan,
    }
    labels = data.y_train_true if data.y_train_true is not None else data.y_train
    scores["train_true_accuracy"] = evaluate(model, data.x_train, labels)["accuracy"]
    return scores


def run_weight_sweep(config, strengths=SWEEP_STRENGTHS, kinds=SWEEP_KINDS, *, keep=None):
    """Train the seed's CNN in ``config``'s regime (first seed) without a penalty and per (kind, strength).

    ``strengths``: one list for every kind, or ``{kind: [...]}``. ``keep``: ``{name: (kind, strength)}``
    runs whose full kernels are kept too (kind "none" with strength 0 for the run without a penalty).
    All runs train side by side in one fit (helpers.internal.side_by_side.train_cnns: the same numbers as one
    train_cnn each). Returns arrays ``kind``, ``strength``, ``test_accuracy``, ``val_accuracy``,
    ``train_true_accuracy`` (R,), ``histograms`` (R, rows, bins), ``sparsity`` (R, rows, thresholds + 1),
    ``norms`` (R, rows), the axes ``layers``, ``edges``, ``thresholds``, the ``kept`` names and
    ``<name>__<layer>`` kernels.
    """

    by_kind = _strengths_by_kind(strengths, kinds)
    runs = [("none", 0.0)] + [(kind, s) for kind, values in by_kind.items() for s in values]
    keep = dict(keep or {})
    for name, (kind, strength) in keep.items():
        if (kind, float(strength)) not in runs:
            raise ValueError(f"keep[{name!r}] = {(kind, strength)!r} is not a run of the sweep")
    config, seed, data = _regime(config)
    trained = train_cnns(
        _without_validation(data),
        [Penalty.of(kind, s) for kind, s in runs],
        num_epochs=config["epochs"],
        batch_size=config["batch_size"],
        seed=seed,
        learning_rate=config["learning_rate"],
    )
    arrays = {"kind": np.array([kind for kind, _ in runs]), "strength": np.array([s for _, s in runs])}
    scores, summaries = [], []
    for (kind, strength), run in zip(runs, trained, strict=True):
        weights = kernels(run.model)
        scores.append(_scores(run.model, data))
        summaries.append(kernel_summary(weights))
        arrays.update(
            {
                f"{name}__{layer}": kernel
                for name, wanted in keep.items()
                if (wanted[0], float(wanted[1])) == (kind, strength)
                for layer, kernel in weights.items()
            }
        )
    for name in scores[0]:
        arrays[name] = np.array([score[name] for score in scores])
    for name in summaries[0]:
        arrays[name] = np.stack([summary[name] for summary in summaries])
    arrays.update(
        layers=np.array([*weights, "all"]),
        edges=HISTOGRAM_EDGES,
        thresholds=np.array(DEFAULT_THRESHOLDS),
        kept=np.array(list(keep)),
    )
    return arrays


def cached_weight_sweep(config, strengths=SWEEP_STRENGTHS, kinds=SWEEP_KINDS, *, keep=None, directory=None, log=print):
    """:func:`run_weight_sweep`'s published result (helpers.published), keyed by regime, grid and kept runs."""

    by_kind = _strengths_by_kind(strengths, kinds)
    regime = make_config(config)
    key = {
        "what": "lesson 03 weight sweep of the seed CNN, side by side, first seed of the regime",
        "regime": regime,
        "seed": regime["seeds"][0],  # the one seed trained
        "strengths": by_kind,
        "keep": {name: [kind, float(strength)] for name, (kind, strength) in dict(keep or {}).items()},
        "edges": [float(HISTOGRAM_EDGES[0]), float(HISTOGRAM_EDGES[-1]), len(HISTOGRAM_EDGES)],
        "thresholds": list(DEFAULT_THRESHOLDS),
    }

    def compute():
        return run_weight_sweep(config, by_kind, tuple(by_kind), keep=keep)

    return published_or_trained("lesson03_weight_sweep", key, compute, cache_dir=directory, log=log)


def kept_kernels(arrays):
    """The kernels kept in a sweep or a set of runs -> ``{name: {layer: kernel}}``."""
    names = arrays["kept"].tolist() if "kept" in arrays else arrays["names"].tolist()
    return {
        name: {key.split("__", 1)[1]: value for key, value in arrays.items() if key.startswith(name + "__")}
        for name in names
    }


def _penalty_and_callbacks(spec):

    penalty = Penalty(l1_strength=spec.get("l1_strength", 0.0), l2_strength=spec.get("l2_strength", 0.0))
    proximal = spec.get("proximal")
    if proximal is None:
        return penalty, None
    if penalty.kind != "none":
        raise ValueError("a run with a proximal L1 step takes no L1/L2 regularizer as well")
    return penalty, [ProximalL1(proximal["l1_strength"], rule=proximal["rule"])]


def train_runs(config, specs):
    """Train the seed's CNN once per ``specs[name]`` in ``config``'s regime (first seed), each alone -> arrays.

    A spec is ``{"l1_strength": .., "l2_strength": ..}`` (Keras regularizers) or
    ``{"proximal": {"l1_strength": .., "rule": ..}}`` (a :class:`ProximalL1` step
    after every batch). Arrays: ``names``, ``test_accuracy``, ``val_accuracy``, ``train_true_accuracy``
    and the kernels ``<name>__<layer>``.
    """

    if not isinstance(specs, dict) or not specs:
        raise ValueError("specs must be a non-empty dict {run name: spec}")
    made = {name: _penalty_and_callbacks(spec) for name, spec in specs.items()}
    config, seed, data = _regime(config)
    arrays, scores = {}, []
    for name, (penalty, callbacks) in made.items():
        run = train_cnn(
            _without_validation(data),
            penalty,
            num_epochs=config["epochs"],
            batch_size=config["batch_size"],
            seed=seed,
            learning_rate=config["learning_rate"],
            callbacks=callbacks,
        )
        scores.append(_scores(run.model, data))
        arrays.update({f"{name}__{layer}": kernel for layer, kernel in kernels(run.model).items()})
    arrays.update({key: np.array([score[key] for score in scores]) for key in scores[0]})
    arrays["names"] = np.array(list(specs))
    return arrays


def cached_runs(config, specs, *, directory=None, log=print):
    """:func:`train_runs`' published result -> ``({name: {layer: kernel}}, {name: {score: value}})``."""

    regime = make_config(config)
    key = {
        "what": "lesson 03 models of the seed CNN, each trained alone, first seed of the regime",
        "regime": regime,
        "seed": regime["seeds"][0],
        "specs": specs,
    }

    def compute():
        return train_runs(config, specs)

    arrays = published_or_trained("lesson03_models", key, compute, cache_dir=directory, log=log)
    names = arrays["names"].tolist()
    scores = {
        name: {key: float(arrays[key][i]) for key in ("test_accuracy", "val_accuracy", "train_true_accuracy")}
        for i, name in enumerate(names)
    }
    return kept_kernels(arrays), scores


def nearest_run(sweep, kind, strength):
    """Index of the sweep's run of ``kind`` whose strength is nearest to ``strength`` on a log scale."""
    kinds = sorted(set(sweep["kind"].tolist()) - {"none"})
    check_choice("kind", kind, kinds)
    strength = check_positive("strength", strength)  # the run without a penalty has kind 'none'
    candidates = np.flatnonzero(sweep["kind"] == kind)
    return int(candidates[nearest_index(sweep["strength"][candidates], strength)])


def sweep_view(sweep, kind, strength, layer="all"):
    """What the slider shows for ``kind`` near ``strength``: strength, histogram, sparsity row, accuracy, norm."""
    layers = sweep["layers"].tolist()
    row = layers.index(check_choice("layer", layer, layers))
    index = nearest_run(sweep, kind, strength)
    return {
        "index": index,
        "kind": kind,
        "strength": float(sweep["strength"][index]),
        "histogram": sweep["histograms"][index, row],
        "sparsity": sweep["sparsity"][index, row],
        "test_accuracy": float(sweep["test_accuracy"][index]),
        "norm": float(sweep["norms"][index, row]),
    }


def _sparsity_positions(thresholds):
    """x positions of a sparsity curve: the thresholds, then "= 0" one decade below the smallest."""
    thresholds = [float(t) for t in thresholds]
    return [*thresholds, min(thresholds) / 10]


def weight_sweep_figure(sweep):
    """The λ slider's figure: all kernels' histogram, sparsity curve, test accuracy against λ -> (figure, artists).

    No penalty is drawn once, in grey; the artists (``histogram``, ``sparsity``, ``marker``, ``text``)
    are what :func:`draw_sweep_view` changes, in the colour of the penalty shown.
    """
    import matplotlib.pyplot as plt  # inside: pyplot picks its backend on import, after setup_notebook

    fig, (ax_hist, ax_sparse, ax_acc) = plt.subplots(1, 3, figsize=(9.6, 3.3))
    none = int(np.flatnonzero(sweep["kind"] == "none")[0])
    edges, x = sweep["edges"], _sparsity_positions(sweep["thresholds"])
    counts = sweep["histograms"][none, -1].astype(float)
    ax_hist.stairs(np.where(counts > 0, counts, np.nan), edges, **penalty_style("none"))
    ax_sparse.plot(x, sweep["sparsity"][none, -1], marker="o", ms=3, **penalty_style("none"))
    ax_acc.axhline(sweep["test_accuracy"][none], **penalty_style("none"))
    for kind in sorted(set(sweep["kind"].tolist()) - {"none"}, reverse=True):
        runs = sweep["kind"] == kind
        ax_acc.plot(
            sweep["strength"][runs], sweep["test_accuracy"][runs], marker="o", ms=3, alpha=0.7, **penalty_style(kind)
        )
    artists = {
        "histogram": ax_hist.stairs(np.full(len(edges) - 1, np.nan), edges, lw=2.2),
        "sparsity": ax_sparse.plot(x, np.zeros(len(x)), marker="o", ms=4, lw=2.2)[0],
        "marker": ax_acc.plot([], [], "o", ms=10)[0],
        "text": fig.text(0.5, 0.98, "", ha="center", va="top"),
    }
    ax_hist.set(
        yscale="log", ylim=(0.8, 2e5), xlim=(edges[0], edges[-1]), xlabel="weight w (all kernels)", ylabel="count (log)"
    )
    ax_sparse.set(xscale="log", ylim=(0, 1.02), xlabel="threshold t", ylabel="fraction |w| < t")
    ax_sparse.set_xticks(x, [format(t, ".0e").replace("e-0", "e-") for t in x[:-1]] + ["= 0"])
    ax_sparse.minorticks_off()
    ax_acc.set(xscale="log", ylim=(0, 1), xlabel="λ", ylabel="test accuracy")
    ax_acc.legend(fontsize=8, loc="lower left")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig, artists


def draw_sweep_view(artists, view):
    """Show one :func:`sweep_view` in the figure of :func:`weight_sweep_figure`, in its penalty's colour."""

    style = penalty_style(view["kind"])
    counts = np.asarray(view["histogram"], dtype=float)
    artists["histogram"].set_data(np.where(counts > 0, counts, np.nan))
    artists["histogram"].set_edgecolor(style["color"])
    artists["histogram"].set_linestyle(style["linestyle"])
    artists["sparsity"].set_ydata(view["sparsity"])
    artists["sparsity"].set_color(style["color"])
    artists["sparsity"].set_linestyle(style["linestyle"])
    artists["marker"].set_data([view["strength"]], [view["test_accuracy"]])
    artists["marker"].set_color(style["color"])
    artists["text"].set_text(f"{style['label']}({view['strength']:g}): test accuracy {view['test_accuracy']:.3f}")
