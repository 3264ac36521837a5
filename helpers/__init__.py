"""Shared code for the L1-vs-L2 regularization course: a map.

The lessons hold the ideas (the CNN with ``kernel_regularizer=``, penalties written by hand, the
training loops); this package holds what they repeat. Imports run one way, down this list.

**The core**, what a learner may read in one sitting:

- ``notebook``    ``setup_notebook()``, the first call of every lesson (quiet TensorFlow, seeds, plot style)
  and ``pad()``, text in fixed-width columns (a Chinese character takes two)
- ``published``   ``published_or_trained()``: a lesson's expensive results, published or retrained here
- ``data``        ``load_dataset()``: the named sources ``mnist-5k`` (offline), ``mnist``, ``fashion-mnist``;
  ``with_label_noise()``
- ``penalties``   ``Penalty`` (L1 / L2 / both in Keras' convention), ``soft_threshold()``, ``ProximalL1``
- ``models``      ``build_cnn()``: the seed text's CNN with a ``kernel_regularizer`` on every kernel
- ``training``    ``train_cnn()``: seed, build, ``fit``; ``train_cnns()``: many CNNs side by side in one ``fit``
- ``experiment``  the course's regime (``REGIME``, ``make_config()``), ``run_experiment()``, its table
- ``weights``     ``kernels()`` of a model and their ``sparsity()``
- ``compare``     ``paired_difference()``: the course's one rule for "is B better than A" over seeds
- ``plotting``    one colour and line style per penalty
- ``widgets``     the λ slider, a figure redrawn in place, the nearest trained λ on a log scale
- ``checks``      ``check_true()`` / ``check_close()``: a lesson's visible checks

**Lesson modules**, one per notebook (``notebooks/NN_*.ipynb``), each importing only the core:
``lesson01_loss_formulas`` ... ``lesson06_structured_sparsity``.

**The main job**: ``python -m helpers`` (``__main__``), and ``cluster``, its runs as Ray Tune trials
(``--ray``; the optional extra ``.[cluster]``).

Private (a leading underscore): ``_validation`` (argument checks), ``_data_files`` (reading the data files),
``_machine`` (the CPU's name and flags), ``_text`` (the helpers' text in Chinese, from ``zh.json``).
``import helpers`` has no side effects; TensorFlow starts in ``setup_notebook()``.
"""

import importlib
from pathlib import Path

# Every module but the private ones, for ``from helpers import *`` and the lazy attributes below.
__all__ = sorted(path.stem for path in Path(__file__).parent.glob("[!_]*.py"))


def __getattr__(name):
    # Lazy submodules (PEP 562): helpers.data works without an explicit import, and `import helpers` starts nothing.
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
