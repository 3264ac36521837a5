"""One setup call for every lesson: quiet logs, threads, seeds, determinism, plot style."""

import os

__all__ = ["setup_notebook", "reseed"]

DEFAULT_SEED = 0


def setup_notebook(seed=DEFAULT_SEED, threads=2):
    """Prepare a fresh kernel for a lesson and return the seed used.

    Must run before anything else imports TensorFlow: its C++ log level and
    thread pools are fixed when it starts.
    """
    from helpers.validation import check_positive_int

    check_positive_int("seed", seed, minimum=0)
    check_positive_int("threads", threads)
    # Silence TensorFlow's C-level start-up lines (oneDNN, absl); JupyterLab shows them.
    # oneDNN is turned off also because its reordered float sums differ between runs.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already started (the cell was re-run): the first setting stays.
    tf.config.experimental.enable_op_determinism()
    reseed(seed)
    from helpers.plotting import apply_style

    apply_style()
    return seed


def reseed(seed=DEFAULT_SEED):
    """Seed Python, NumPy and TensorFlow at once, so a cell that builds a model can be re-run alone."""
    import keras

    keras.utils.set_random_seed(seed)
