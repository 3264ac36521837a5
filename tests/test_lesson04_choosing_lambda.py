"""helpers.lesson04_choosing_lambda: a cross-validation fold's training part, lesson 02's published runs, and the
seed's CNN as a scikit-learn estimator."""

import dataclasses

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from helpers.data import with_label_noise
from helpers.experiment import LAMBDA_GRID, make_config
from helpers.lesson04_choosing_lambda import CNNClassifier, lesson02_runs, training_subset
from helpers.penalties import Penalty
from helpers.training import train_cnn


def test_training_subset_keeps_the_fold_and_its_true_labels_and_drops_validation(tiny):
    noisy = with_label_noise(tiny, 0.4, seed=0)
    wrong = np.flatnonzero(noisy.y_train != noisy.y_train_true)
    index = np.array([wrong[3], 0, wrong[0], 7])  # out of order, some of them wrongly labelled
    fold = training_subset(noisy, index)
    np.testing.assert_array_equal(fold.x_train, noisy.x_train[index])
    np.testing.assert_array_equal(fold.y_train, noisy.y_train[index])
    np.testing.assert_array_equal(fold.y_train_true, noisy.y_train_true[index])  # aligned with the given labels
    assert fold.y_train[0] != fold.y_train_true[0] and fold.y_train[2] != fold.y_train_true[2]
    assert len(fold.y_val) == 0 and len(fold.x_val) == 0 and fold.x_val.shape[1:] == noisy.x_val.shape[1:]
    np.testing.assert_array_equal(fold.x_test, noisy.x_test)
    assert training_subset(tiny, index).y_train_true is None  # clean data has no separate true labels


def test_lesson02_runs_reads_the_published_results_without_training():
    lines = []

    def log(message):
        assert not message.startswith("Training"), message  # fail at once instead of training for minutes
        lines.append(message)

    five_seeds, sweep = lesson02_runs(make_config(seeds=[0, 1, 2, 3, 4]), log=log)
    assert len(lines) == 2 and all(line.startswith("Published result") for line in lines)
    assert list(sweep) == [0.0, *LAMBDA_GRID["l2"]]  # no penalty, then every L2 strength, in order
    assert all(run["seed"] == 0 and run["kind"] == ("none" if s == 0 else "l2") for s, run in sweep.items())
    assert all(run["l2_strength"] == s for s, run in sweep.items())
    assert sorted({run["seed"] for run in five_seeds["runs"]}) == [0, 1, 2, 3, 4]
    # lesson 02's own seed-0 L2(0.01) run is the sweep's point at 0.01, not a second training
    assert sweep[0.01] is next(r for r in five_seeds["runs"] if r["kind"] == "l2" and r["seed"] == 0)


def test_cnn_classifier_trains_as_train_cnn_does(tiny):
    estimator = CNNClassifier(kind="l2", strength=1e-3, num_epochs=1, seed=2).fit(tiny.x_train, tiny.y_train)
    no_validation = dataclasses.replace(tiny, x_val=tiny.x_val[:0], y_val=tiny.y_val[:0])
    run = train_cnn(no_validation, Penalty(l2_strength=1e-3), num_epochs=1, seed=2)
    probabilities = run.model.predict(tiny.x_test, verbose=0)
    np.testing.assert_allclose(estimator.model_.predict(tiny.x_test, verbose=0), probabilities, atol=1e-5)
    predictions = estimator.predict(tiny.x_test)
    assert predictions.shape == (128,)
    assert estimator.score(tiny.x_test, tiny.y_test) == pytest.approx(np.mean(predictions == tiny.y_test), abs=1e-6)


@pytest.mark.slow  # two more trainings (the lesson's own estimator test above runs every time)
def test_cnn_classifier_works_with_clone_and_cross_val_score(tiny):
    estimator = CNNClassifier(kind="l1", strength=1e-4, num_epochs=1)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params() and not hasattr(copy, "model_")
    scores = cross_val_score(copy, tiny.x_train[:100], tiny.y_train[:100], cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
