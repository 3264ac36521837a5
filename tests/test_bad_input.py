"""Bad input to the training helpers and the notebook setup: a clear error naming the argument."""

import dataclasses

import numpy as np
import pytest

from helpers.penalties import Penalty
from helpers.training import evaluate, train_cnn
from helpers.validation import check_writable_dir


@pytest.fixture(scope="module")
def tiny(mnist_5k):
    return dataclasses.replace(mnist_5k, x_train=mnist_5k.x_train[:20], y_train=mnist_5k.y_train[:20],
                               x_val=mnist_5k.x_val[:0], y_val=mnist_5k.y_val[:0])


@pytest.mark.parametrize(
    "change, words",
    [
        ({"x_train": np.zeros((20, 28, 28), np.float32)}, r"x_train must have shape \(n, 28, 28, 1\)"),
        ({"x_train": np.zeros((20, 28, 28, 1), np.uint8)}, "x_train must be float32"),
        ({"x_train": np.full((20, 28, 28, 1), 255.0, np.float32)}, r"x_train must hold finite values in \[0, 1\]"),
        ({"x_train": np.zeros((0, 28, 28, 1), np.float32), "y_train": np.zeros(0, np.int64)}, "x_train is empty"),
        ({"y_train": np.full(20, 10)}, r"y_train must hold labels in 0..9"),
        ({"y_train": np.zeros(19, np.int64)}, "y_train has 19 labels for 20 images"),
        ({"y_train": np.zeros(20, np.float32)}, "y_train must hold integers"),
    ],
    ids=["shape", "dtype", "range", "empty", "label-range", "label-count", "label-dtype"],
)
def test_train_cnn_rejects_bad_data(tiny, change, words):
    with pytest.raises(ValueError, match=words):
        train_cnn(dataclasses.replace(tiny, **change), num_epochs=1)


@pytest.mark.parametrize("argument, value", [("num_epochs", 0), ("batch_size", -64), ("seed", -1)])
def test_train_cnn_rejects_bad_numbers(tiny, argument, value):
    with pytest.raises(ValueError, match=argument):
        train_cnn(tiny, **{argument: value})


def test_train_cnn_rejects_a_penalty_given_as_text(tiny):
    with pytest.raises(TypeError, match="penalty must be a helpers.penalties.Penalty"):
        train_cnn(tiny, "l2")


def test_evaluate_rejects_mismatched_labels(tiny):
    with pytest.raises(ValueError, match="labels has 3 labels for 20 images"):
        evaluate(None, tiny.x_train, tiny.y_train[:3])


def test_setup_notebook_rejects_a_negative_seed():
    from helpers.notebook import setup_notebook

    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        setup_notebook(seed=-1)


def test_non_writable_output_folder_is_named(tmp_path):
    locked = tmp_path / "locked"
    locked.write_text("a file, not a folder")
    with pytest.raises(ValueError, match="is not a writable folder"):
        check_writable_dir("--out", locked / "results")


def test_penalty_strength_given_as_none_is_named():
    with pytest.raises(TypeError, match="l1_strength must be a real number"):
        Penalty(l1_strength=None)
