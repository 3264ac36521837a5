"""One setup call for every lesson: quiet logs, threads, seeds, determinism, plot style."""

import os

from helpers.internal.runtime import FAST_PATH_ENV, start_tensorflow
from helpers.internal.store import retrain_mode, set_notebook_retrain
from helpers.internal.validation import check_positive_int
from helpers.plotting import apply_style

__all__ = ["reseed", "setup_notebook"]

DEFAULT_SEED = 0


def setup_notebook(seed=DEFAULT_SEED, threads=2, fast_path=None, retrain=False, models_per_fit=1):
    """Prepare a fresh kernel for a lesson and return the seed used.

    Lessons compute in float32 on every machine, as a laptop does: then a comparison
    such as "the hand-written training loop equals Keras' fit" holds to the last digits
    everywhere. ``fast_path=True`` (or $COURSE_FAST_PATH=on) asks for bfloat16
    arithmetic where the CPU has it (helpers.internal.runtime). ``retrain=True`` (or
    $COURSE_RETRAIN=yes) trains the lesson's results on this machine instead of showing
    the published ones (helpers.published). ``models_per_fit``: how many models each fit
    trains side by side, which sets how TensorFlow uses the threads
    (helpers.internal.runtime.thread_layout; the main job trains several).
    """
    check_positive_int("seed", seed, minimum=0)
    check_positive_int("models_per_fit", models_per_fit)  # before anything is set
    if fast_path is None:
        fast_path = os.environ.get(FAST_PATH_ENV, "off")
    set_notebook_retrain(retrain)
    retrain_mode()  # an unknown $COURSE_RETRAIN stops the first cell, not a later one
    start_tensorflow(threads=threads, fast_path=fast_path, models_per_fit=models_per_fit)
    reseed(seed)
    apply_style()
    return seed


def reseed(seed=DEFAULT_SEED):
    """Seed Python, NumPy and TensorFlow at once, so a cell that builds a model can be re-run alone."""
    import keras  # inside: importing Keras starts TensorFlow, which setup_notebook must start first

    keras.utils.set_random_seed(seed)
