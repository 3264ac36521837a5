"""helpers.training: train_cnn's seeded run, its history (data loss apart from the penalty), evaluate, config_of.

Many runs in one fit: tests/internal/test_side_by_side.py; one compiled call per epoch: tests/internal/test_fast_fit.py.
"""

import dataclasses

import numpy as np
import pytest

from helpers.penalties import Penalty
from helpers.training import TrainingRun, evaluate, train_cnn


@pytest.fixture(scope="module")
def tiny(mnist_5k):
    return dataclasses.replace(
        mnist_5k,
        x_train=mnist_5k.x_train[:100],
        y_train=mnist_5k.y_train[:100],
        x_val=mnist_5k.x_val[:50],
        y_val=mnist_5k.y_val[:50],
    )


@pytest.fixture(scope="module")
def l2_run(tiny):
    return train_cnn(tiny, Penalty(l2_strength=1e-2), num_epochs=2, batch_size=32, seed=1)


def test_the_history_keeps_the_data_loss_apart_from_the_penalty(l2_run):
    history = l2_run.history
    assert {"loss", "data_loss", "accuracy", "val_loss", "val_data_loss", "val_accuracy"} <= set(history)
    assert all(len(values) == 2 for values in history.values())
    assert np.all(history["loss"] > history["data_loss"])  # Keras' loss includes the L2 penalty
    assert np.all((history["accuracy"] >= 0) & (history["accuracy"] <= 1))


def test_the_run_records_what_produced_it(tiny, l2_run):
    assert isinstance(l2_run, TrainingRun) and l2_run.penalty == Penalty(l2_strength=1e-2)
    assert l2_run.config == TrainingRun.config_of(tiny, Penalty(l2_strength=1e-2), 2, 32, 1, 1e-3)
    assert l2_run.config["penalty"] == {"l1_strength": 0.0, "l2_strength": 1e-2}
    assert l2_run.config["data"] == tiny.summary()


def test_evaluate_reports_the_last_epochs_validation_numbers(tiny, l2_run):
    scores = evaluate(l2_run.model, tiny.x_val, tiny.y_val)
    assert set(scores) == {"accuracy", "data_loss"}
    assert scores["data_loss"] == pytest.approx(l2_run.history["val_data_loss"][-1], rel=1e-5)
    assert scores["accuracy"] == pytest.approx(l2_run.history["val_accuracy"][-1])


def test_without_validation_images_there_is_no_validation_history(tiny):
    no_val = dataclasses.replace(tiny, x_val=tiny.x_val[:0], y_val=tiny.y_val[:0])
    run = train_cnn(no_val, num_epochs=1, seed=0)
    assert run.penalty == Penalty() and not any(name.startswith("val_") for name in run.history)


def test_bad_arguments_are_named(tiny):
    with pytest.raises(TypeError, match=r"penalty must be a helpers\.penalties\.Penalty"):
        train_cnn(tiny, "l2", num_epochs=1)
    with pytest.raises(ValueError, match="num_epochs must be an integer >= 1"):
        train_cnn(tiny, num_epochs=0)
    with pytest.raises(ValueError, match="labels"):
        evaluate(None, tiny.x_val, tiny.y_val[:3])
