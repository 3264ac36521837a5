"""Lesson 06: from zeros to a smaller, faster CNN (group lasso, a physically narrower model, measured).

Scattered zeros (L1) leave every kernel its shape, so a dense kernel multiplies them as fast as any
number. Group lasso (Wen et al. 2016) penalizes ``λ·Σ_g ‖W_g‖₂`` over whole groups: here one group per
output unit (a convolution's filter ``kernel[..., j]``, a dense layer's column ``kernel[:, j]``). Its
proximal step, :class:`GroupProximal`, scales each group by ``max(0, 1 − t/‖W_g‖)`` after every optimizer
step, so whole filters and neurons become exactly zero; :func:`narrow_model` then rebuilds the seed's
CNN without them, a model that is really smaller and faster (:func:`flops`, :func:`file_sizes`,
:func:`forward_pass_ms`). :func:`magnitude_prune` and :class:`KeepPruned` are Han et al.'s (2015)
unstructured pruning, for the comparison of L1- and L2-trained networks. The lesson's trainings are
published results, in lesson 02's regime (helpers.experiment).
"""

import dataclasses
import gzip
import itertools
import tempfile
import time
import warnings
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from helpers._validation import check_choice, check_positive, check_share
from helpers.experiment import experiment_data
from helpers.models import build_cnn, compile_cnn
from helpers.penalties import Penalty, ProximalL1
from helpers.plotting import penalty_style
from helpers.published import published_or_trained
from helpers.training import evaluate, train_cnn

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
    "published_group_lasso_sweep",
    "published_pruning_study",
    "stored_model",
    "trade_off_figure",
    "unit_costs",
]

# The layers whose output units group lasso may remove: every weighted layer but the output (10 classes stay).
PRUNABLE = ("conv1", "conv2", "conv3", "dense1")
_SEED_LAYERS = ("conv1", "pool1", "conv2", "pool2", "conv3", "flatten", "dense1", "output")


def group_norms(kernel):
    """Euclidean norm of each output unit's weights: ``kernel[..., j]`` for a Conv2D or Dense kernel -> (units,)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim < 2:
        raise ValueError(f"kernel must be a Conv2D or Dense kernel (2 or more axes), got shape {kernel.shape}")
    return np.sqrt(np.sum(kernel**2, axis=tuple(range(kernel.ndim - 1))))


def group_shrink(kernel, threshold):
    """The group soft threshold: each output unit ``W_g`` scaled by ``max(0, 1 − t_g/‖W_g‖)`` (TensorFlow).

    ``threshold`` is one number or one per output unit. A group whose norm is at most its
    threshold becomes exactly zero, the others shrink towards zero without changing direction.
    """
    axes = list(range(len(kernel.shape) - 1))
    norms = tf.sqrt(tf.reduce_sum(tf.square(kernel), axis=axes))
    scale = tf.maximum(1.0 - threshold / tf.maximum(norms, keras.config.epsilon()), 0.0)
    return kernel * scale


def unit_costs(model):
    """Multiply-adds one output unit of conv1, conv2, conv3, dense1 costs per image -> ``{layer: count}``.

    Its own (``height·width·kernel size`` for a filter, ``inputs`` for a neuron) plus what the next
    layer spends on its channel (a conv1 filter feeds every conv2 filter at every position).
    """
    _check_seed_architecture(model)
    layers = [model.get_layer(name) for name in (*PRUNABLE, "output")]
    costs = {}
    for layer, following in itertools.pairwise(layers):
        inputs_per_unit = int(np.prod(layer.kernel.shape[:-1]))
        if isinstance(layer, keras.layers.Conv2D):
            own = int(np.prod(layer.output.shape[1:3])) * inputs_per_unit
        else:
            own = inputs_per_unit
        if isinstance(following, keras.layers.Conv2D):
            fed = (
                int(np.prod(following.output.shape[1:3])) * int(np.prod(following.kernel.shape[:2])) * following.filters
            )
        else:  # a Dense layer: conv3's channel is 3x3 positions of the flattened input, dense1's neuron one input
            fed = following.kernel.shape[0] // layer.kernel.shape[-1] * following.units
        costs[layer.name] = own + fed
    return costs


def group_weights(model, weighting="cost"):
    """The factor of each layer's groups in the penalty ``λ·Σ_g weight_g·‖W_g‖₂`` -> ``{layer: weight}``.

    ``"size"``: ``sqrt(group size)``, the usual group-lasso weight (Yuan & Lin 2006), so a filter of
    576 weights and one of 9 pay alike per weight. ``"cost"``: that, times ``sqrt(cost / largest cost)``
    of :func:`unit_costs`, so the units that cost the most multiply-adds are pushed hardest.
    """
    check_choice("weighting", weighting, ("size", "cost"))
    _check_seed_architecture(model)
    costs = unit_costs(model)
    weights = {}
    for name in PRUNABLE:
        size = int(np.prod(model.get_layer(name).kernel.shape[:-1]))
        weights[name] = float(np.sqrt(size * (costs[name] / max(costs.values()) if weighting == "cost" else 1.0)))
    return weights


class GroupProximal(keras.callbacks.Callback):
    """After every optimizer step, shrink each group of conv1, conv2, conv3, dense1 by ``learning_rate·λ·weight``.

    The proximal step of ``λ·Σ_g weight_g·‖W_g‖₂`` (:func:`group_weights`) with the learning rate as
    step size, as lesson 03's ProximalL1 with ``rule="learning_rate"``; whole groups become exactly
    zero. (Adam's per-weight step size, lesson 03's other rule, made whole layers collapse here: as
    a layer shrinks its gradients vanish, Adam's step grows, and so does the threshold.)
    Use it instead of a regularizer. The output layer keeps its 10 classes.
    """

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
            warnings.warn(
                f"GroupProximal(strength={self.strength:g}) removed no unit: every filter and neuron kept some "
                "weight; a larger strength (or more epochs) removes some",
                stacklevel=2,
            )


def _check_seed_architecture(model):
    """ValueError naming ``model`` unless its layers are the seed CNN's (names, types, 28x28x1 input)."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model of the seed's CNN, got {type(model).__name__}")
    names = tuple(layer.name for layer in model.layers)
    if names != _SEED_LAYERS:
        raise ValueError(f"model must have the seed CNN's layers {list(_SEED_LAYERS)}, got {list(names)}")
    if tuple(model.input_shape[1:]) != (28, 28, 1):
        raise ValueError(f"model must take 28x28x1 images, got input shape {model.input_shape}")
    for name in ("conv1", "conv2", "conv3"):
        kernel_shape = tuple(model.get_layer(name).kernel.shape[:2])
        if not isinstance(model.get_layer(name), keras.layers.Conv2D) or kernel_shape != (3, 3):
            raise ValueError(f"model's layer {name!r} must be a 3x3 Conv2D, as in the seed's CNN")
    if model.get_layer("output").units != 10:
        raise ValueError("model's output layer must have 10 units, as in the seed's CNN")


def kept_units(model):
    """``{layer: indices of the output units whose weights are not all zero}`` for conv1, conv2, conv3, dense1."""
    _check_seed_architecture(model)
    return {name: np.flatnonzero(group_norms(model.get_layer(name).kernel.numpy()) > 0) for name in PRUNABLE}


def dead_units(model):
    """``{layer: number of output units whose weights are all exactly zero}`` for conv1, conv2, conv3, dense1."""
    kept = kept_units(model)
    return {name: model.get_layer(name).kernel.shape[-1] - len(kept[name]) for name in PRUNABLE}


def cnn_with_weights(weights, learning_rate=1e-3):
    """The seed's CNN with ``weights`` ``{layer: (kernel, bias)}`` of every weighted layer (widths from their shapes)."""
    model = build_cnn(widths={name: weights[name][0].shape[-1] for name in PRUNABLE}, learning_rate=learning_rate)
    for name, (kernel, bias) in weights.items():
        model.get_layer(name).set_weights([np.asarray(kernel), np.asarray(bias)])
    return model


def _weights_of(model):
    return {
        layer.name: [w.numpy().astype(np.float64) for w in layer.weights] for layer in model.layers if layer.weights
    }


def narrow_model(model, learning_rate=1e-3, fold_biases=True):
    """The seed's CNN rebuilt with only ``model``'s surviving filters and neurons -> a smaller compiled model.

    A removed unit of layer L leaves L's kernel (its output) and L+1's kernel (the matching input
    channels; after conv3, the matching Flatten -> dense1 rows). Its bias ``b`` does not vanish:
    the unit still outputs the constant ``relu(b)``, which max-pooling keeps and which every
    3x3 window of the next layer sees, so ``relu(b)·(sum of the next layer's weights on that
    channel)`` is folded into the next layer's biases. The predictions are then the same.
    ``fold_biases=False`` leaves that out (to see that it matters).
    """
    _check_seed_architecture(model)
    keep = kept_units(model)
    for name, units in keep.items():
        if len(units) == 0:
            raise ValueError(
                f"model's layer {name!r} has every unit removed (all its groups are zero): "
                "nothing reaches the output, the model can no longer predict"
            )
    if all(len(units) == model.get_layer(name).kernel.shape[-1] for name, units in keep.items()):
        warnings.warn(
            "model has no unit whose weights are all zero: the rebuilt model is as large as model", stacklevel=2
        )
    weights = _weights_of(model)
    order = [*PRUNABLE, "output"]
    kept_inputs = None  # indices of the previous layer's units that stay (None: the input image)
    narrowed = {}
    for index, name in enumerate(order):
        kernel, bias = (array.copy() for array in weights[name])
        if name == "dense1" and kept_inputs is not None:
            # Flatten orders conv3's 3x3x64 output as (row, column, channel): keep rows of kept channels.
            kernel = kernel.reshape(3, 3, -1, kernel.shape[-1])[:, :, kept_inputs, :].reshape(-1, kernel.shape[-1])
        elif kept_inputs is not None:
            kernel = kernel[..., kept_inputs, :]
        units = keep.get(name, np.arange(kernel.shape[-1]))
        narrowed[name] = (kernel[..., units], bias[units])
        if index + 1 < len(order):
            # Fold the removed units' constant outputs relu(b) into the next layer's biases.
            removed = np.setdiff1d(np.arange(kernel.shape[-1]), units)
            constant = np.maximum(bias[removed], 0.0) if fold_biases else np.zeros(len(removed))
            next_name = order[index + 1]
            next_kernel, next_bias = weights[next_name]
            if next_name == "dense1":
                per_channel = next_kernel.reshape(3, 3, -1, next_kernel.shape[-1]).sum(axis=(0, 1))
            elif next_kernel.ndim == 4:
                per_channel = next_kernel.sum(axis=(0, 1))
            else:
                per_channel = next_kernel
            weights[next_name] = [next_kernel, next_bias + constant @ per_channel[removed]]
            kept_inputs = units
    return cnn_with_weights(
        {name: (k.astype(np.float32), b.astype(np.float32)) for name, (k, b) in narrowed.items()}, learning_rate
    )


def flops(model):
    """Floating-point operations of one 28x28x1 image's forward pass, counted: 2 per multiply-add.

    A 3x3 Conv2D with ``c_in`` input and ``c_out`` output channels on an ``h``x``w`` output does
    ``h·w·9·c_in·c_out`` multiply-adds; a Dense layer ``inputs·units``. Pooling, biases and
    activations are left out (a few percent).
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            total += 2 * height * width * int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * int(np.prod(layer.kernel.shape))
    return total


def parameter_count(model):
    """Number of weights and biases of ``model``."""
    return int(sum(np.prod(w.shape) for w in model.weights))


def file_sizes(model, folder=None):
    """Bytes of ``model`` saved as a ``.keras`` file, raw and gzipped -> ``{"raw": .., "gzipped": ..}``.

    The file goes to ``folder`` (default a temporary folder, removed afterwards).
    """
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(folder or scratch) / "model.keras"
        model.save(path)
        raw = path.read_bytes()
    # mtime=0: the same model gives the same gzipped bytes.
    return {"raw": len(raw), "gzipped": len(gzip.compress(raw, compresslevel=9, mtime=0))}


def forward_pass_ms(models, batch_sizes=(1, 256), repeats=50, images=None):
    """Milliseconds of a compiled forward pass per ``{name: model}`` and batch size -> ``{(name, b): ms}``.

    Measured side by side: every round times each model once, in turn, so all models see the
    same machine load, and :func:`paired_times` turns the rounds into one time per model. The
    same images each time (``images``, default zeros), three warm-up calls per model first
    (compiling the graph).
    """
    if images is None:
        images = np.zeros((max(batch_sizes), 28, 28, 1), dtype=np.float32)
    calls = {name: tf.function(lambda x, model=model: model(x, training=False)) for name, model in models.items()}
    timings = {}
    for size in batch_sizes:
        batch = tf.constant(images[:size])
        for call in calls.values():
            for _ in range(3):
                call(batch).numpy()
        rounds = {name: [] for name in calls}
        for _ in range(repeats):
            for name, call in calls.items():
                start = time.perf_counter()
                call(batch).numpy()
                rounds[name].append((time.perf_counter() - start) * 1000)
        timings.update({(name, size): ms for name, ms in paired_times(rounds).items()})
    return timings


def paired_times(rounds):
    """``{name: [ms per round]}``, the models timed in turn each round -> ``{name: ms}``, robust to other work.

    The first model is the reference: its fastest round. Every other model gets the median over rounds
    of its time divided by the reference's in the same round, times that fastest round: a ratio between
    two models is a median of paired ratios, which other work on the machine moves far less than the
    ratio of each model's own fastest round.
    """
    reference, *_ = rounds
    base = np.asarray(rounds[reference], dtype=float)
    return {name: float(base.min() * np.median(np.asarray(ms, dtype=float) / base)) for name, ms in rounds.items()}


def magnitude_prune(weights, sparsity):
    """Han et al.'s pruning: per layer, set the ``sparsity`` share of smallest-|w| kernel weights to zero.

    ``weights`` is ``{layer: kernel}``; biases are not pruned. Returns ``{layer: pruned kernel}``
    (new arrays). Ties at the threshold are broken by position, so the share is exact.
    """
    sparsity = check_share("sparsity", sparsity, "the share of weights to remove")  # below 1: some stay
    if sparsity == 0:
        warnings.warn("sparsity=0 removes no weight: the pruned kernels are copies", stacklevel=2)
    pruned = {}
    for name, kernel in weights.items():
        kernel = np.array(kernel)
        flat = kernel.reshape(-1)
        order = np.argsort(np.abs(flat), kind="stable")
        flat[order[: round(sparsity * flat.size)]] = 0.0
        pruned[name] = kernel
    return pruned


class KeepPruned(keras.callbacks.Callback):
    """Fine-tuning a pruned model: after every step, set the pruned weights (zeros of the kernels) back to zero."""

    def on_train_begin(self, logs=None):
        self._masks = [
            (layer.kernel, tf.constant(layer.kernel.numpy() != 0, dtype=layer.kernel.dtype))
            for layer in self.model.layers
            if hasattr(layer, "kernel")
        ]
        self._apply = tf.function(self._apply_all, autograph=False)

    def _apply_all(self):
        for kernel, mask in self._masks:
            kernel.assign(kernel * mask)

    def on_train_batch_end(self, batch, logs=None):
        self._apply()


def _training_data(config):
    """The regime's data without validation images (no validation pass after every epoch)."""
    data = experiment_data(config)
    return dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])


def _layer_weights(model):
    return {name: model.get_layer(name).get_weights() for name in (*PRUNABLE, "output")}


def _train(config, data, seed, penalty=None, callbacks=None):
    return train_cnn(
        data,
        penalty,
        num_epochs=config["epochs"],
        batch_size=config["batch_size"],
        seed=seed,
        learning_rate=config["learning_rate"],
        callbacks=callbacks,
    ).model


def _fine_tune(model, data, config, seed, epochs, callbacks=None):
    """``epochs`` more epochs of ``model`` (compiled with its fine-tuning rate) on the training images, seeded."""
    if epochs:
        keras.utils.set_random_seed(seed)
        model.fit(
            data.x_train, data.y_train, batch_size=config["batch_size"], epochs=epochs, callbacks=callbacks, verbose=0
        )
    return evaluate(model, data.x_test, data.y_test)["accuracy"]


def _store_weights(arrays, prefix, model):
    for name, (kernel, bias) in _layer_weights(model).items():
        arrays[f"{prefix}__{name}__kernel"], arrays[f"{prefix}__{name}__bias"] = kernel, bias


def run_group_lasso_sweep(
    config, strengths, weighting="cost", fine_tune_epochs=20, fine_tune_rate=1e-3, keep_weights=True
):
    """Train the seed's CNN with :class:`GroupProximal` per (λ, seed of ``config``), narrow it, fine-tune it.

    Per strength and seed: ``kept`` (S, R, 4) units kept in conv1, conv2, conv3, dense1;
    ``test_accuracy`` (S, R) of the trained model (its removed groups exactly zero),
    ``narrow_test_accuracy`` of the narrower model before fine-tuning and ``largest_difference``
    of their predicted probabilities, ``tuned_test_accuracy`` after ``fine_tune_epochs`` epochs without
    penalty at ``fine_tune_rate`` (NaN where a layer lost every unit). The dense baseline per seed,
    given the same fine-tuning: ``dense_test_accuracy``, ``dense_tuned_test_accuracy`` (R,). The first
    seed's weights ``<run>__<layer>__kernel|bias`` of the dense model (``dense``), of each trained
    model (``m<i>``, its removed groups zero) and fine-tuned narrower model (``s<i>``), and of a model
    with scattered exact zeros (``l1``: lesson 03's proximal L1 step, λ = 3e-4), with its
    ``l1_test_accuracy``; no weights and no L1 model with ``keep_weights=False``.
    """
    data = _training_data(config)
    seeds = config["seeds"]
    shape = (len(strengths), len(seeds))
    arrays = {"strength": np.array(strengths), "seed": np.array(seeds), "kept": np.zeros((*shape, 4), int)}
    for name in ("test_accuracy", "narrow_test_accuracy", "tuned_test_accuracy", "largest_difference"):
        arrays[name] = np.full(shape, np.nan)
    arrays["dense_test_accuracy"], arrays["dense_tuned_test_accuracy"] = np.zeros(len(seeds)), np.zeros(len(seeds))
    for r, seed in enumerate(seeds):
        dense = cnn_with_weights(_layer_weights(_train(config, data, seed)), learning_rate=fine_tune_rate)
        arrays["dense_test_accuracy"][r] = evaluate(dense, data.x_test, data.y_test)["accuracy"]
        if r == 0 and keep_weights:
            _store_weights(arrays, "dense", dense)
        arrays["dense_tuned_test_accuracy"][r] = _fine_tune(dense, data, config, seed, fine_tune_epochs)
    if keep_weights:
        l1 = cnn_with_weights(_layer_weights(_train(config, data, seeds[0], callbacks=[ProximalL1(3e-4)])))
        arrays["l1_test_accuracy"] = np.array(evaluate(l1, data.x_test, data.y_test)["accuracy"])
        _store_weights(arrays, "l1", l1)
    for i, strength in enumerate(strengths):
        for r, seed in enumerate(seeds):
            trained = _train(config, data, seed, callbacks=[GroupProximal(strength, weighting)])
            masked = cnn_with_weights(_layer_weights(trained))
            kept = kept_units(masked)
            arrays["kept"][i, r] = [len(units) for units in kept.values()]
            arrays["test_accuracy"][i, r] = evaluate(masked, data.x_test, data.y_test)["accuracy"]
            if not all(len(units) for units in kept.values()):
                continue  # a layer lost every unit: the model predicts one class whatever the image
            if r == 0 and keep_weights:
                _store_weights(arrays, f"m{i}", masked)
            narrow = narrow_model(masked, learning_rate=fine_tune_rate)
            arrays["narrow_test_accuracy"][i, r] = evaluate(narrow, data.x_test, data.y_test)["accuracy"]
            arrays["largest_difference"][i, r] = np.abs(
                masked.predict(data.x_test, verbose=0) - narrow.predict(data.x_test, verbose=0)
            ).max()
            arrays["tuned_test_accuracy"][i, r] = _fine_tune(narrow, data, config, seed, fine_tune_epochs)
            if r == 0 and keep_weights:
                _store_weights(arrays, f"s{i}", narrow)
    return arrays


def published_group_lasso_sweep(
    config,
    strengths,
    weighting="cost",
    fine_tune_epochs=20,
    fine_tune_rate=1e-3,
    keep_weights=True,
    *,
    log=print,
):
    """:func:`run_group_lasso_sweep`'s published result (helpers.published), keyed by regime and sweep."""
    regime = config
    key = {
        "what": "lesson 06 group-lasso sweep of the seed CNN (GroupProximal), narrowed and fine-tuned",
        "regime": regime,
        "strengths": [float(s) for s in strengths],
        "weighting": weighting,
        "fine_tune": [int(fine_tune_epochs), float(fine_tune_rate)],
        "keep_weights": bool(keep_weights),
    }

    def compute():
        return run_group_lasso_sweep(regime, strengths, weighting, fine_tune_epochs, fine_tune_rate, keep_weights)

    suffix = "" if weighting == "cost" else f"_{weighting}"  # the cost-weighted sweep is the lesson's main one
    return published_or_trained(f"lesson06_group_lasso{suffix}", key, compute, log=log)


def stored_model(arrays, run):
    """The model ``run`` (``"dense"``, ``"l1"``, ``"s<i>"``) whose weights a sweep keeps -> compiled model."""
    return cnn_with_weights(
        {name: (arrays[f"{run}__{name}__kernel"], arrays[f"{run}__{name}__bias"]) for name in (*PRUNABLE, "output")}
    )


def run_pruning_study(config, penalties, sparsities, fine_tune_epochs=3, fine_tune_rate=1e-4):
    """Han et al.'s comparison: magnitude-prune models trained with each penalty, before and after fine-tuning.

    ``penalties``: ``{name: Penalty}``. For every (penalty, seed of ``config``) the trained model is
    pruned to each sparsity (per layer, :func:`magnitude_prune`) and evaluated, then fine-tuned for
    ``fine_tune_epochs`` epochs at ``fine_tune_rate`` with the pruned weights held at zero
    (:class:`KeepPruned`, the penalty still on) and evaluated again. Arrays: ``names``, ``seed``,
    ``sparsity``, ``unpruned_accuracy`` (P, R), ``pruned_accuracy`` and ``tuned_accuracy`` (P, R, S).
    """
    data = _training_data(config)
    shape = (len(penalties), len(config["seeds"]))
    arrays = {
        "names": np.array(list(penalties)),
        "seed": np.array(config["seeds"]),
        "sparsity": np.array(sparsities),
        "unpruned_accuracy": np.zeros(shape),
        "pruned_accuracy": np.zeros((*shape, len(sparsities))),
        "tuned_accuracy": np.zeros((*shape, len(sparsities))),
    }
    for p, penalty in enumerate(penalties.values()):
        for r, seed in enumerate(config["seeds"]):
            model = _train(config, data, seed, penalty)
            arrays["unpruned_accuracy"][p, r] = evaluate(model, data.x_test, data.y_test)["accuracy"]
            trained = model.get_weights()
            layers = [layer for layer in model.layers if hasattr(layer, "kernel")]
            for s, share in enumerate(sparsities):
                model.set_weights(trained)
                pruned = magnitude_prune({layer.name: layer.kernel.numpy() for layer in layers}, share)
                for layer in layers:
                    layer.kernel.assign(pruned[layer.name])
                arrays["pruned_accuracy"][p, r, s] = evaluate(model, data.x_test, data.y_test)["accuracy"]
                compile_cnn(model, fine_tune_rate)  # a fresh optimizer for each fine-tuning
                arrays["tuned_accuracy"][p, r, s] = _fine_tune(
                    model, data, config, seed, fine_tune_epochs, callbacks=[KeepPruned()]
                )
    return arrays


def published_pruning_study(config, penalties, sparsities, fine_tune_epochs=3, fine_tune_rate=1e-4, *, log=print):
    """:func:`run_pruning_study`'s published result, keyed by regime, penalties and sparsities."""
    regime = config
    key = {
        "what": "lesson 06 magnitude pruning of L1- and L2-trained seed CNNs, before and after fine-tuning",
        "regime": regime,
        "penalties": {name: [p.l1_strength, p.l2_strength] for name, p in penalties.items()},
        "sparsities": [float(s) for s in sparsities],
        "fine_tune": [int(fine_tune_epochs), float(fine_tune_rate)],
    }

    def compute():
        return run_pruning_study(regime, penalties, sparsities, fine_tune_epochs, fine_tune_rate)

    return published_or_trained("lesson06_pruning", key, compute, log=log)


def trade_off_figure(points, dense):
    """The λ slider's figure: units kept per layer, and accuracy against operations -> (figure, artists).

    ``points``: ``{λ: {"kept": units per layer of PRUNABLE, "operations": per image, "accuracy": test
    accuracy}}``, one per swept λ; ``dense``: the same for the dense model. The dense widths and every
    λ's point are drawn once; the artists (``bars``, ``marker``, ``text``) are what
    :func:`draw_trade_off` changes.
    """
    fig, (ax_units, ax_points) = plt.subplots(1, 2, figsize=(9.6, 3.3))
    positions = np.arange(len(PRUNABLE))
    ax_units.bar(
        positions, dense["kept"], width=0.7, fill=False, edgecolor=penalty_style("none")["color"], label="dense"
    )
    bars = ax_units.bar(positions, np.zeros(len(PRUNABLE)), width=0.7, color=penalty_style("group")["color"], alpha=0.8)
    ax_units.set(xticks=positions, xticklabels=PRUNABLE, ylim=(0, 70), ylabel="units kept (mean of seeds)")
    ax_units.legend(fontsize=8, loc="upper left")
    operations = [point["operations"] / 1e6 for point in points.values()]
    accuracy = [point["accuracy"] for point in points.values()]
    group, none = penalty_style("group"), penalty_style("none")
    ax_points.plot(
        operations, accuracy, marker="o", ms=4, color=group["color"], linestyle=group["linestyle"], label=group["label"]
    )
    ax_points.plot(dense["operations"] / 1e6, dense["accuracy"], "s", color=none["color"], label="dense")
    ax_points.set(xlabel="million operations per image", ylabel="test accuracy")
    ax_points.legend(fontsize=8, loc="lower right")
    artists = {
        "bars": bars.patches,
        "marker": ax_points.plot([], [], "o", ms=11, mfc="none", mew=2, color=group["color"])[0],
        "text": fig.text(0.5, 0.98, "", ha="center", va="top"),
    }
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig, artists


def draw_trade_off(artists, strength, point, dense):
    """Show one swept λ (its ``point``, as in :func:`trade_off_figure`) in that figure."""
    for bar, units in zip(artists["bars"], point["kept"], strict=True):
        bar.set_height(units)
    artists["marker"].set_data([point["operations"] / 1e6], [point["accuracy"]])
    artists["text"].set_text(
        f"λ = {strength:g}: {dense['operations'] / point['operations']:.1f}× fewer operations, "
        f"test accuracy {point['accuracy']:.3f} (dense {dense['accuracy']:.3f})"
    )


# The lesson's published runs: lesson 02's regime without wrong labels and with all 3,000 training images
# (the question here is speed at equal accuracy, not overfitting), three seeds.
REGIME_CHANGES = {"n_train": 3000, "label_noise": 0.0, "seeds": [0, 1, 2]}
SWEEP_STRENGTHS = {"cost": (0.2, 0.25, 0.3, 0.4, 0.5, 0.6), "size": (0.1, 0.2, 0.3)}
PRUNING_PENALTIES = {"l2": Penalty(l2_strength=1e-3), "l1": Penalty(l1_strength=1e-4)}
PRUNING_SPARSITIES = (0.5, 0.7, 0.8, 0.9, 0.95)
