"""A λ sweep of the seed's CNN, kept as small per-run summaries of its kernels.

Each run (one penalty kind at one strength, plus one run without a penalty) is
reduced to arrays a slider can index without retraining: weight histograms on
shared bins, sparsity fractions, kernel norms, and accuracy. Run ``r`` of a
sweep is ``(sweep["kind"][r], sweep["strength"][r])``; rows of the per-layer
arrays follow ``sweep["layers"]`` (the five kernels, then ``"all"`` together).

:func:`train_runs` / :func:`cached_runs` keep the full kernels of a few named
models instead (the lesson's none / L1 / L2 / L1+L2 / proximal models).
"""

import numpy as np

from helpers.penalties import PENALTY_KINDS, Penalty
from helpers.validation import check_choice, check_strength
from helpers.weights import DEFAULT_THRESHOLDS, sparsity

__all__ = [
    "SWEEP_STRENGTHS",
    "SWEEP_KINDS",
    "HISTOGRAM_EDGES",
    "kernel_summary",
    "run_weight_sweep",
    "cached_weight_sweep",
    "nearest_run",
    "sweep_view",
    "train_runs",
    "cached_runs",
]

# Half-decade steps from 1e-5 to 10**-2.5 (about 3.2e-3): six log-spaced strengths per penalty kind.
SWEEP_STRENGTHS = tuple(float(10.0**exponent) for exponent in np.arange(-5.0, -2.25, 0.5))
SWEEP_KINDS = ("l1", "l2")
# Shared bins for every histogram of the lesson; weights beyond ±0.5 are counted in the edge bins.
HISTOGRAM_EDGES = np.linspace(-0.5, 0.5, 101)


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


def _train_without_validation(data, penalty, callbacks=None, *, num_epochs, seed):
    """train_cnn without the per-epoch validation pass (time, not results) -> (model, final val accuracy)."""
    import dataclasses

    from helpers.training import evaluate, train_cnn

    no_val = dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])
    run = train_cnn(no_val, penalty, num_epochs=num_epochs, seed=seed, callbacks=callbacks)
    val_accuracy = evaluate(run.model, data.x_val, data.y_val)["accuracy"] if len(data.y_val) else float("nan")
    return run.model, val_accuracy


def run_weight_sweep(data, strengths=SWEEP_STRENGTHS, kinds=SWEEP_KINDS, *, num_epochs=12, seed=0):
    """Train the seed's CNN once without a penalty and once per (kind, strength) -> dict of arrays.

    Arrays: ``kind`` (R,), ``strength`` (R,), ``test_accuracy`` and ``val_accuracy`` (R,),
    ``histograms`` (R, rows, bins), ``sparsity`` (R, rows, thresholds + 1), ``norms`` (R, rows),
    and the axes ``layers``, ``edges``, ``thresholds``.
    """
    from helpers.training import evaluate
    from helpers.weights import kernels

    strengths = [check_strength("strengths", s) for s in strengths]
    if not strengths or min(strengths) <= 0:
        raise ValueError("strengths must be a non-empty list of values > 0")
    for kind in kinds:
        check_choice("kind", kind, PENALTY_KINDS[1:])
    runs = [("none", 0.0)] + [(kind, s) for kind in kinds for s in strengths]
    results = {"kind": [], "strength": [], "test_accuracy": [], "val_accuracy": []}
    summaries = []
    for kind, strength in runs:
        penalty = Penalty.of(kind, strength)
        model, val_accuracy = _train_without_validation(data, penalty, num_epochs=num_epochs, seed=seed)
        weights = kernels(model)
        summaries.append(kernel_summary(weights))
        results["kind"].append(kind)
        results["strength"].append(strength)
        results["test_accuracy"].append(evaluate(model, data.x_test, data.y_test)["accuracy"])
        results["val_accuracy"].append(val_accuracy)
    arrays = {name: np.array(values) for name, values in results.items()}
    for name in summaries[0]:
        arrays[name] = np.stack([summary[name] for summary in summaries])
    arrays.update(layers=np.array([*weights, "all"]), edges=HISTOGRAM_EDGES, thresholds=np.array(DEFAULT_THRESHOLDS))
    return arrays


def cached_weight_sweep(data, strengths=SWEEP_STRENGTHS, kinds=SWEEP_KINDS, *, num_epochs=12, seed=0,
                        directory=None, log=print):
    """:func:`run_weight_sweep`'s published result (helpers.published), keyed by data, strengths, budget and seed."""
    from helpers.published import published_or_trained

    config = {
        "what": "lesson 02 weight sweep of the seed CNN (Adam 1e-3, batch 64)",
        "data": data.summary(),
        "split": data.split,
        "strengths": [float(s) for s in strengths],
        "kinds": list(kinds),
        "num_epochs": num_epochs,
        "seed": seed,
        "edges": [float(HISTOGRAM_EDGES[0]), float(HISTOGRAM_EDGES[-1]), len(HISTOGRAM_EDGES)],
        "thresholds": list(DEFAULT_THRESHOLDS),
    }
    compute = lambda: run_weight_sweep(data, strengths, kinds, num_epochs=num_epochs, seed=seed)  # noqa: E731
    return published_or_trained("lesson03_weight_sweep", config, compute, cache_dir=directory, log=log)


def _penalty_and_callbacks(spec):
    from helpers.proximal import ProximalL1

    penalty = Penalty(l1_strength=spec.get("l1_strength", 0.0), l2_strength=spec.get("l2_strength", 0.0))
    proximal = spec.get("proximal")
    if proximal is None:
        return penalty, None
    if penalty.kind != "none":
        raise ValueError("a run with a proximal L1 step takes no L1/L2 regularizer as well")
    return penalty, [ProximalL1(proximal["l1_strength"], rule=proximal["rule"])]


def train_runs(data, specs, *, num_epochs=12, seed=0):
    """Train the seed's CNN once per ``specs[name]`` -> arrays ``names``, ``test_accuracy``, ``<name>__<layer>``.

    A spec is ``{"l1_strength": .., "l2_strength": ..}`` (Keras regularizers) or
    ``{"proximal": {"l1_strength": .., "rule": ..}}`` (a :class:`helpers.proximal.ProximalL1` step).
    """
    from helpers.training import evaluate
    from helpers.weights import kernels

    if not isinstance(specs, dict) or not specs:
        raise ValueError("specs must be a non-empty dict {run name: spec}")
    arrays, accuracies = {}, []
    for name, spec in specs.items():
        penalty, callbacks = _penalty_and_callbacks(spec)
        model, _ = _train_without_validation(data, penalty, callbacks, num_epochs=num_epochs, seed=seed)
        accuracies.append(evaluate(model, data.x_test, data.y_test)["accuracy"])
        arrays.update({f"{name}__{layer}": kernel for layer, kernel in kernels(model).items()})
    arrays.update(names=np.array(list(specs)), test_accuracy=np.array(accuracies))
    return arrays


def cached_runs(data, specs, *, num_epochs=12, seed=0, directory=None, log=print):
    """:func:`train_runs`' published result -> ``({name: {layer: kernel}}, {name: accuracy})``."""
    from helpers.published import published_or_trained

    config = {"what": "lesson 02 models of the seed CNN (Adam 1e-3, batch 64)", "data": data.summary(),
              "split": data.split, "specs": specs, "num_epochs": num_epochs, "seed": seed}
    compute = lambda: train_runs(data, specs, num_epochs=num_epochs, seed=seed)  # noqa: E731
    arrays = published_or_trained("lesson03_models", config, compute, cache_dir=directory, log=log)
    names = arrays["names"].tolist()
    weights = {name: {key.split("__", 1)[1]: value for key, value in arrays.items() if key.startswith(name + "__")}
               for name in names}
    return weights, dict(zip(names, arrays["test_accuracy"].tolist()))


def nearest_run(sweep, kind, strength):
    """Index of the sweep's run of ``kind`` whose strength is nearest to ``strength`` on a log scale."""
    kinds = sorted(set(sweep["kind"].tolist()) - {"none"})
    check_choice("kind", kind, kinds)
    strength = check_strength("strength", strength)
    if strength == 0:
        raise ValueError("strength must be > 0 (the run without a penalty has kind 'none')")
    candidates = np.flatnonzero(sweep["kind"] == kind)
    distance = np.abs(np.log10(sweep["strength"][candidates]) - np.log10(strength))
    return int(candidates[np.argmin(distance)])


def sweep_view(sweep, kind, strength, layer="all"):
    """What the slider shows for ``kind`` near ``strength``: strength, histogram, sparsity row, accuracy, norm."""
    layers = sweep["layers"].tolist()
    row = layers.index(check_choice("layer", layer, layers))
    index = nearest_run(sweep, kind, strength)
    return {
        "index": index,
        "strength": float(sweep["strength"][index]),
        "histogram": sweep["histograms"][index, row],
        "sparsity": sweep["sparsity"][index, row],
        "test_accuracy": float(sweep["test_accuracy"][index]),
        "norm": float(sweep["norms"][index, row]),
    }
