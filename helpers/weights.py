"""Kernels of a trained model, and how sparse they are."""

import numpy as np

from helpers._validation import check_positive

__all__ = ["DEFAULT_THRESHOLDS", "kernels", "sparsity"]

DEFAULT_THRESHOLDS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6)


def kernels(model):
    """``{layer name: kernel array}`` for every layer that has a kernel (biases excluded)."""
    return {layer.name: np.asarray(layer.kernel.numpy()) for layer in model.layers if hasattr(layer, "kernel")}


def sparsity(weights, thresholds=DEFAULT_THRESHOLDS):
    """Per layer: fraction of weights with ``|w| < t`` for each threshold, and exactly 0.

    ``weights`` is ``{name: array}`` (e.g. from :func:`kernels`) or a Keras model.
    Returns ``{name: {"n": count, t: fraction, ..., "zero": fraction}}`` plus an
    ``"all"`` entry over every weight together.
    """
    if not isinstance(weights, dict):
        weights = kernels(weights)
    if not weights:
        raise ValueError("weights is empty: no kernels to measure")
    thresholds = tuple(check_positive("thresholds", t) for t in thresholds)
    empty = [name for name, w in weights.items() if np.size(w) == 0]
    if empty:  # a fraction of no weights is NaN: a silent hole in the table
        raise ValueError(f"weights[{empty[0]!r}] is empty: every kernel needs at least one weight")
    everything = np.concatenate([np.ravel(w) for w in weights.values()])
    table = {}
    for name, values in [*weights.items(), ("all", everything)]:
        magnitudes = np.abs(np.ravel(values))
        row = {"n": magnitudes.size}
        row.update({t: float(np.mean(magnitudes < t)) for t in thresholds})
        row["zero"] = float(np.mean(magnitudes == 0))
        table[name] = row
    return table
