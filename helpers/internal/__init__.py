"""Machinery a learner need not read: argument checks, the results store, atomic files, TensorFlow start-up
and the fast path, one compiled call per epoch, side-by-side training, the data files, one Keras internal.

The core modules (``helpers.*``) and the lesson modules import from here; nothing here imports a
lesson module. See the map in ``helpers/__init__.py``.
"""
