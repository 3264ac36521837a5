"""helpers.internal.side_by_side: train_cnns (all penalties in one fit) must equal one train_cnn per penalty."""

import dataclasses

import numpy as np
import pytest

from helpers.internal.side_by_side import train_cnns
from helpers.penalties import Penalty
from helpers.training import train_cnn

PENALTIES = [Penalty(), Penalty(l2_strength=1e-2), Penalty(l1_strength=1e-3, l2_strength=1e-3)]


@pytest.fixture(scope="module")
def small(mnist_5k):
    return dataclasses.replace(
        mnist_5k,
        x_train=mnist_5k.x_train[:150],
        y_train=mnist_5k.y_train[:150],
        x_val=mnist_5k.x_val[:100],
        y_val=mnist_5k.y_val[:100],
    )


@pytest.fixture(scope="module")
def side_by_side_and_alone(small):
    together = train_cnns(small, PENALTIES, num_epochs=2, seed=3)
    alone = [train_cnn(small, penalty, num_epochs=2, seed=3) for penalty in PENALTIES]
    return together, alone


@pytest.mark.parametrize("index", range(len(PENALTIES)), ids=[p.label for p in PENALTIES])
def test_side_by_side_training_equals_training_alone(side_by_side_and_alone, index):
    together, alone = (runs[index] for runs in side_by_side_and_alone)
    assert together.penalty == alone.penalty and together.config == alone.config
    for name in ("data_loss", "accuracy", "val_data_loss", "val_accuracy"):
        # Same initial weights, batches and updates: equal up to float rounding (1e-6).
        np.testing.assert_allclose(together.history[name], alone.history[name], rtol=1e-6, atol=1e-7, err_msg=name)
    for mine, reference in zip(together.model.get_weights(), alone.model.get_weights(), strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("index", [1, 2], ids=[PENALTIES[1].label, PENALTIES[2].label])
def test_val_loss_is_keras_regularized_validation_loss(side_by_side_and_alone, index):
    together, alone = (runs[index] for runs in side_by_side_and_alone)
    assert np.all(together.history["penalty"] > 0.01)
    # Keras' own val_loss (data loss + penalty), from the model trained alone.
    np.testing.assert_allclose(together.history["val_loss"], alone.history["val_loss"], rtol=1e-5)


def test_one_penalty_side_by_side_is_plain_training(small):
    (run,) = train_cnns(small, [Penalty(l2_strength=1e-3)], num_epochs=1, seed=0)
    reference = train_cnn(small, Penalty(l2_strength=1e-3), num_epochs=1, seed=0)
    np.testing.assert_allclose(run.history["val_data_loss"], reference.history["val_data_loss"], rtol=1e-6)


def test_train_cnns_rejects_no_penalties_and_text(small):
    with pytest.raises(ValueError, match="penalties is empty"):
        train_cnns(small, [], num_epochs=1)
    with pytest.raises(TypeError, match=r"penalty must be a helpers\.penalties\.Penalty"):
        train_cnns(small, ["l2"], num_epochs=1)
