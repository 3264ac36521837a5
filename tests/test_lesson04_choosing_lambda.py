"""helpers.lesson04_choosing_lambda: a cross-validation fold's training part, lesson 02's runs, the scikit-learn
wrapper of the CNN."""

import numpy as np
import pytest

from helpers.data import with_label_noise
from helpers.internal.side_by_side import train_cnns
from helpers.lesson04_choosing_lambda import CNNClassifier, lesson02_runs, training_subset
from helpers.lesson04_choosing_lambda import train_cnns as lesson_train_cnns


@pytest.fixture(scope="module")
def tiny(mnist_5k):
    """120 training and 60 validation images: enough to run two epochs in a second."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k", n_train=120, n_val=60)


# --- a cross-validation fold's training part -------------------------------------------------


def test_training_subset_keeps_the_fold_and_its_true_labels_and_drops_validation(tiny):
    noisy = with_label_noise(tiny, 0.4, seed=0)
    index = np.array([5, 0, 7])
    fold = training_subset(noisy, index)
    np.testing.assert_array_equal(fold.x_train, noisy.x_train[index])
    np.testing.assert_array_equal(fold.y_train, noisy.y_train[index])
    np.testing.assert_array_equal(fold.y_train_true, noisy.y_train_true[index])
    assert len(fold.y_val) == 0 and fold.x_val.shape[1:] == noisy.x_val.shape[1:]
    np.testing.assert_array_equal(fold.y_test, noisy.y_test)
    assert training_subset(tiny, index).y_train_true is None  # clean data has no separate true labels


@pytest.mark.parametrize(
    "index, message",
    [
        (np.array([], dtype=int), "non-empty"),
        (np.array([0.5]), "integer"),
        (np.array([[0, 1]]), "1-D"),
        (np.array([120]), "outside the 120"),
    ],
)
def test_training_subset_rejects_a_bad_index(tiny, index, message):
    with pytest.raises(ValueError, match=message):
        training_subset(tiny, index)


def test_lesson02_runs_reads_the_published_sweep_without_training():
    from helpers.lesson02_cnn_penalties import make_config

    lines = []
    five_seeds, sweep = lesson02_runs(make_config(seeds=[0, 1, 2, 3, 4]), log=lines.append)
    assert all(line.startswith("Published result") for line in lines) and len(lines) == 2
    assert list(sweep) == [0.0, 0.001, 0.003, 0.01, 0.03, 0.1]
    assert all(run["seed"] == 0 and run["kind"] == ("none" if s == 0 else "l2") for s, run in sweep.items())
    assert sorted({run["seed"] for run in five_seeds["runs"]}) == [0, 1, 2, 3, 4]


# --- scikit-learn wrapper ------------------------------------------------------------------


def test_cnn_classifier_fits_predicts_and_scores(tiny):
    from sklearn.base import clone

    estimator = CNNClassifier(kind="l2", strength=1e-3, num_epochs=1, seed=0)
    assert clone(estimator).get_params()["strength"] == 1e-3
    estimator.fit(tiny.x_train, tiny.y_train)
    predictions = estimator.predict(tiny.x_val)
    assert predictions.shape == (60,)
    assert estimator.score(tiny.x_val, tiny.y_val) == pytest.approx(np.mean(predictions == tiny.y_val), abs=1e-6)


def test_the_lesson_trains_its_folds_side_by_side_with_the_internal_train_cnns():
    assert lesson_train_cnns is train_cnns
