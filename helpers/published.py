"""The lessons' results: the published ones on every machine, yours when you retrain.

An expensive result (a trained sweep, five seeds, a cross-validation) is published
like a textbook's figure: committed in ``published/<name>.npz`` with where, when
and how it was computed, and shown whenever a lesson asks for it with the
configuration it was computed for. Change the configuration, or ask to retrain
(``setup_notebook(retrain=True)``), and it is trained on your machine into your
own cache folder instead; the published files are never overwritten. The store
itself (keys, checksums, provenance, files) is :mod:`helpers.internal.store`.
"""

from helpers.internal.store import published_or_trained, retrain_mode

__all__ = ["published_or_trained", "retrain_mode"]
