"""Shared code for the L1-vs-L2 regularization course: a map.

The lessons hold the ideas (the CNN with ``kernel_regularizer=``, penalties written by
hand, the training loops). This package holds what they repeat, in three tiers:

**The core**, what a learner may read in one sitting (under 800 lines, 30 names):

- ``notebook``   ``setup_notebook()``, the first cell of every lesson (threads, quiet logs, seeds,
  plot style); ``reseed()``
- ``data``       ``load_dataset()``: the named sources ``mnist-5k`` (offline), ``mnist``,
  ``fashion-mnist``, split deterministically; ``with_label_noise()``
- ``penalties``  ``Penalty``: L1 / L2 / both in Keras' convention, its value, gradient and Keras
  regularizer; ``soft_threshold()``
- ``models``     ``build_cnn()``: the seed text's CNN with a ``kernel_regularizer`` on every kernel
- ``training``   ``train_cnn()``: a seeded ``fit`` that records the data loss apart from the penalty;
  ``evaluate()``
- ``weights``    ``kernels()`` of a model and their ``sparsity()``
- ``compare``    ``paired_difference()``: the course's one rule for "is B better than A" over seeds
- ``published``  ``published_or_trained()``: a lesson's expensive results, published or retrained
- ``plotting``   one colour and line style per penalty
- ``widgets``    the λ slider, a figure redrawn in place, the nearest trained λ on a log scale
- ``checks``     ``check_true()`` / ``check_close()``: a lesson's visible checks

**Lesson modules**, named after their notebook (``notebooks/NN_*.ipynb``):

- ``lesson01_loss_formulas``  penalized linear fits, the 2-D picture, λ across frameworks
- ``lesson02_cnn_penalties``  the experiment every later lesson reuses: ``make_config()`` (the
  regime), ``run_experiment()``, ``cached_results()``, its tables and figures
- ``lesson03_weights_and_sparsity``  the weight sweep behind the slider; ``ProximalL1``
- ``lesson04_choosing_lambda``  a fold's training images; lesson 02's runs to compare with
- ``lesson05_other_regularizers``  weight decay, λ warm-up, dropout, augmentation, early stopping
- ``lesson06_structured_sparsity``  (elective) group lasso, a physically narrower CNN, its size and speed,
  magnitude pruning of L1- and L2-trained networks

**The runner**: ``experiment``, the command line of lesson 02's experiment
(``python -m helpers.experiment``), and ``cluster``, its trials on a Ray cluster through Ray Tune
(``--ray``; Ray is the optional extra ``.[cluster]``).

**Machinery** a learner need not read, in ``helpers.internal``:

- ``validation``  argument checks named for what they check (``check_positive`` ...)
- ``store``       the results store behind ``published``: keys, checksums, provenance, the user's cache
- ``files``       the one atomic file writer
- ``runtime``     TensorFlow start-up, the bfloat16 fast path, what the CPU is
- ``fast_fit``    ``fit`` with one compiled call per epoch (same numbers)
- ``side_by_side`` ``train_cnns()``: many CNNs in one ``fit`` (a sweep at once, same numbers)
- ``data_files``  reading and checking the data sources' files
- ``keras_private`` the one Keras internal the course reads (Adam's second moments)
- ``latency``     timing a slider's callback (benchmarks)

Imports run one way (runner -> lessons -> core -> internal; tests/test_layout.py checks it).
Modules import each other at the top. Keras, TensorFlow, ipywidgets and pyplot are imported
inside the functions that use them, for one reason: importing TensorFlow starts it, and it must
start inside ``setup_notebook`` (threads, quiet logs). So ``import helpers`` and every core
module import without starting TensorFlow; lesson modules 03, 05 and 06 define Keras classes and
import Keras at the top, after the lesson's first cell.
"""

import importlib

__all__ = [
    "checks",
    "cluster",
    "compare",
    "data",
    "experiment",
    "internal",
    "lesson01_loss_formulas",
    "lesson02_cnn_penalties",
    "lesson03_weights_and_sparsity",
    "lesson04_choosing_lambda",
    "lesson05_other_regularizers",
    "lesson06_structured_sparsity",
    "models",
    "notebook",
    "penalties",
    "plotting",
    "published",
    "training",
    "weights",
    "widgets",
]


def __getattr__(name):
    # Lazy submodules (PEP 562): ``helpers.data`` works without an explicit import,
    # yet ``import helpers`` alone stays free of TensorFlow.
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
