"""Shared code for the L1-vs-L2 regularization course.

Importing ``helpers`` has no side effects: it does not import TensorFlow, seed
anything or touch matplotlib. Each concern lives in its own module, imported on
first use (``helpers.data``, ``helpers.models`` ...), so ``import helpers`` is
instant and a notebook decides when TensorFlow starts (after
:func:`helpers.notebook.setup_notebook` has silenced its logs).

Modules, in the order a reader meets them:

- ``notebook``   one setup call for every lesson (seeds, threads, logs, plot style)
- ``validation`` the argument checks every public function uses
- ``penalties``  L1 / L2 / elastic-net values and gradients in NumPy, ``Penalty``
- ``conventions`` convert λ between Keras, the seed text, PyTorch and scikit-learn
- ``linear``     ridge / lasso solvers, polynomial fits and 2-D geometry for lesson 01
- ``data``       the named data sources (``mnist-5k``, ``mnist``, ``fashion-mnist``)
- ``models``     the seed text's CNN with a per-layer ``kernel_regularizer``
- ``weights``    kernels of a trained model and their sparsity
- ``proximal``   proximal L1 (soft threshold after each optimizer step) for exact zeros; ISTA
- ``weight_sweep`` a cached λ sweep of the CNN, kept as kernel histograms, sparsity and norms
- ``training``   seeded training runs that record the data loss apart from the penalty (``train_cnns``: many in one fit)
- ``fastpath``   bfloat16 arithmetic where the CPU has it, float32 elsewhere (a capability check, one switch)
- ``published``  the published results the lessons show, and retrained ones in a per-user cache
- ``checks``     the check-cell pattern: assert within a tolerance, print rounded
- ``plotting``   the house plot style and one colour / line style per penalty
- ``widgets``    the λ-slider pattern: a log slider, a figure redrawn in place (``BlittedFigure``: fast), latency
- ``experiment`` the course's main job (``python -m helpers.experiment``): lesson 02's experiment
- ``experiment_plots`` its figures: learning curves, test accuracy over seeds, λ sweep, slider
- ``tuning``     choosing λ (scikit-learn CV), scheduled λ, dropout / augmentation / weight-decay variants
- ``other_regularizers`` lesson 05: recipe tables (weight decay, λ warm-up, dropout, augmentation, early
  stopping) paired with lesson 02's runs
"""

import importlib

__all__ = [
    "checks",
    "conventions",
    "data",
    "experiment",
    "experiment_plots",
    "fastpath",
    "linear",
    "models",
    "notebook",
    "other_regularizers",
    "penalties",
    "plotting",
    "proximal",
    "published",
    "training",
    "tuning",
    "validation",
    "weight_sweep",
    "weights",
    "widgets",
]


def __getattr__(name):
    # Lazy submodules (PEP 562): ``helpers.data`` works without an explicit import,
    # yet ``import helpers`` alone stays free of TensorFlow.
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
