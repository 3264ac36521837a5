"""One setup call for every lesson: quiet logs, threads, seeds, determinism, fast path, plot style."""

import contextlib
import os
import sys

__all__ = ["setup_notebook", "start_tensorflow", "reseed"]

DEFAULT_SEED = 0


def setup_notebook(seed=DEFAULT_SEED, threads=2, fast_path=None, retrain=False):
    """Prepare a fresh kernel for a lesson and return the seed used.

    Must run before anything else imports TensorFlow: its C++ log level and
    thread pools are fixed when it starts. Lessons compute in float32 on every
    machine, as a laptop does: then a comparison such as "the hand-written training
    loop equals Keras' fit" holds to the last digits everywhere. ``fast_path=True``
    (or $COURSE_FAST_PATH=on) asks for bfloat16 arithmetic where the CPU has it,
    as the main job uses by default (helpers.fastpath).
    ``retrain=True`` (or $COURSE_RETRAIN=yes) trains the lesson's results on this
    machine instead of showing the published ones, see helpers.published.
    """
    from helpers.fastpath import FAST_PATH_ENV
    from helpers.published import retrain_mode, set_notebook_retrain
    from helpers.validation import check_positive_int

    check_positive_int("seed", seed, minimum=0)
    if fast_path is None:
        fast_path = os.environ.get(FAST_PATH_ENV, "off")
    set_notebook_retrain(retrain)
    retrain_mode()  # an unknown $COURSE_RETRAIN stops the first cell, not a later one
    start_tensorflow(threads=threads, fast_path=fast_path)
    reseed(seed)
    from helpers.plotting import apply_style

    apply_style()
    return seed


def start_tensorflow(threads=2, fast_path=None):
    """Start TensorFlow quietly with ``threads`` threads, op determinism and the fast path -> (policy, reason)."""
    from helpers.fastpath import apply_fast_path
    from helpers.validation import check_positive_int

    check_positive_int("threads", threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _c_stderr_silenced():
        import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already started (the cell was re-run): the first setting stays.
    # Same seed -> same numbers, also with oneDNN's kernels (two fresh processes agree bit for bit,
    # tests/test_reliability.py).
    tf.config.experimental.enable_op_determinism()
    # The course trains many small models on purpose; TensorFlow's Python warning that this
    # "triggered tf.function retracing" is expected here and only noise for a learner.
    tf.get_logger().setLevel("ERROR")
    return apply_fast_path(fast_path)


@contextlib.contextmanager
def _c_stderr_silenced():
    """Send file descriptor 2 to /dev/null while TensorFlow starts.

    TensorFlow's C++ start-up notices ("oneDNN custom operations are on", absl's
    "All log messages before absl::InitializeLog()") are written before
    TF_CPP_MIN_LOG_LEVEL is read, straight to the C-level stderr, which JupyterLab
    shows as red boxes. Python errors still reach the caller as exceptions.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real file descriptor 2 (some embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def reseed(seed=DEFAULT_SEED):
    """Seed Python, NumPy and TensorFlow at once, so a cell that builds a model can be re-run alone."""
    import keras

    keras.utils.set_random_seed(seed)
