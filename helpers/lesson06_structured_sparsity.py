"""Lesson 06: from zeros to a smaller, faster CNN (group lasso, a physically narrower model, measured).

L1's scattered zeros leave every kernel its shape: a dense kernel multiplies zeros as fast as any number. Group
lasso (Wen et al. 2016), ``λ·Σ_g ‖W_g‖₂`` over output units ``kernel[..., j]``, zeroes whole filters and neurons
(:class:`GroupProximal`), and :func:`narrow_model` rebuilds the seed's CNN without them; :func:`magnitude_prune` is
Han et al.'s (2015) unstructured pruning, for comparison. Trainings are published results (helpers.published)."""

import dataclasses
import gzip
import itertools
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from helpers._text import _
from helpers._validation import check_choice, check_positive, check_share
from helpers.experiment import experiment_data
from helpers.models import build_cnn, compile_cnn
from helpers.penalties import Penalty, ProximalL1
from helpers.plotting import penalty_style
from helpers.published import published_or_trained
from helpers.training import evaluate, train_cnn
from helpers.weights import kernels

__all__ = [
    "PRUNABLE",
    "PRUNING_PENALTIES",
    "PRUNING_SPARSITIES",
    "REGIME_CHANGES",
    "SWEEP_STRENGTHS",
    "dead_units",
    "draw_trade_off",
    "file_sizes",
    "flops",
    "forward_pass_ms",
    "group_shrink",
    "group_weights",
    "narrow_model",
    "parameter_count",
    "published_from_scratch",
    "published_group_lasso_sweep",
    "published_pruning_study",
    "stored_model",
    "trade_off_figure",
    "unit_costs",
]

# The layers whose output units group lasso may remove: every weighted layer but the output (10 classes stay).
PRUNABLE = ("conv1", "conv2", "conv3", "dense1")
_SEED_LAYERS = ["conv1", "pool1", "conv2", "pool2", "conv3", "flatten", "dense1", "output"]


def group_norms(kernel):
    """Euclidean norm of each output unit's weights ``kernel[..., j]`` (a Conv2D or Dense kernel) -> (units,)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    return np.sqrt(np.sum(kernel**2, axis=tuple(range(kernel.ndim - 1))))


def group_shrink(kernel, threshold):
    """The group soft threshold (TensorFlow): each output unit ``W_g`` scaled by ``max(0, 1 − t_g/‖W_g‖)``,
    ``threshold`` one number or one per unit. A group at most its threshold long becomes exactly zero."""
    axes = list(range(len(kernel.shape) - 1))
    norms = tf.sqrt(tf.reduce_sum(tf.square(kernel), axis=axes))
    scale = tf.maximum(1.0 - threshold / tf.maximum(norms, keras.config.epsilon()), 0.0)
    return kernel * scale


def _multiply_adds(layer):  # per image: a Conv2D uses each kernel weight at every output position
    positions = int(np.prod(layer.output.shape[1:3])) if isinstance(layer, keras.layers.Conv2D) else 1
    return positions * int(np.prod(layer.kernel.shape))


def unit_costs(model):
    """Multiply-adds per image of one unit of each PRUNABLE layer, its own plus the next layer's on its channel
    (a layer's multiply-adds spread evenly over its output units, the next layer's over its input channels)."""
    return {
        layer.name: (_multiply_adds(layer) + _multiply_adds(following)) // layer.kernel.shape[-1]
        for layer, following in itertools.pairwise(model.get_layer(name) for name in (*PRUNABLE, "output"))
    }


def flops(model):
    """Floating-point operations of one image's forward pass: 2 per multiply-add of Conv2D and Dense layers only."""
    weighted = [layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    return 2 * sum(_multiply_adds(layer) for layer in weighted)


def group_weights(model, weighting="cost"):
    """The factor of each layer's groups in the penalty ``λ·Σ_g weight_g·‖W_g‖₂`` -> ``{layer: weight}``. ``"size"``:
    ``sqrt(group size)`` (Yuan & Lin 2006), so large and small groups pay alike per weight; ``"cost"``: that times
    ``sqrt(cost / largest cost)`` (:func:`unit_costs`), so the costliest units are pushed hardest."""
    check_choice("weighting", weighting, ("size", "cost"))
    costs = unit_costs(model)
    weights = {}
    for name in PRUNABLE:
        size = int(np.prod(model.get_layer(name).kernel.shape[:-1]))
        weights[name] = float(np.sqrt(size * (costs[name] / max(costs.values()) if weighting == "cost" else 1.0)))
    return weights


class GroupProximal(keras.callbacks.Callback):
    """After every optimizer step, shrink each group of conv1, conv2, conv3, dense1 by ``learning_rate·λ·weight``:
    the proximal step of ``λ·Σ_g weight_g·‖W_g‖₂`` (:func:`group_weights`). Not Adam's per-weight step: with it, a
    shrinking layer's gradients vanish and its threshold grows (whole layers collapsed)."""

    def __init__(self, strength, weighting="cost"):
        super().__init__()
        self.strength = check_positive("strength", strength)
        self.weighting = check_choice("weighting", weighting, ("size", "cost"))

    def on_train_begin(self, logs=None):
        weights = group_weights(self.model, self.weighting)
        self._groups = [(self.model.get_layer(name).kernel, weight) for name, weight in weights.items()]
        self._apply = tf.function(self._apply_all, autograph=False)

    def _apply_all(self):
        for kernel, weight in self._groups:
            rate = tf.cast(self.model.optimizer.learning_rate, kernel.dtype)
            kernel.assign(group_shrink(kernel, rate * self.strength * weight))

    def on_train_batch_end(self, batch, logs=None):
        self._apply()

    def on_train_end(self, logs=None):
        if not any(dead_units(self.model).values()):
            warnings.warn(f"GroupProximal(strength={self.strength:g}) removed no unit: try a larger one", stacklevel=2)


def kept_units(model):
    """``{layer: indices of the output units whose weights are not all zero}`` for conv1, conv2, conv3, dense1."""
    return {name: np.flatnonzero(group_norms(model.get_layer(name).kernel.numpy()) > 0) for name in PRUNABLE}


def dead_units(model):
    """``{layer: number of output units whose weights are all exactly zero}`` for conv1, conv2, conv3, dense1."""
    return {name: model.get_layer(name).kernel.shape[-1] - len(units) for name, units in kept_units(model).items()}


def cnn_with_weights(weights, learning_rate=1e-3):
    """The seed's CNN with ``weights`` ``{layer: (kernel, bias)}`` of each weighted layer (widths from their shapes)."""
    model = build_cnn(widths={name: weights[name][0].shape[-1] for name in PRUNABLE}, learning_rate=learning_rate)
    for name, (kernel, bias) in weights.items():
        model.get_layer(name).set_weights([np.asarray(kernel), np.asarray(bias)])
    return model


def narrow_model(model, learning_rate=1e-3, fold_biases=True):
    """The seed's CNN rebuilt with only ``model``'s surviving filters and neurons -> a smaller compiled model.

    A removed unit still outputs ``relu(b)`` of its bias ``b``, which pooling keeps and every window of the next layer
    sees: ``relu(b)·(the next layer's weights on that channel)`` is folded into the next layer's biases, so the
    predictions stay the same (``fold_biases=False`` leaves that out)."""
    if (names := [layer.name for layer in model.layers]) != _SEED_LAYERS:
        raise ValueError(f"model must be the seed's CNN (helpers.models.build_cnn), layers {_SEED_LAYERS}; got {names}")
    keep = kept_units(model)
    if empty := [name for name, units in keep.items() if len(units) == 0]:
        raise ValueError(f"model's layer {empty[0]!r} has every unit removed (all its groups are zero): no prediction")
    if all(len(units) == model.get_layer(name).kernel.shape[-1] for name, units in keep.items()):
        warnings.warn("model has no unit whose weights are all zero: the rebuilt model is as large", stacklevel=2)
    order = [*PRUNABLE, "output"]
    weights = {name: [w.astype(np.float64) for w in model.get_layer(name).get_weights()] for name in order}
    # dense1's rows as conv3's 3x3 positions and channels, the order in which Flatten lays them out
    weights["dense1"][0] = weights["dense1"][0].reshape(3, 3, -1, weights["dense1"][0].shape[-1])
    kept_inputs, narrowed = slice(None), {}  # kept_inputs: the previous layer's units that stay (all: the image)
    for name, next_name in itertools.zip_longest(order, order[1:]):
        kernel, bias = weights[name]
        kernel = kernel[..., kept_inputs, :]
        units = keep.get(name, np.arange(kernel.shape[-1]))
        narrowed[name] = (kernel[..., units].astype(np.float32), bias[units].astype(np.float32))
        if next_name:  # fold the removed units' constant outputs relu(b) into the next layer's biases
            removed = np.setdiff1d(np.arange(kernel.shape[-1]), units)
            constant = np.maximum(bias[removed], 0.0) if fold_biases else np.zeros(len(removed))
            next_kernel, next_bias = weights[next_name]
            per_channel = next_kernel.sum(axis=(0, 1)) if next_kernel.ndim == 4 else next_kernel
            weights[next_name][1] = next_bias + constant @ per_channel[removed]
            kept_inputs = units
    kernel, bias = narrowed["dense1"]
    narrowed["dense1"] = (kernel.reshape(-1, kernel.shape[-1]), bias)
    return cnn_with_weights(narrowed, learning_rate)


def parameter_count(model):
    """Number of weights and biases of ``model``."""
    return int(sum(np.prod(w.shape) for w in model.weights))


def file_sizes(model):
    """Bytes of ``model`` saved as a ``.keras`` file, raw and gzipped (mtime=0: the same model, the same bytes)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "model.keras"
        model.save(path)
        raw = path.read_bytes()
    return {"raw": len(raw), "gzipped": len(gzip.compress(raw, compresslevel=9, mtime=0))}


def forward_pass_ms(models, batch_sizes=(1, 256), repeats=20):
    """Milliseconds of a compiled forward pass of zeros per ``{name: model}`` and batch size -> ``{(name, b): ms}``.
    Each of ``repeats`` rounds times every model once, in turn, after three warm-up calls (:func:`paired_times`)."""
    calls = {name: tf.function(lambda x, model=model: model(x, training=False)) for name, model in models.items()}
    timings = {}
    for size in batch_sizes:
        batch = tf.constant(np.zeros((size, 28, 28, 1), dtype=np.float32))
        for call in [*calls.values()] * 3:
            call(batch).numpy()
        rounds = {name: [] for name in calls}
        for _round in range(repeats):
            for name, call in calls.items():
                start = time.perf_counter()
                call(batch).numpy()
                rounds[name].append((time.perf_counter() - start) * 1000)
        timings.update({(name, size): ms for name, ms in paired_times(rounds).items()})
    return timings


def paired_times(rounds):
    """``{name: [ms per round]}``, the models timed in turn each round -> ``{name: ms}``: the first model's fastest
    round times each model's median ratio to it within a round, which other work on the machine moves far less than
    each model's own fastest round."""
    reference, *_ = rounds
    base = np.asarray(rounds[reference], dtype=float)
    return {name: float(base.min() * np.median(np.asarray(ms, dtype=float) / base)) for name, ms in rounds.items()}


def magnitude_prune(weights, sparsity):
    """Han et al.'s pruning of ``{layer: kernel}``: per layer, the ``sparsity`` share of smallest |w| set to zero.
    New arrays; ties at the threshold are broken by position, so the share is exact."""
    pruned = {name: np.array(kernel) for name, kernel in weights.items()}
    for kernel in pruned.values():
        flat = kernel.reshape(-1)  # a view: zeroing it zeroes the kernel
        flat[np.argsort(np.abs(flat), kind="stable")[: round(sparsity * flat.size)]] = 0.0
    return pruned


class KeepPruned(keras.callbacks.Callback):
    """Fine-tuning a pruned model: after every step, set the pruned weights (zeros of the kernels) back to zero."""

    def on_train_begin(self, logs=None):
        variables = [layer.kernel for layer in self.model.layers if hasattr(layer, "kernel")]
        self._masks = [(kernel, tf.constant(kernel.numpy() != 0, dtype=kernel.dtype)) for kernel in variables]
        self._apply = tf.function(self._apply_all, autograph=False)

    def _apply_all(self):
        for kernel, mask in self._masks:
            kernel.assign(kernel * mask)

    def on_train_batch_end(self, batch, logs=None):
        self._apply()


def _training_data(config):  # the regime's data without validation images: no validation pass after every epoch
    data = experiment_data(config)
    return dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])


def _train(config, data, seed, penalty=None, callbacks=None):
    schedule = dict(num_epochs=config["epochs"], batch_size=config["batch_size"], learning_rate=config["learning_rate"])
    return train_cnn(data, penalty, seed=seed, callbacks=callbacks, **schedule).model


def _fine_tune(model, data, batch_size, seed, epochs, callbacks=None):  # ``epochs`` more, seeded -> test accuracy
    if epochs:
        keras.utils.set_random_seed(seed)
        model.fit(data.x_train, data.y_train, batch_size=batch_size, epochs=epochs, callbacks=callbacks, verbose=0)
    return evaluate(model, data.x_test, data.y_test)["accuracy"]


def _layer_weights(model):
    return {name: model.get_layer(name).get_weights() for name in (*PRUNABLE, "output")}


def run_group_lasso_sweep(config, strengths, weighting, fine_tune_epochs, fine_tune_rate, keep_weights):
    """Train the seed's CNN with :class:`GroupProximal` per (λ, seed of ``config``), narrow it, fine-tune it -> arrays
    ``kept`` (S, R, 4) units per layer; ``test_accuracy`` (S, R) as trained, ``narrow_test_accuracy``,
    ``largest_difference`` of the probabilities, ``tuned_test_accuracy`` after fine-tuning without penalty (NaN
    where a layer lost every unit); ``dense_test_accuracy``, ``dense_tuned_test_accuracy`` (R,). With
    ``keep_weights``, the first seed's ``<run>__<layer>__kernel|bias`` of the models ``dense``, ``m<i>`` (trained),
    ``s<i>`` (narrowed, fine-tuned) and ``l1`` (lesson 03's proximal L1, λ = 3e-4) with its ``l1_test_accuracy``."""
    data, seeds = _training_data(config), config["seeds"]
    shape = (len(strengths), len(seeds))
    arrays = {"strength": np.array(strengths), "seed": np.array(seeds), "kept": np.zeros((*shape, 4), int)}
    for name in ("test_accuracy", "narrow_test_accuracy", "tuned_test_accuracy", "largest_difference"):
        arrays[name] = np.full(shape, np.nan)
    arrays["dense_test_accuracy"], arrays["dense_tuned_test_accuracy"] = np.zeros(len(seeds)), np.zeros(len(seeds))

    def store(run, model, r=0):  # the first seed's weights, when asked for
        if r == 0 and keep_weights:
            for name, (kernel, bias) in _layer_weights(model).items():
                arrays[f"{run}__{name}__kernel"], arrays[f"{run}__{name}__bias"] = kernel, bias

    for r, seed in enumerate(seeds):
        dense = cnn_with_weights(_layer_weights(_train(config, data, seed)), learning_rate=fine_tune_rate)
        arrays["dense_test_accuracy"][r] = evaluate(dense, data.x_test, data.y_test)["accuracy"]
        store("dense", dense, r)
        arrays["dense_tuned_test_accuracy"][r] = _fine_tune(dense, data, config["batch_size"], seed, fine_tune_epochs)
    if keep_weights:
        l1 = cnn_with_weights(_layer_weights(_train(config, data, seeds[0], callbacks=[ProximalL1(3e-4)])))
        arrays["l1_test_accuracy"] = np.array(evaluate(l1, data.x_test, data.y_test)["accuracy"])
        store("l1", l1)
    for i, strength in enumerate(strengths):
        for r, seed in enumerate(seeds):
            trained = _train(config, data, seed, callbacks=[GroupProximal(strength, weighting)])
            masked = cnn_with_weights(_layer_weights(trained))
            arrays["kept"][i, r] = [len(units) for units in kept_units(masked).values()]
            arrays["test_accuracy"][i, r] = evaluate(masked, data.x_test, data.y_test)["accuracy"]
            if not arrays["kept"][i, r].all():
                continue  # a layer lost every unit: the model predicts one class whatever the image
            store(f"m{i}", masked, r)
            narrow = narrow_model(masked, learning_rate=fine_tune_rate)
            arrays["narrow_test_accuracy"][i, r] = evaluate(narrow, data.x_test, data.y_test)["accuracy"]
            difference = masked.predict(data.x_test, verbose=0) - narrow.predict(data.x_test, verbose=0)
            arrays["largest_difference"][i, r] = np.abs(difference).max()
            arrays["tuned_test_accuracy"][i, r] = _fine_tune(narrow, data, config["batch_size"], seed, fine_tune_epochs)
            store(f"s{i}", narrow, r)
    return arrays


def published_group_lasso_sweep(
    config, strengths, weighting="cost", fine_tune_epochs=20, fine_tune_rate=1e-3, keep_weights=True, *, log=print
):
    """:func:`run_group_lasso_sweep`'s published result (helpers.published), keyed by regime and sweep."""
    key = {
        "what": "lesson 06 group-lasso sweep of the seed CNN (GroupProximal), narrowed and fine-tuned",
        "regime": config,
        "strengths": [check_positive("strengths", s) for s in strengths],
        "weighting": check_choice("weighting", weighting, ("size", "cost")),
        "fine_tune": [int(fine_tune_epochs), float(fine_tune_rate)],
        "keep_weights": bool(keep_weights),
    }
    suffix = "" if weighting == "cost" else f"_{weighting}"  # the cost-weighted sweep is the lesson's main one
    train = partial(run_group_lasso_sweep, config, strengths, weighting, fine_tune_epochs, fine_tune_rate, keep_weights)
    return published_or_trained(f"lesson06_group_lasso{suffix}", key, train, log=log)


def run_from_scratch(config, kept, epochs):
    """The seed's CNN at each sweep's widths (``kept`` (S, R, 4), per strength and seed of ``config``), trained from
    scratch for ``epochs`` without a penalty -> ``test_accuracy`` (S, R), NaN where a layer kept no unit."""
    data, schedule = _training_data(config), dict(batch_size=config["batch_size"], num_epochs=epochs)
    accuracy = np.full(kept.shape[:2], np.nan)
    for i, r in np.ndindex(*accuracy.shape):
        if kept[i, r].all():
            widths = dict(zip(PRUNABLE, kept[i, r].tolist(), strict=True))
            build = partial(build_cnn, widths=widths, learning_rate=config["learning_rate"])
            model = train_cnn(data, seed=config["seeds"][r], build=build, **schedule).model
            accuracy[i, r] = evaluate(model, data.x_test, data.y_test)["accuracy"]
    return {"test_accuracy": accuracy}


def published_from_scratch(config, kept, epochs=40, *, log=print):
    """:func:`run_from_scratch`'s published result, keyed by regime, widths and epochs."""
    key = {
        "what": "lesson 06 seed CNNs at the group-lasso sweep's widths, trained from scratch without a penalty",
        "regime": config,
        "widths": np.asarray(kept).tolist(),
        "epochs": int(epochs),
    }
    return published_or_trained(
        "lesson06_from_scratch", key, partial(run_from_scratch, config, np.asarray(kept), epochs), log=log
    )


def stored_model(arrays, run):
    """The model ``run`` (``"dense"``, ``"l1"``, ``"s<i>"``) whose weights a sweep keeps -> compiled model."""
    return cnn_with_weights(
        {name: (arrays[f"{run}__{name}__kernel"], arrays[f"{run}__{name}__bias"]) for name in (*PRUNABLE, "output")}
    )


def run_pruning_study(config, penalties, sparsities, fine_tune_epochs, fine_tune_rate):
    """Han et al.'s comparison: per (``{name: Penalty}``, seed), a trained model magnitude-pruned to each sparsity,
    then fine-tuned with the zeros held (:class:`KeepPruned`, penalty on) -> arrays ``names``, ``seed``,
    ``sparsity``, ``unpruned_accuracy`` and ``pruned|tuned_accuracy``."""
    data = _training_data(config)
    shape = (len(penalties), len(config["seeds"]), len(sparsities))
    arrays = {"names": np.array(list(penalties)), "seed": np.array(config["seeds"]), "sparsity": np.array(sparsities)}
    arrays["unpruned_accuracy"] = np.zeros(shape[:2])
    arrays["pruned_accuracy"], arrays["tuned_accuracy"] = np.zeros(shape), np.zeros(shape)
    for p, penalty in enumerate(penalties.values()):
        for r, seed in enumerate(config["seeds"]):
            model = _train(config, data, seed, penalty)
            arrays["unpruned_accuracy"][p, r] = evaluate(model, data.x_test, data.y_test)["accuracy"]
            trained = model.get_weights()
            for s, share in enumerate(sparsities):
                model.set_weights(trained)
                for name, kernel in magnitude_prune(kernels(model), share).items():
                    model.get_layer(name).kernel.assign(kernel)
                arrays["pruned_accuracy"][p, r, s] = evaluate(model, data.x_test, data.y_test)["accuracy"]
                compile_cnn(model, fine_tune_rate)  # a fresh optimizer for each fine-tuning
                tuned = _fine_tune(model, data, config["batch_size"], seed, fine_tune_epochs, callbacks=[KeepPruned()])
                arrays["tuned_accuracy"][p, r, s] = tuned
    return arrays


def published_pruning_study(config, penalties, sparsities, fine_tune_epochs=3, fine_tune_rate=1e-4, *, log=print):
    """:func:`run_pruning_study`'s published result, keyed by regime, penalties and sparsities."""
    key = {
        "what": "lesson 06 magnitude pruning of L1- and L2-trained seed CNNs, before and after fine-tuning",
        "regime": config,
        "penalties": {name: [p.l1_strength, p.l2_strength] for name, p in penalties.items()},
        "sparsities": [check_share("sparsities", s, "the share of weights to remove") for s in sparsities],
        "fine_tune": [int(fine_tune_epochs), float(fine_tune_rate)],
    }
    train = partial(run_pruning_study, config, penalties, sparsities, fine_tune_epochs, fine_tune_rate)
    return published_or_trained("lesson06_pruning", key, train, log=log)


def trade_off_figure(points, dense):
    """The λ slider's figure: units kept per layer, and accuracy against operations -> (figure, artists). ``points``:
    ``{λ: {"kept": units per layer, "operations": per image, "accuracy": ..}}``; ``dense``: the same."""
    group, none = penalty_style("group"), penalty_style("none")
    fig, (ax_units, ax_points) = plt.subplots(1, 2, figsize=(9.6, 3.3))
    positions = np.arange(len(PRUNABLE))
    ax_units.bar(positions, dense["kept"], width=0.7, fill=False, edgecolor=none["color"], label=_("dense"))
    bars = ax_units.bar(positions, np.zeros(len(PRUNABLE)), width=0.7, color=group["color"], alpha=0.8)
    ax_units.set(xticks=positions, xticklabels=PRUNABLE, ylim=(0, 70), ylabel=_("units kept (mean of seeds)"))
    ax_units.legend(fontsize=8, loc="upper left")
    operations = [point["operations"] / 1e6 for point in points.values()]
    accuracy = [point["accuracy"] for point in points.values()]
    ax_points.plot(operations, accuracy, marker="o", ms=4, **group)
    ax_points.plot(dense["operations"] / 1e6, dense["accuracy"], "s", color=none["color"], label=_("dense"))
    ax_points.set(xlabel=_("million operations per image"), ylabel=_("test accuracy"))
    ax_points.legend(fontsize=8, loc="lower right")
    marker = ax_points.plot([], [], "o", ms=11, mfc="none", mew=2, color=group["color"])[0]
    text = fig.text(0.5, 0.98, "", ha="center", va="top")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig, {"bars": bars.patches, "marker": marker, "text": text}


def draw_trade_off(artists, strength, point, dense):
    """Show one swept λ (its ``point``, as in :func:`trade_off_figure`) in that figure."""
    for bar, units in zip(artists["bars"], point["kept"], strict=True):
        bar.set_height(units)
    artists["marker"].set_data([point["operations"] / 1e6], [point["accuracy"]])
    text = _("λ = {strength:g}: {ratio:.1f}× fewer operations, test accuracy {accuracy:.3f} (dense {dense:.3f})")
    ratio, accuracy = dense["operations"] / point["operations"], point["accuracy"]
    artists["text"].set_text(text.format(strength=strength, ratio=ratio, accuracy=accuracy, dense=dense["accuracy"]))


# Lesson 02's regime without wrong labels and with all 3,000 training images: speed at equal accuracy, not overfitting.
REGIME_CHANGES = {"n_train": 3000, "label_noise": 0.0, "seeds": [0, 1, 2]}
SWEEP_STRENGTHS = {"cost": (0.2, 0.25, 0.3, 0.4, 0.5, 0.6), "size": (0.1, 0.2, 0.3)}
PRUNING_PENALTIES = {"l2": Penalty(l2_strength=1e-3), "l1": Penalty(l1_strength=1e-4)}
PRUNING_SPARSITIES = (0.5, 0.7, 0.8, 0.9, 0.95)
