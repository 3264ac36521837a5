"""train_cnns (all penalties in one fit) must equal one train_cnn per penalty."""

import dataclasses

import numpy as np
import pytest

from helpers.penalties import Penalty
from helpers.training import train_cnn, train_cnns

PENALTIES = [Penalty(), Penalty(l2_strength=1e-2), Penalty(l1_strength=1e-3, l2_strength=1e-3)]


@pytest.fixture(scope="module")
def small(mnist_5k):
    return dataclasses.replace(mnist_5k, x_train=mnist_5k.x_train[:150], y_train=mnist_5k.y_train[:150],
                               x_val=mnist_5k.x_val[:100], y_val=mnist_5k.y_val[:100])


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
    for mine, reference in zip(together.model.get_weights(), alone.model.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("index", [1, 2], ids=[PENALTIES[1].label, PENALTIES[2].label])
def test_val_loss_is_keras_regularized_validation_loss(side_by_side_and_alone, index):
    together, alone = (runs[index] for runs in side_by_side_and_alone)
    assert np.all(together.history["penalty"] > 0.01)
    # Keras' own val_loss (data loss + penalty), from the model trained alone.
    np.testing.assert_allclose(together.history["val_loss"], alone.history["val_loss"], rtol=1e-5)


def test_one_penalty_side_by_side_is_plain_training(small):
    run, = train_cnns(small, [Penalty(l2_strength=1e-3)], num_epochs=1, seed=0)
    reference = train_cnn(small, Penalty(l2_strength=1e-3), num_epochs=1, seed=0)
    np.testing.assert_allclose(run.history["val_data_loss"], reference.history["val_data_loss"], rtol=1e-6)


def test_train_cnns_rejects_no_penalties_and_text(small):
    with pytest.raises(ValueError, match="penalties is empty"):
        train_cnns(small, [], num_epochs=1)
    with pytest.raises(TypeError, match="penalty must be a helpers.penalties.Penalty"):
        train_cnns(small, ["l2"], num_epochs=1)


def _plain_fit(data, penalty, callbacks=None):
    """The seed's CNN trained by Keras' own fit, one call per batch (steps_per_execution=1) -> (history, weights)."""
    from helpers.models import build_cnn
    from helpers.notebook import reseed
    from helpers.training import EVALUATION_BATCH_SIZE

    reseed(5)
    model = build_cnn(penalty)
    fitted = model.fit(data.x_train, data.y_train, epochs=2, batch_size=64, validation_data=(data.x_val, data.y_val),
                       validation_batch_size=EVALUATION_BATCH_SIZE, callbacks=callbacks, verbose=0)
    return fitted.history, model.get_weights()


def test_one_call_per_epoch_gives_the_same_numbers_bit_for_bit(small):
    from helpers.models import build_cnn
    from helpers.notebook import reseed
    from helpers.training import fit_model

    penalty = Penalty(l1_strength=1e-3, l2_strength=1e-3)
    reference_history, reference_weights = _plain_fit(small, penalty)
    reseed(5)
    model = build_cnn(penalty)
    # 150 images in batches of 64: 3 batches, the last one of 22, all in one call per epoch.
    history = fit_model(model, small.x_train, small.y_train, num_epochs=2, batch_size=64,
                        validation=(small.x_val, small.y_val)).history
    assert history.keys() == reference_history.keys()
    for name in history:
        np.testing.assert_array_equal(history[name], reference_history[name], err_msg=name)
    for mine, reference in zip(model.get_weights(), reference_weights):
        np.testing.assert_array_equal(mine, reference)
    assert model.steps_per_execution == 1  # the model keeps Keras' default for whoever fits it next


def test_a_callback_acting_on_every_batch_still_sees_every_batch(small):
    import keras

    from helpers.models import build_cnn
    from helpers.notebook import reseed
    from helpers.training import fit_model

    class CountBatches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    class EpochsOnly(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen_steps_per_execution = self.model.steps_per_execution

    counter, epochs_only = CountBatches(), EpochsOnly()
    reseed(5)
    fit_model(build_cnn(), small.x_train, small.y_train, num_epochs=2, batch_size=64, callbacks=[counter])
    assert counter.batches == [0, 1, 2, 0, 1, 2]  # 150 images = 3 batches, each its own call
    reseed(5)
    fit_model(build_cnn(), small.x_train, small.y_train, num_epochs=1, batch_size=64, callbacks=[epochs_only])
    assert epochs_only.seen_steps_per_execution == 3  # no per-batch hook: the epoch's 3 batches in one call
