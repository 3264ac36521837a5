"""The first call of every lesson: TensorFlow started quietly, deterministic ops, seeds, the plot style, the language.

Call it before importing Keras or TensorFlow: TensorFlow prints its start-up notices on the
C-level stderr (red boxes in JupyterLab) unless told not to before it starts. Also :func:`pad`, for a lesson's
printed tables: a Chinese character takes two columns of a fixed-width font.
"""

import contextlib
import os
import sys

from helpers._text import pad, set_language
from helpers._validation import check_choice, check_int
from helpers.plotting import apply_style
from helpers.published import RETRAIN_ENV, retrain_mode

__all__ = ["pad", "setup_notebook"]


def setup_notebook(seed=0, retrain=False, language="en"):
    """Prepare a fresh kernel for a lesson -> ``seed``.

    ``retrain=True`` trains the lesson's results here instead of showing the published ones
    (helpers.published); it sets $COURSE_RETRAIN=yes for this kernel. ``language="zh"``: the helpers' text
    in Chinese (notebooks/zh/), and a font with Chinese characters for the figures.
    """
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False, got {retrain!r}")
    set_language(check_choice("language", language, ("en", "zh")))
    if retrain_mode() == "no" and retrain:  # also checks $COURSE_RETRAIN now, not in a later cell
        os.environ[RETRAIN_ENV] = "yes"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _c_stderr_silenced():  # absl writes a notice before it reads TF_CPP_MIN_LOG_LEVEL
        import keras
        import tensorflow as tf

    tf.config.experimental.enable_op_determinism()  # the same seed gives the same run
    # The course trains many small models on purpose: TensorFlow's warning about retracing is noise here.
    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow at once
    apply_style(language)
    return seed


@contextlib.contextmanager
def _c_stderr_silenced():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real file descriptor 2
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
